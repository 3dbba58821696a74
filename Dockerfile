# Sahel Digest: one bot process (a replica) per container. compose.yaml runs two of them on
# PostgreSQL; the configuration file is mounted at /var/lib/sahel-digest/config.toml and the
# secrets (bot token, database password) come from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install the project (its packages and their data files, as pyproject.toml lists them); the
# sources are not kept beside the installed copy.
WORKDIR /build
COPY pyproject.toml README.md ./
COPY app ./app
COPY bot ./bot
COPY content ./content
COPY core ./core
COPY digests ./digests
COPY fake_bot_api ./fake_bot_api
COPY feeds ./feeds
COPY storage ./storage
COPY ui ./ui
RUN pip install . && rm -rf /build

# Not root: the bot needs no privilege, only a folder of its own (the working directory, where
# it reads config.toml).
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/sahel-digest sahel
WORKDIR /var/lib/sahel-digest
USER sahel

# /healthz and /metrics, when the configuration sets [ops] metrics_port = 9100.
EXPOSE 9100
# Reads the port from the same config.toml; 200 from /healthz means the database answers.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "-m", "app.healthcheck"]

# SIGTERM (docker stop) ends a digest fan-out after the messages in flight; the rest is sent by
# the other replica or after the restart.
CMD ["python", "-m", "bot", "run"]
