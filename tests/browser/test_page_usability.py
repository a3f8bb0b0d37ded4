"""Using the page as people do: Chinese prompts and interface, drop and paste, plain-word errors,
keyboard only, labelled controls with readable contrast, and a phone-width screen."""

from __future__ import annotations

import base64

from support.images import encode, scene_pixels
from support.page import run_prompts, screenshot


def test_chinese_prompt_shows_the_english_the_model_received(open_page, tmp_path):
    photo = tmp_path / "street.png"
    photo.write_bytes(encode(scene_pixels(480, 640, seed=11)))
    page = open_page()
    body = run_prompts(page, photo, ["狗", "red car"])
    assert [r["model_prompt"] for r in body["results"]] == ["dog", "red car"]
    chips = page.locator("#chips li").all_inner_texts()
    assert "→ dog" in chips[0] and "→" not in chips[1]  # English needs no translation line
    page.locator("#overlay").click(position={"x": 300, "y": 200})
    screenshot(page, "page-overview")  # docs/page.png, the README's picture, is a copy of this


def test_interface_language_follows_the_browser_and_switches_both_ways(open_page, scene_file):
    page = open_page(locale="zh-CN")
    assert page.inner_text("#run") == "分割" and page.get_attribute("html", "lang") == "zh-CN"
    run_prompts(page, scene_file, ["狗"])
    assert "个实例" in page.inner_text("#summary") and page.inner_text("#run") == "重新运行"
    assert page.inner_text("#notice").startswith("随机权重")  # random weights are never shown as real
    screenshot(page, "page-chinese")
    page.click("#lang")
    assert page.inner_text("#run") == "Run again" and "instances" in page.inner_text("#summary")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#notice").startswith("Random weights")
    page.reload()  # the choice is remembered
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    assert page.inner_text("#run") == "Segment"
    english = open_page(locale="en-GB")
    assert english.inner_text("#run") == "Segment"


def _transfer_script(kind: str) -> str:
    """JS that builds a File from base64 and fires a drop or paste event carrying it."""
    event = ("new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})" if kind == "drop"
             else "new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})")
    target = "document.getElementById('dropzone')" if kind == "drop" else "document.body"
    return f"""(b64) => {{
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], '{kind}.png', {{type: 'image/png'}}));
        {target}.dispatchEvent({event});
    }}"""


def test_drop_and_paste_add_the_image_at_once(open_page, scene_file):
    b64 = base64.b64encode(scene_file.read_bytes()).decode()
    for kind in ("drop", "paste"):
        page = open_page()
        page.evaluate(_transfer_script(kind), b64)
        page.wait_for_selector("#stage:not([hidden])")
        assert page.inner_text("#file-name") == f"{kind}.png"
        assert page.evaluate("document.getElementById('photo').naturalWidth") == 160


def test_server_errors_are_shown_in_plain_words(open_page, tmp_path):
    page = open_page()
    fake = tmp_path / "notes.png"
    fake.write_text("these are my notes, not a picture")
    page.set_input_files("#file", str(fake))
    page.wait_for_selector("#error:not([hidden])")
    assert "cannot display" in page.inner_text("#error-text")
    page.fill("#prompt-input", "dog")
    page.click("#run")
    page.wait_for_function("document.getElementById('error-text').textContent.includes('could not read')")
    assert "request id" in page.inner_text("#error-detail")
    assert "Traceback" not in page.content()
    screenshot(page, "page-error")


def test_untranslatable_chinese_gets_advice_not_a_failure(open_page, scene_file):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.fill("#prompt-input", "量子纠缠的哲学意义")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert "could not be translated offline" in page.inner_text("#error-text")
    assert page.locator("#run").is_enabled()


def test_missing_image_or_prompt_is_explained_before_any_request(open_page, scene_file):
    page = open_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/v1/segment" in r.url else None)
    page.click("#run")
    assert page.inner_text("#error-text") == "Add an image first."
    page.set_input_files("#file", str(scene_file))
    page.click("#run")
    assert page.inner_text("#error-text") == "Add at least one prompt."
    assert requests == []


def test_keyboard_alone_runs_and_works_the_layers(open_page, scene_file):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.focus("#prompt-input")
    page.keyboard.type("dog")
    page.keyboard.press("Enter")
    page.keyboard.type("tree, sky")  # a comma adds several at once
    page.keyboard.press("Enter")
    assert [t.split("\n")[0].replace("×", "").strip() for t in page.locator("#chips li").all_inner_texts()] == [
        "dog", "tree", "sky"]
    page.keyboard.press("Backspace")  # on an empty field: removes the last chip
    assert page.locator("#chips li").count() == 2
    with page.expect_response(lambda r: r.url.endswith("/v1/segment")):
        page.keyboard.press("Control+Enter")
    page.wait_for_selector("#legend li[data-index]")
    page.focus("#hide-all")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('li').dataset.index")
    assert focused == "0" and "active" in page.get_attribute('#legend li[data-index="0"]', "class")
    page.keyboard.press("Space")
    assert "hidden-layer" in page.get_attribute('#legend li[data-index="0"]', "class")


ACCESSIBLE_NAMES = """() => [...document.querySelectorAll('input, button, progress, canvas, summary')]
    .map((el) => {
        const labelled = el.getAttribute('aria-labelledby');
        const name = (el.getAttribute('aria-label') || '').trim()
            || [...(el.labels || [])].map((l) => l.textContent.trim()).join(' ')
            || (labelled ? document.getElementById(labelled)?.textContent.trim() : '')
            || (el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' ? el.textContent.trim() : '');
        return [el.id || el.tagName, name];
    })"""

CONTRAST = """(selectors) => {
    const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    return selectors.map((sel) => {
        const el = document.querySelector(sel);
        const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
        return [sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    });
}"""


def test_every_control_is_labelled_and_text_is_readable(open_page, scene_file):
    page = open_page()
    run_prompts(page, scene_file, ["狗"])
    page.fill("#prompt-input", "x")
    page.click("#run")  # an error banner too, to check its colours
    unnamed = [el for el, name in page.evaluate(ACCESSIBLE_NAMES) if not name]
    assert unnamed == [], f"controls without an accessible name: {unnamed}"
    selectors = ["h1", ".subtitle", ".hint", ".status", "#notice", ".chip .text", ".chip .model", "button.primary",
                 "button.secondary", ".legend .label", ".legend .area", ".summary", ".timings td", ".field-label"]
    low = [(s, round(r, 2)) for s, r in page.evaluate(CONTRAST, selectors) if r < 4.5]
    assert low == [], f"text below WCAG AA contrast: {low}"


def test_phone_width_page_fits_without_sideways_scrolling(open_page, scene_file):
    page = open_page(width=375, height=812)
    run_prompts(page, scene_file, ["dog"])
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    stage = page.locator("#stage").bounding_box()
    assert stage["width"] <= 375 and stage["width"] > 300
    screenshot(page, "page-phone")
