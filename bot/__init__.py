"""The Telegram side of Sahel Digest: the only package that imports python-telegram-bot."""

import os

# RetryAfter.retry_after becomes a timedelta in PTB 23; opt in now (PTB's advice) so the
# deprecation warning does not fire on every flood wait.
os.environ.setdefault("PTB_TIMEDELTA", "1")
