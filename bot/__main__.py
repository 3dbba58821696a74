"""``python -m bot``: the entry point README documents; the command line lives in ``app.cli``."""

from app.cli import main

# The guard matters: the feed workers are spawned processes, which import this module again
# (as « __mp_main__ ») and must not run the command line a second time.
if __name__ == "__main__":
    main()
