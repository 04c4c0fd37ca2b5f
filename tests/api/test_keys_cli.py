"""`drawsvc keys`: the key is printed once by create, never by list; revoke stops it."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from drawsvc.cli.app import app
from drawsvc.journal import SYSTEM
from drawsvc.settings import get_settings


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    get_settings.cache_clear()
    from drawsvc.registries import service
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as session:
        service.upsert_department(session, rt.journal, code="SCJG", name="市场监管局", actor=SYSTEM)
    yield rt
    rt.close()
    get_settings.cache_clear()


def test_create_prints_the_key_once_and_list_never_shows_it(env):
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "bureau", "--department", "SCJG"])
    assert created.exit_code == 0, created.output
    token = re.search(r"dsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", created.output)
    assert token is not None
    key_id = token.group(0).split("_")[1]
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0 and key_id in listed.output
    assert token.group(0).split("_", 2)[2] not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", key_id])
    assert revoked.exit_code == 0
    from drawsvc.api.auth import authenticate
    from drawsvc.errors import Unauthenticated

    with env.transaction() as session, pytest.raises(Unauthenticated):
        authenticate(session, token.group(0))


def test_bureau_key_without_department_is_refused_with_the_rule(env):
    from drawsvc.errors import InvalidInput

    result = CliRunner().invoke(app, ["keys", "create", "--role", "bureau"])
    assert result.exit_code != 0
    # The root command's run_guarded turns this into the printed report and exit code 2.
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.rule == "auth.bureau-department"
    assert "dsk_" not in result.output
