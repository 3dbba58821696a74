"""The ``[ops]`` section and ``[logging] format``: defaults, the example file, one clear line for
each mistake, and the replica's name from the file, the environment, or the host."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from app.config import Config, ConfigError, config_from_mapping, load_config
from app.healthcheck import health_url, main
from app.ops import OpsSettings, replica_name
from bot.errors import StartFailure

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_serve_nothing_and_write_text() -> None:
    config = Config()
    assert config.ops.metrics_port == 0
    assert config.ops.replica == ""
    assert config.ops.replica_env == "SAHEL_REPLICA"
    assert config.logging.format == "text"


def test_example_file_documents_the_defaults() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.ops == OpsSettings()
    assert config.logging == Config().logging


def test_values_are_read() -> None:
    config = config_from_mapping(
        {
            "ops": {"replica": "bot-1", "metrics_port": 9100, "metrics_listen": "127.0.0.1"},
            "logging": {"format": "json"},
        }
    )
    assert config.ops == OpsSettings(replica="bot-1", metrics_port=9100, metrics_listen="127.0.0.1")
    assert config.logging.format == "json"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"logging": {"format": "xml"}}, "logging.format"),
        ({"ops": {"metrics_port": "9100"}}, "ops.metrics_port"),
        ({"ops": {"metrics_port": -1}}, "ops.metrics_port"),
        ({"ops": {"metrics_port": 65536}}, "ops.metrics_port"),
        ({"ops": {"metrics_port": True}}, "ops.metrics_port"),
        ({"ops": {"metrics_listen": ""}}, "ops.metrics_listen"),
        ({"ops": {"metrics_listen": 0}}, "ops.metrics_listen"),
        ({"ops": {"replica": "bot 1"}}, "ops.replica"),
        ({"ops": {"replica": 'bot"1'}}, "ops.replica"),
        ({"ops": {"replica": "x" * 65}}, "ops.replica"),
        ({"ops": {"replica": 1}}, "ops.replica"),
        ({"ops": {"replica_env": "MY REPLICA"}}, "ops.replica_env"),
        ({"ops": {"metrics_prot": 9100}}, "ops.metrics_prot"),
    ],
)
def test_each_mistake_names_its_key(raw: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(raw)
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_the_file_names_the_replica_first() -> None:
    settings = OpsSettings(replica="bot-1")
    assert replica_name(settings, {"SAHEL_REPLICA": "bot-2"}) == "bot-1"


def test_else_the_environment_names_it() -> None:
    assert replica_name(OpsSettings(), {"SAHEL_REPLICA": " bot-2\n"}) == "bot-2"
    assert replica_name(OpsSettings(replica_env="POD"), {"POD": "web-7"}) == "web-7"


def test_else_the_host_and_the_process_name_it() -> None:
    expected = f"{socket.gethostname()}-{os.getpid()}"
    assert replica_name(OpsSettings(), {}) == expected
    assert replica_name(OpsSettings(), {"SAHEL_REPLICA": "  "}) == expected


def test_an_unusable_name_in_the_environment_stops_the_start_in_one_line() -> None:
    with pytest.raises(StartFailure) as raised:
        replica_name(OpsSettings(), {"SAHEL_REPLICA": "bot 2"})
    assert "SAHEL_REPLICA" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_health_check_asks_this_host_on_the_configured_port() -> None:
    assert health_url(OpsSettings(metrics_port=9100)) == "http://127.0.0.1:9100/healthz"
    anywhere = OpsSettings(metrics_port=9100, metrics_listen="::")
    assert health_url(anywhere) == "http://127.0.0.1:9100/healthz"
    loopback6 = OpsSettings(metrics_port=9100, metrics_listen="::1")
    assert health_url(loopback6) == "http://[::1]:9100/healthz"


def test_the_health_check_fails_when_nothing_is_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[ops]\nmetrics_port = 0\n")
    assert main([str(path)]) == 1
    assert "ops.metrics_port is 0" in capsys.readouterr().err
    path.write_text("[ops]\nmetrics_port = -5\n")
    assert main([str(path)]) == 1
    assert "ops.metrics_port" in capsys.readouterr().err
