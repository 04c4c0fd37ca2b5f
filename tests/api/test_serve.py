"""`drawsvc serve` plumbing: settings file export, request log config, TCP_NODELAY."""

from __future__ import annotations

import os
import socket

from drawsvc.api.transport import NoDelayH11Protocol
from drawsvc.cli.serve import log_config, prepare
from drawsvc.settings import get_settings


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default=None):
        return {"socket": self.sock, "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}.get(
            name, default)

    def is_closing(self) -> bool:
        return False

    def set_protocol(self, protocol) -> None:
        pass


def test_no_delay_protocol_sets_tcp_nodelay():
    from uvicorn.config import Config

    config = Config(app=lambda *a: None)
    config.load()
    server_state = type("S", (), {"connections": set(), "tasks": set(), "total_requests": 0,
                                  "default_headers": []})()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayH11Protocol(config=config, server_state=server_state, app_state={})
        protocol.connection_made(_Transport(sock))
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_log_config_routes_the_request_log_and_keeps_uvicorn():
    config = log_config("info")
    assert config["loggers"]["drawsvc"]["level"] == "INFO"
    assert "uvicorn" in config["loggers"]


def test_prepare_exports_a_settings_file_and_creates_tables_and_key(tmp_path, monkeypatch):
    data = tmp_path / "data"
    env_file = tmp_path / "drawsvc.env"
    env_file.write_text(f"DRAWSVC_DATA_DIR={data}\nDRAWSVC_LOG_ORIGIN=file.example/log\n")
    monkeypatch.delenv("DRAWSVC_DATA_DIR", raising=False)
    monkeypatch.delenv("DRAWSVC_LOG_ORIGIN", raising=False)
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    try:
        prepare(env_file)
        assert os.environ["DRAWSVC_LOG_ORIGIN"] == "file.example/log"  # the workers inherit it
        assert (data / "log.key").exists() and (data / "drawsvc.sqlite3").exists()
        assert get_settings().log_origin == "file.example/log"
    finally:  # prepare() set them in os.environ itself: monkeypatch.delenv would restore them
        for name in ("DRAWSVC_DATA_DIR", "DRAWSVC_LOG_ORIGIN"):
            os.environ.pop(name, None)
        get_settings.cache_clear()
