"""The Dockerfile and compose.yaml, checked without Docker (no engine runs here): every file the
image copies exists and is not ignored, the image installs every package pyproject.toml lists,
runs ``python -m bot run`` as a user of its own, checks its health through a module that exists;
compose runs PostgreSQL 16 and two replicas on the configuration file it mounts, which loads.

PyYAML is not a dependency, so compose.yaml is read as text: its block structure (keys nested
by indentation), enough to find each service's lines.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.config import Config, load_config

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DEPLOY_CONFIG = ROOT / "deploy" / "config.toml"
REPLICAS = ("bot-1", "bot-2")


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments skipped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append((keyword.upper(), arguments.strip()))
    return found


def arguments_of(keyword: str) -> list[str]:
    return [args for name, args in instructions(DOCKERFILE.read_text()) if name == keyword]


def exec_form(arguments: str) -> list[str]:
    """A CMD's JSON array (the exec form: no shell between Docker and Python, so the process
    receives docker stop's SIGTERM itself)."""
    parsed = json.loads(arguments)
    assert isinstance(parsed, list) and all(isinstance(part, str) for part in parsed)
    return parsed


def block(text: str, *keys: str) -> str:
    """The lines nested under ``keys`` (a path of block mapping keys), as text."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    for key in keys:
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        starts = [
            number
            for number, line in enumerate(lines)
            if len(line) - len(line.lstrip()) == indent and re.match(rf"\s*{re.escape(key)}:", line)
        ]
        assert len(starts) == 1, f"{key!r} is not one key of its block"
        nested = []
        for line in lines[starts[0] + 1 :]:
            if len(line) - len(line.lstrip()) <= indent:
                break
            nested.append(line)
        assert nested, f"{key!r} has no block under it"
        lines = nested
    return "\n".join(lines)


def entries(block_text: str) -> dict[str, str]:
    """The ``key: value`` lines at the top level of a block (a key with a nested block maps to
    ""), quotes removed from the values."""
    lines = block_text.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    found: dict[str, str] = {}
    for line in lines:
        if len(line) - len(line.lstrip()) == indent and not line.strip().startswith("- "):
            key, _, value = line.strip().partition(":")
            assert key not in found, f"{key!r} twice in one block"
            found[key.strip("\"'")] = value.strip().strip("\"'")
    return found


def list_items(block_text: str) -> list[str]:
    return [
        line.strip()[2:].strip().strip("\"'")
        for line in block_text.splitlines()
        if line.strip().startswith("- ")
    ]


@pytest.fixture(scope="module")
def deployed() -> Config:
    return load_config(DEPLOY_CONFIG)


# --- Dockerfile -------------------------------------------------------------------------------


def test_the_image_starts_from_python_311_slim() -> None:
    assert instructions(DOCKERFILE.read_text())[0] == ("FROM", "python:3.11-slim")


def test_every_copied_file_exists_and_reaches_the_build_context() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copies = arguments_of("COPY")
    assert copies
    for arguments in copies:
        *sources, _target = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert source not in ignored, f"COPY {source}: .dockerignore leaves it out"


def test_the_image_installs_every_package_pyproject_lists() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {source for arguments in arguments_of("COPY") for source in arguments.split()[:-1]}
    assert packages <= copied, f"not copied: {sorted(packages - copied)}"
    assert {"pyproject.toml", pyproject["project"]["readme"]} <= copied
    assert any(args.startswith("pip install .") for args in arguments_of("RUN"))


def test_the_bot_runs_as_a_user_of_its_own() -> None:
    steps = instructions(DOCKERFILE.read_text())
    users = [(number, args) for number, (name, args) in enumerate(steps) if name == "USER"]
    assert users, "no USER: the bot would run as root"
    last_user, user = users[-1]
    assert user not in {"root", "0"}
    assert last_user < max(number for number, (name, _) in enumerate(steps) if name == "CMD")


def test_the_entry_command_is_the_documented_one() -> None:
    [command] = arguments_of("CMD")
    assert exec_form(command) == ["python", "-m", "bot", "run"]
    assert not arguments_of("ENTRYPOINT")


def test_the_health_check_runs_a_module_that_exists_on_the_metrics_port(
    deployed: Config,
) -> None:
    [health] = arguments_of("HEALTHCHECK")
    options, _, command = health.partition("CMD ")
    assert "--timeout" in options
    program = exec_form(command)
    assert program[:2] == ["python", "-m"]
    module = program[2]
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file()
    assert arguments_of("EXPOSE") == [str(deployed.ops.metrics_port)]


# --- compose.yaml and the configuration it mounts ---------------------------------------------


def test_compose_has_no_tabs_and_declares_its_services() -> None:
    text = COMPOSE.read_text()
    assert "\t" not in text  # YAML refuses tabs for indentation
    services = block(text, "services")
    for name in ("postgres", *REPLICAS):
        assert block(services, name)


def test_postgres_16_keeps_its_data_in_a_volume_and_says_when_it_is_ready() -> None:
    text = COMPOSE.read_text()
    postgres = block(text, "services", "postgres")
    assert entries(postgres)["image"] == "postgres:16"
    assert "pg_isready" in block(postgres, "healthcheck")
    [volume] = list_items(block(postgres, "volumes"))
    name, _, target = volume.partition(":")
    assert target == "/var/lib/postgresql/data"
    assert name in entries(block(text, "volumes"))  # a named volume, declared


def test_each_replica_is_named_runs_the_image_and_publishes_its_metrics(
    deployed: Config,
) -> None:
    services = block(COMPOSE.read_text(), "services")
    published = set()
    for replica in REPLICAS:
        service = block(services, replica)
        assert entries(service)["<<"] == "*bot"
        environment = entries(block(service, "environment"))
        assert environment["<<"] == "*bot-environment"
        assert environment[deployed.ops.replica_env] == replica
        [port] = list_items(block(service, "ports"))
        host_port, container_port = port.rsplit(":", 2)[-2:]
        assert int(container_port) == deployed.ops.metrics_port
        published.add(host_port)
    assert len(published) == len(REPLICAS)  # two services cannot publish one host port


def test_the_replicas_mount_the_configuration_where_the_bot_reads_it(deployed: Config) -> None:
    text = COMPOSE.read_text()
    bot = block(text, "x-bot")
    assert entries(bot)["build"] == "."
    assert "condition: service_healthy" in block(bot, "depends_on", "postgres")
    [mount] = list_items(block(bot, "volumes"))
    source, target, mode = mount.split(":")
    assert (ROOT / source).resolve() == DEPLOY_CONFIG
    assert mode == "ro"
    workdir = arguments_of("WORKDIR")[-1]
    assert target == f"{workdir}/config.toml"  # python -m bot run reads ./config.toml


def test_the_secrets_come_from_the_environment(deployed: Config) -> None:
    text = COMPOSE.read_text()
    environment = entries(block(text, "x-bot-environment"))
    assert environment[deployed.telegram.token_env].startswith("${")
    assert environment["PGPASSWORD"].startswith("${")  # asyncpg reads it: the URL has none
    assert urlsplit(deployed.database.url).password is None
    example = (ROOT / "deploy" / "env.example").read_text()
    for name in re.findall(r"\$\{(\w+):\?", text):
        assert re.search(rf"^{name}=", example, re.MULTILINE), f"env.example lacks {name}"


def test_the_mounted_configuration_runs_replicas_on_the_compose_database(
    deployed: Config,
) -> None:
    postgres = entries(block(COMPOSE.read_text(), "services", "postgres", "environment"))
    url = urlsplit(deployed.database.url)
    assert deployed.database.backend == "postgresql"
    assert url.hostname == "postgres"
    assert postgres["POSTGRES_USER"] == url.username
    assert postgres["POSTGRES_DB"] == url.path.strip("/")
    assert deployed.telegram.mode == "polling"
    assert deployed.ops.metrics_port > 0 and deployed.ops.metrics_listen == "0.0.0.0"
    assert deployed.logging.format == "json"
    assert deployed.ops.replica == ""  # each container names itself through the environment
