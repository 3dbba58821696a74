"""``python -m bot``: the entry point README documents; the command line lives in ``app.cli``."""

from app.cli import main

main()
