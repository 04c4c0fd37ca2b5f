"""`drawsvc serve`: the API under uvicorn (docs/api.md §Running).

The tables and the log's signing key are created here, once, before the workers start;
each worker then opens its own runtime (``create_app`` factory) without racing to create
them. Several workers are safe on PostgreSQL (the log appends under an advisory lock and
idempotency keys are claimed by primary key); on SQLite every write is serialised.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Run the HTTP API.", invoke_without_command=True)


def prepare(env_file: Path | None) -> None:
    """Load settings (exporting an env file's values to the workers), create tables and key."""
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings, get_settings

    if env_file is not None:
        settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
        for name, value in settings.model_dump(exclude_unset=True).items():
            os.environ[f"DRAWSVC_{name.upper()}"] = str(value)
        get_settings.cache_clear()
    open_runtime(get_settings(), create_tables=True).close()


@app.callback()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (use PostgreSQL for more than 1)."),
    env_file: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                         help="Settings file (DRAWSVC_* lines); the environment wins."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Start the API (OpenAPI at /docs)."""
    import uvicorn

    prepare(env_file)
    uvicorn.run("drawsvc.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, log_config=log_config(log_level), access_log=False,
                proxy_headers=False, http="drawsvc.api.transport:NoDelayH11Protocol")


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up plus drawsvc's request log (uvicorn's access log, which
    prints client addresses and full paths with their values, stays off)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["drawsvc"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config
