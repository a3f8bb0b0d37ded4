"""Real headless Chromium (Debian's package, driven by Playwright) against a real `sam3fn serve` with
the tiny random model. Screenshots land in test-artifacts/browser/ for people to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.images import encode, scene_pixels
from support.server import Server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def page_server(tmp_path_factory, tiny_model_dir):
    tmp = tmp_path_factory.mktemp("page-server")
    env = {"SAM3FN_MODEL_DIR": str(tiny_model_dir), "SAM3FN_DEVICE": "cpu", "SAM3FN_ARGOS_HOME": str(tmp / "argos"),
           "SAM3FN_RESULTS_DIR": str(tmp / "results")}
    with Server(env, tmp / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: tests/run.sh installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, page_server):
    """open_page(locale=..., viewport=..., touch=...) -> a page at the server's `/`, with console errors
    collected; touch=True is a phone's browser (a touch screen, no mouse to hover with)."""
    contexts = []

    def make(locale: str = "en-US", width: int = 1280, height: int = 900, touch: bool = False):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, accept_downloads=True,
                                      has_touch=touch, is_mobile=touch)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(page_server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent.length > 0")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def scene_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("images") / "scene.png"
    path.write_bytes(encode(scene_pixels(120, 160, seed=4)))
    return path
