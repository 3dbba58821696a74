"""The ``[telegram]`` section of the configuration file: declared once, here, where it is used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.settings import Problem, not_positive

_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What a shell accepts as a variable name: the token's variable must be one you can set."""


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token_env: str = "TELEGRAM_BOT_TOKEN"
    """Name of the environment variable holding the token (never the token itself)."""
    base_url: str = "https://api.telegram.org/bot"
    """Bot API base URL in python-telegram-bot's format: the token is appended."""
    base_file_url: str = ""
    """File download URL; empty: derived from ``base_url``."""
    admins: tuple[int, ...] = ()
    """Telegram user ids allowed to run the admin commands."""
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret_env: str = "TELEGRAM_WEBHOOK_SECRET"
    rate_limit_per_second: float = 25.0
    rate_limit_retries: int = 5
    request_timeout_seconds: float = 15.0

    @property
    def file_url(self) -> str:
        """Files URL: explicit, or derived from ``base_url`` (…/bot → …/file/bot)."""
        if self.base_file_url:
            return self.base_file_url
        root = self.base_url.removesuffix("/bot")
        return f"{root}/file/bot"

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        found = not_positive(
            {
                "rate_limit_per_second": self.rate_limit_per_second,
                "request_timeout_seconds": self.request_timeout_seconds,
            }
        )
        if self.rate_limit_retries < 0:
            found.append(
                ("rate_limit_retries", f"must be 0 or more, got {self.rate_limit_retries}")
            )
        if not 1 <= self.webhook_port <= 65535:
            found.append(
                ("webhook_port", f"must be a port from 1 to 65535, got {self.webhook_port}")
            )
        for key in ("token_env", "webhook_secret_env"):
            name = getattr(self, key)
            if not _ENVIRONMENT_NAME.fullmatch(name):
                found.append(
                    (key, f"must name an environment variable (letters, digits, _), got {name!r}")
                )
        if self.mode == "webhook" and not self.webhook_url:
            found.append(("webhook_url", 'is required when telegram.mode = "webhook"'))
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            found.append(("webhook_url", f"must be an http(s) URL, got {self.webhook_url!r}"))
        for key in ("base_url", "base_file_url"):
            url = getattr(self, key)
            if key == "base_file_url" and not url:
                continue
            if not url.startswith(("http://", "https://")) or url.endswith("/"):
                found.append((key, f"must be an http(s) URL without a trailing slash, got {url!r}"))
        return found
