"""Configuration: defaults, the example file, and one clear line for every mistake."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from app.config import Config, ConfigError, config_from_mapping, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_documented_keys() -> None:
    config = Config()
    assert config.telegram.token_env == "TELEGRAM_BOT_TOKEN"
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.telegram.admins == ()
    assert config.telegram.mode == "polling"
    assert config.database.path == Path("sahel-digest.db")
    assert config.digest.default_time == time(7, 0)
    assert config.digest.default_timezone == "Africa/Bamako"
    assert config.digest.max_articles_per_topic == 5


def test_example_file_loads_and_equals_the_defaults() -> None:
    config = load_config(ROOT / "config.example.toml")
    defaults = Config()
    assert config.telegram == defaults.telegram
    assert config.digest == defaults.digest
    assert config.database.path == ROOT / "sahel-digest.db"  # relative to the file's folder


def test_no_file_in_working_directory_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()


def test_file_url_is_derived_from_base_url() -> None:
    config = config_from_mapping({"telegram": {"base_url": "http://127.0.0.1:8081/bot"}})
    assert config.telegram.file_url == "http://127.0.0.1:8081/file/bot"


def test_values_are_converted() -> None:
    config = config_from_mapping(
        {
            "telegram": {"admins": [42, 7], "rate_limit_per_second": 20},
            "digest": {"default_time": "19:30", "default_timezone": "Europe/Paris"},
        }
    )
    assert config.telegram.admins == (42, 7)
    assert config.telegram.rate_limit_per_second == 20.0
    assert config.digest.default_time == time(19, 30)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"telegram": {"admins": "42"}}, "telegram.admins"),
        ({"telegram": {"admins": [42, "x"]}}, "telegram.admins[1]"),
        ({"telegram": {"mode": "carrier-pigeon"}}, "telegram.mode"),
        ({"telegram": {"tokn_env": "X"}}, "telegram.tokn_env"),
        ({"digest": {"default_time": "25:99"}}, "digest.default_time"),
        ({"digest": {"default_timezone": "Mars/Olympus"}}, "digest.default_timezone"),
        ({"digest": {"max_articles_per_topic": "5"}}, "digest.max_articles_per_topic"),
        ({"digest": {"max_articles_per_topic": 0}}, "digest.max_articles_per_topic"),
        ({"digest": {"send_when_empty": 1}}, "digest.send_when_empty"),
        ({"database": {"path": 3}}, "database.path"),
        ({"database": {"url": "mysql://db/sahel"}}, "database.url"),
        ({"database": {"url": "postgresql://db.example:5432"}}, "database.url"),
        ({"database": {"url": "postgresql://db.example:99999/sahel"}}, "database.url"),
        ({"database": {"pool_size": 0}}, "database.pool_size"),
        ({"databse": {}}, "[databse]"),
        ({"telegram": {"base_url": "https://api.telegram.org/bot/"}}, "telegram.base_url"),
        ({"telegram": {"mode": "webhook"}}, "telegram.webhook_url"),
        # Numbers TOML allows but nothing can run with: nan passes every comparison.
        ({"telegram": {"rate_limit_per_second": float("nan")}}, "telegram.rate_limit_per_second"),
        ({"telegram": {"request_timeout_seconds": float("inf")}}, "request_timeout_seconds"),
        ({"content": {"fetch_timeout_seconds": float("nan")}}, "content.fetch_timeout_seconds"),
        ({"content": {"fetch_timeout_seconds": 0}}, "content.fetch_timeout_seconds"),
        ({"content": {"fetch_max_redirects": -1}}, "content.fetch_max_redirects"),
        ({"telegram": {"rate_limit_retries": -1}}, "telegram.rate_limit_retries"),
        # Too large to run: a timer interval past what the event loop takes (OverflowError
        # after start-up), a digest longer than any reader would read.
        ({"digest": {"check_interval_seconds": 2**63 - 1}}, "digest.check_interval_seconds"),
        ({"digest": {"claim_lease_seconds": 10**12}}, "digest.claim_lease_seconds"),
        ({"digest": {"claim_lease_seconds": 0}}, "digest.claim_lease_seconds"),
        ({"digest": {"max_articles_per_topic": 10**6}}, "digest.max_articles_per_topic"),
        ({"digest": {"concurrency": 10**6}}, "digest.concurrency"),
        ({"telegram": {"webhook_port": 0}}, "telegram.webhook_port"),
        ({"telegram": {"webhook_port": 65536}}, "telegram.webhook_port"),
        ({"telegram": {"token_env": ""}}, "telegram.token_env"),
        ({"telegram": {"token_env": "MY TOKEN"}}, "telegram.token_env"),
        ({"telegram": {"webhook_secret_env": "A=B"}}, "telegram.webhook_secret_env"),
        (
            {"telegram": {"mode": "webhook", "webhook_url": "ftp://example.org/hook"}},
            "telegram.webhook_url",
        ),
    ],
)
def test_each_mistake_names_its_key(raw: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(raw)  # type: ignore[arg-type]
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_a_database_url_picks_postgresql_and_its_password_is_never_repeated() -> None:
    config = config_from_mapping({"database": {"url": "postgresql://bot@db:5432/sahel"}})
    assert config.database.backend == "postgresql"
    assert config_from_mapping({}).database.backend == "sqlite"
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"database": {"url": "mysql://bot:s3cret-pass@db/sahel"}})
    assert "s3cret-pass" not in str(raised.value)
    assert "mysql://bot:***@db/sahel" in str(raised.value)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[telegram\nadmins = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """Windows Notepad starts UTF-8 files with a byte order mark, which TOML does not allow."""
    path = tmp_path / "config.toml"
    path.write_bytes('\ufeff[digest]\ndefault_timezone = "Africa/Niamey"\n'.encode())
    assert load_config(path).digest.default_timezone == "Africa/Niamey"
