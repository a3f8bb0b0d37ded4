"""Helpers for driving the annotation page in the browser tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save test-artifacts/browser/<name>.png: the whole page, or (full_page=False) the window as scrolled,
    which is what shows a pinned element where the person sees it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def stored_result(server_url: str, image: Path, prompts: list[str], folder: Path) -> Path:
    """The server's result JSON for `image`, saved in `folder` as the bucket names it (<name>.json), for the
    page's "Open a result JSON"."""
    import base64

    import httpx

    r = httpx.post(server_url + "/v1/segment", timeout=60, json={
        "image": {"base64": base64.b64encode(image.read_bytes()).decode()}, "prompts": prompts})
    r.raise_for_status()
    result = folder / f"{image.name}.json"
    result.write_text(r.text)
    return result


def run_prompts(page, image: Path, prompts: list[str]) -> dict:
    """Upload `image`, add `prompts` as chips, press Segment; the server's JSON response."""
    page.set_input_files("#file", str(image))
    page.wait_for_selector("#stage:not([hidden])")
    for prompt in prompts:
        page.fill("#prompt-input", prompt)
        page.press("#prompt-input", "Enter")
    with page.expect_response(lambda r: r.url.endswith("/v1/segment")) as info:
        page.click("#run")
    response = info.value
    assert response.ok, response.text()
    page.wait_for_function("document.getElementById('summary').textContent.length > 0")
    return response.json()


def overlay_alpha(page):
    """The overlay canvas's alpha channel as a (H, W) numpy array."""
    data = page.evaluate("""() => {
        const c = document.getElementById('overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const a = new Array(c.width * c.height);
        for (let i = 0; i < a.length; i++) a[i] = d[i * 4 + 3];
        return {w: c.width, h: c.height, a};
    }""")
    return np.array(data["a"], dtype=np.uint8).reshape(data["h"], data["w"])
