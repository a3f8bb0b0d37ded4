"""With SAM3FN_API_KEY set, /v1/info answers 401 without the key: the page asks for it (opens the settings
and puts the cursor in the key field) instead of breaking, and works once it is given."""

from __future__ import annotations

import pytest

from support.server import Server


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, tiny_model_dir):
    tmp = tmp_path_factory.mktemp("keyed-server")
    env = {"SAM3FN_MODEL_DIR": str(tiny_model_dir), "SAM3FN_DEVICE": "cpu", "SAM3FN_ARGOS_HOME": str(tmp / "argos"),
           "SAM3FN_RESULTS_DIR": str(tmp / "results"), "SAM3FN_API_KEY": "page-key"}
    with Server(env, tmp / "server.log") as server:
        yield server


def test_the_page_asks_for_the_key_and_works_once_it_is_given(browser, keyed_server):
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(keyed_server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent.includes('API key')")
        assert page.evaluate("document.querySelector('details.settings').open")  # the field is shown
        assert page.evaluate("document.activeElement.id") == "api-key"
        page.fill("#api-key", "wrong")
        page.press("#api-key", "Enter")
        page.wait_for_timeout(300)
        assert "API key" in page.inner_text("#status")
        page.fill("#api-key", "page-key")
        page.press("#api-key", "Enter")
        page.wait_for_function("document.getElementById('status').textContent.includes('cpu')")
        assert not errors
    finally:
        context.close()
