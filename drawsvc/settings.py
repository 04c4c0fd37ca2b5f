"""Settings from the environment (``DRAWSVC_*``) or a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRAWSVC_", env_file=".env", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""  # empty: SQLite file under data_dir
    log_origin: str = "drawsvc.example/log"
    signing_key_file: Path | None = None  # default: data_dir / "log.key"
    max_entry_size: int = 64 * 1024
    timezone: str = "Asia/Shanghai"
    api_rate_limit_per_minute: int = 0  # per API key and worker; 0 = unlimited
    api_max_body_bytes: int = 20 * 1024 * 1024  # uploads (CSV/XLSX imports) included
    # Witnesses whose cosignatures the service accepts and publishes (docs/specs/witness.md W-9):
    # C2SP cosignature/v1 verifier keys, separated by commas, spaces or newlines (or a JSON list).
    witness_keys: Annotated[list[str], NoDecode] = []

    @field_validator("witness_keys", mode="before")
    @classmethod
    def _split_witness_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [k for k in text.replace(",", " ").split() if k]
        return value

    @field_validator("witness_keys")
    @classmethod
    def _check_witness_keys(cls, value: list[str]) -> list[str]:
        from ledger.cosignature import parse_witness_key  # a bad key fails at start-up, by position
        from ledger.errors import MalformedError

        for n, vkey in enumerate(value, 1):
            try:
                parse_witness_key(vkey)
            except MalformedError as exc:
                raise ValueError(f"witness key {n}: {exc}") from None
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'drawsvc.sqlite3').as_posix()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.signing_key_file or (self.data_dir / "log.key")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
