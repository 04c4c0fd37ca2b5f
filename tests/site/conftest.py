"""Fixtures of the site tests: a small demo site built once per worker, served on localhost,
and a headless Chromium from Debian (browser tests skip cleanly without it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.site.support import build_demo_site, serve, worker_port

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, dict[str, Any]]]:
    rt, site, extra = build_demo_site(tmp_path_factory.mktemp("site") / "demo")
    yield rt, site, extra
    rt.close()


@pytest.fixture(scope="session")
def site_url(demo_site: tuple[Any, Path, dict[str, Any]]) -> Iterator[str]:
    with serve(demo_site[1], worker_port()) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def site_copy(demo_site: tuple[Any, Path, dict[str, Any]], tmp_path: Path) -> Path:
    """A copy of the built site to tamper with."""
    dest = tmp_path / "site"
    shutil.copytree(demo_site[1], dest)
    return dest
