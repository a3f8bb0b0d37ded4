"""Using the page as people do: Chinese prompts and interface, drop and paste, plain-word errors,
keyboard only, labelled controls with readable contrast, and a phone-width screen."""

from __future__ import annotations

import base64
import json
import re

import httpx

from support.images import encode, scene_pixels
from support.page import run_prompts, screenshot, stored_result


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
    assert page.inner_text("#run") == "Run again" and "instance" in page.inner_text("#summary")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#notice").startswith("Random weights")
    page.reload()  # the choice is remembered
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    assert page.inner_text("#run") == "Segment"
    english = open_page(locale="en-GB")
    assert english.inner_text("#run") == "Segment"
    assert english.locator("#script").is_hidden()  # the script button belongs to the Chinese interface


def test_taiwan_and_hong_kong_browsers_read_traditional_and_can_switch_script(open_page, scene_file):
    page = open_page(locale="zh-TW")
    assert page.get_attribute("html", "lang") == "zh-TW" and page.inner_text("#run") == "分割"
    run_prompts(page, scene_file, ["紅色的汽車"])
    assert "個實例" in page.inner_text("#summary") and page.inner_text("#run") == "重新執行"
    assert "→ red car" in page.locator("#chips li").first.inner_text()  # the prompt as typed, and what the model read
    screenshot(page, "page-traditional")
    page.click("#script")
    assert page.get_attribute("html", "lang") == "zh-CN" and "个实例" in page.inner_text("#summary")
    assert page.inner_text("#script") == "繁體"
    page.click("#script")
    page.click("#lang")  # to English and back: to the script last read
    assert page.inner_text("#run") == "Run again" and page.locator("#script").is_hidden()
    page.click("#lang")
    assert page.get_attribute("html", "lang") == "zh-TW" and page.inner_text("#run") == "重新執行"
    page.reload()  # the choice is remembered
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    assert page.inner_text("#run") == "分割" and page.get_attribute("html", "lang") == "zh-TW"
    assert open_page(locale="zh-HK").get_attribute("html", "lang") == "zh-TW"


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
    page.wait_for_selector("#error:not([hidden])")  # the browser cannot show it: the server's verdict is asked
    assert "could not read" in page.inner_text("#error-text") and "request id" in page.inner_text("#error-detail")
    page.fill("#prompt-input", "dog")
    page.click("#run")
    page.wait_for_function("document.getElementById('error-text').textContent.includes('could not read')")
    assert "request id" in page.inner_text("#error-detail")
    assert "Traceback" not in page.content()
    screenshot(page, "page-error")


def run_to_an_error(page, prompt: str) -> None:
    """Run `prompt` on the image the page holds, and wait for the error it is refused with."""
    page.fill("#prompt-input", prompt)
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")


def test_untranslatable_chinese_gets_advice_not_a_failure(open_page, scene_file):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    run_to_an_error(page, "量子纠缠的哲学意义")
    assert "could not be translated offline" in page.inner_text("#error-text")
    assert page.locator("#run").is_enabled()


def test_a_prompt_joining_two_things_is_explained_and_split_in_one_click(open_page, scene_file):
    page = open_page(locale="zh-CN")
    page.set_input_files("#file", str(scene_file))
    run_to_an_error(page, "狗和猫")
    assert page.inner_text("#error-text").startswith("“狗和猫”写了 2 样东西：狗、猫。SAM 3 每个提示词只找一类东西")
    assert "names 2 things" not in page.inner_text("#error-detail")  # the words above say it in Chinese
    assert "请求编号" in page.inner_text("#error-detail")
    assert page.inner_text("#error-action") == "拆成 狗、猫 并重新运行"  # what the click will do, named
    page.click("#lang")  # the refusal is redrawn in the other language, the parts as written
    assert page.inner_text("#error-text").startswith("“狗和猫” names 2 things: 狗, 猫.")
    assert page.inner_text("#error-action") == "Split into 狗, 猫 and run again"
    page.click("#lang")
    # One click splits the chip where it stood and runs again.
    page.click("#error-action")
    page.wait_for_function("document.getElementById('summary').textContent.includes('2 个提示词')")
    assert page.locator("#chips .chip .text").all_inner_texts() == ["狗", "猫"]
    assert page.locator("#error").is_hidden()


def test_a_split_keeps_the_prompts_script_and_adds_no_chip_twice(open_page, scene_file):
    # The chips come from the server's parts, as written: Traditional stays Traditional, and a thing
    # already asked for by a chip of its own is not asked for again.
    page = open_page(locale="zh-TW")
    page.set_input_files("#file", str(scene_file))
    run_to_an_error(page, "白色的貓，紅色的車與白色的貓")
    assert page.inner_text("#error-action") == "拆成 紅色的車、白色的貓 並重新執行"
    page.click("#error-action")
    page.wait_for_function("document.getElementById('summary').textContent.includes('2 個提示詞')")
    assert page.locator("#chips .chip .text").all_inner_texts() == ["白色的貓", "紅色的車"]


def test_every_joined_prompt_is_named_and_all_are_split_in_one_click(open_page, scene_file):
    page = open_page(locale="zh-CN")
    page.set_input_files("#file", str(scene_file))
    run_to_an_error(page, "狗和猫，汽车，桌子与椅子")
    assert page.inner_text("#error-text").startswith(
        "有 2 个提示词各写了几样东西：“狗和猫”（狗、猫）；“桌子与椅子”（桌子、椅子）。SAM 3 每个提示词只找一类东西")
    assert page.inner_text("#error-action") == "拆成 狗、猫、桌子、椅子 并重新运行"
    page.click("#lang")
    assert page.inner_text("#error-text").startswith(
        "2 prompts each name several things: “狗和猫” (狗, 猫); “桌子与椅子” (桌子, 椅子).")
    page.click("#error-action")  # each chip splits where it stood, and one run asks for all of them
    page.wait_for_function("document.getElementById('summary').textContent.includes(' 5 prompts ')")
    assert page.locator("#chips .chip .text").all_inner_texts() == ["狗", "猫", "汽车", "桌子", "椅子"]


def test_a_stored_result_recording_a_joined_prompt_names_its_parts(open_page, scene_file, page_server, tmp_path):
    # A bucket event whose x-amz-meta-prompts joined two things records the refusal, parts and all, as its
    # result; opened on the page, it reads as the server's own answer does (no split: no chip made it).
    r = httpx.post(page_server.url + "/v1/segment", timeout=60, json={
        "image": {"base64": base64.b64encode(scene_file.read_bytes()).decode()}, "prompts": ["狗和猫"]})
    assert r.status_code == 422
    result = tmp_path / "scene.png.json"
    result.write_text(json.dumps({"source": {"bucket": "images", "key": "inputs/scene.png"}, "error": r.json()["error"]}))
    page = open_page(locale="zh-CN")
    page.set_input_files("#file", str(scene_file))
    page.wait_for_selector("#stage:not([hidden])")
    page.set_input_files("#result-file", str(result))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-text") == ("此结果记录了函数未能处理该图片： “狗和猫”写了 2 样东西：狗、猫。"
                                              "SAM 3 每个提示词只找一类东西：请把它们分别添加为单独的提示词。")
    assert page.locator("#error-action").is_hidden()


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


def _pick(page, selector: str, path) -> None:
    """Choose a file through the browser's own file chooser, as a person does."""
    with page.expect_file_chooser() as chooser:
        page.click(selector)
    chooser.value.set_files(str(path))


def test_a_comma_typed_in_the_field_adds_a_chip_at_once(open_page):
    page = open_page()
    page.focus("#prompt-input")
    page.keyboard.type("dog,")
    page.keyboard.insert_text("猫，")  # what an IME commits: the word and a Chinese comma
    page.keyboard.insert_text("红色汽车、")
    page.keyboard.type("tree")
    chips = [t.split("\n")[0].replace("×", "").strip() for t in page.locator("#chips li").all_inner_texts()]
    assert chips == ["dog", "猫", "红色汽车"]
    assert page.input_value("#prompt-input") == "tree"  # the unfinished word stays being typed


def test_choosing_the_same_file_again_loads_it_again(open_page, scene_file, page_server, tmp_path):
    """After another image came in by drop, picking the first one again (or re-opening the same result JSON
    for it) must work; an <input type=file> that still holds the old choice fires no change."""
    result = stored_result(page_server.url, scene_file, ["dog"], tmp_path)
    page = open_page()
    _pick(page, "label[for=file]", scene_file)
    page.wait_for_selector("#stage:not([hidden])")
    _pick(page, "#open-result", result)
    page.wait_for_function("document.querySelectorAll('#legend li[data-index]').length > 0")
    page.evaluate(_transfer_script("drop"), base64.b64encode(encode(scene_pixels(40, 60, seed=1))).decode())
    page.wait_for_function("document.getElementById('file-name').textContent === 'drop.png'")
    _pick(page, "label[for=file]", scene_file)
    page.wait_for_function("document.getElementById('file-name').textContent === 'scene.png'")
    page.wait_for_function("document.getElementById('photo').naturalWidth === 160")
    _pick(page, "#open-result", result)
    page.wait_for_function("document.querySelectorAll('#legend li[data-index]').length > 0")
    assert not page.errors


def test_no_native_file_picker_speaks_the_browsers_language(open_page, scene_file, page_server, tmp_path):
    """A native <input type=file> labels itself in the browser's language ("Choose File · No file chosen"
    on a page switched to Chinese): the page shows its own controls and keeps the inputs out of sight."""
    result = stored_result(page_server.url, scene_file, ["dog"], tmp_path)
    page = open_page(locale="en-US")
    # Playwright turns on its file-chooser interception when first asked; asked only around the key press,
    # it can be late for a keyboard-opened chooser. Listening from the start keeps that race out.
    page.on("filechooser", lambda chooser: None)
    page.click("#lang")
    shown = page.evaluate("""[...document.querySelectorAll('input[type=file]')]
        .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 1 || r.height > 1; })
        .map((e) => e.id)""")
    assert shown == []
    assert page.inner_text("#open-result") == "打开结果 JSON…"
    _pick(page, "label[for=file]", scene_file)
    page.wait_for_selector("#stage:not([hidden])")
    page.focus("#open-result")  # a keyboard reaches it too
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(str(result))
    page.wait_for_function("document.querySelectorAll('#legend li[data-index]').length > 0")
    assert "scene.png.json" in page.inner_text("#summary")
    assert not page.errors


def test_a_long_prompt_without_spaces_wraps_inside_its_chip(open_page):
    page = open_page(width=390, height=844)
    page.fill("#prompt-input", "a_prompt_pasted_from_a_file_name_" + "x" * 80)
    page.press("#prompt-input", "Enter")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    chip = page.locator("#chips li").bounding_box()
    remove = page.locator("#chips li button").bounding_box()
    panel = page.locator(".controls").bounding_box()
    assert remove["x"] + remove["width"] <= chip["x"] + chip["width"] <= panel["x"] + panel["width"]


def test_messages_on_screen_follow_a_language_switch(open_page, scene_file, page_server, tmp_path):
    page = open_page()
    page.click("#run")
    assert page.inner_text("#error-text") == "Add an image first."
    page.click("#lang")
    assert page.inner_text("#error-text") == "请先添加图片。"
    page.set_input_files("#file", str(scene_file))  # a server error: its advice changes language too
    page.fill("#prompt-input", "量子纠缠的哲学意义")
    page.click("#run")
    page.wait_for_function("document.getElementById('error-text').textContent.includes('无法离线翻译')")
    page.click("#lang")
    assert "could not be translated offline" in page.inner_text("#error-text")
    assert "request id" in page.inner_text("#error-detail")
    result = stored_result(page_server.url, scene_file, ["dog"], tmp_path)
    page.set_input_files("#result-file", str(result))
    page.wait_for_function("document.getElementById('summary').textContent.startsWith('Showing')")
    page.click("#lang")
    assert page.inner_text("#summary").startswith("显示 scene.png.json 中的")


def test_dropping_a_file_that_is_not_an_image_says_so(open_page):
    page = open_page(locale="zh-CN")
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['meeting notes'], 'notes.txt', {type: 'text/plain'}));
        document.getElementById('dropzone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    page.wait_for_selector("#error:not([hidden])")
    assert "notes.txt" in page.inner_text("#error-text") and "图片" in page.inner_text("#error-text")


def test_a_recorded_error_result_is_explained_not_called_foreign(open_page, scene_file, tmp_path):
    """The function writes {"source", "model", ..., "error": {code, message}} for an object it cannot process."""
    result = tmp_path / "notes.jpg.json"
    result.write_text(json.dumps({
        "source": {"bucket": "images", "key": "inputs/notes.jpg", "etag": "abc"}, "model": "sam3",
        "error": {"code": "invalid_image", "message": "cannot identify image file"}}))
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_selector("#stage:not([hidden])")
    page.set_input_files("#result-file", str(result))
    page.wait_for_selector("#error:not([hidden])")
    text = page.inner_text("#error-text")
    assert "not a sam3fn result" not in text and "could not read" in text
    assert "cannot identify image file" in page.inner_text("#error-detail")
    broken = tmp_path / "broken.json"  # a result without the image's size: refused, nothing thrown
    broken.write_text(json.dumps({"results": [], "image": {}}))
    page.set_input_files("#result-file", str(broken))
    page.wait_for_function("document.getElementById('error-text').textContent.includes('not a sam3fn result')")
    assert not page.errors


DELAY_UPLOADS = """() => {
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (body) { setTimeout(() => send.call(this, body), 1500); };
}"""


def test_a_run_answered_after_the_image_changed_is_not_drawn_over_the_new_one(open_page, scene_file, tmp_path):
    other = tmp_path / "other.png"
    other.write_bytes(encode(scene_pixels(40, 60, seed=1)))
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_selector("#stage:not([hidden])")
    page.fill("#prompt-input", "dog")
    page.evaluate(DELAY_UPLOADS)  # a slow upload, as on a real network
    with page.expect_response(lambda r: r.url.endswith("/v1/segment")):
        page.click("#run")
        page.set_input_files("#file", str(other))  # the annotator moves on while it runs
    page.wait_for_function("!document.getElementById('run').disabled")
    page.wait_for_timeout(300)
    assert page.locator("#legend li[data-index]").count() == 0 and page.inner_text("#summary") == ""
    assert page.evaluate("[overlay.width, overlay.height]") == [60, 40]
    assert page.locator("#dl-masks").is_disabled()


def test_ctrl_enter_while_running_sends_one_request(open_page, scene_file):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_selector("#stage:not([hidden])")
    page.fill("#prompt-input", "dog")
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/v1/segment") else None)
    page.evaluate(DELAY_UPLOADS)
    for _ in range(3):
        page.keyboard.press("Control+Enter")
    page.wait_for_function("document.getElementById('summary').textContent.length > 0")
    page.wait_for_timeout(2000)
    assert len(requests) == 1


def test_on_a_phone_the_photo_stays_in_sight_while_the_instance_list_scrolls(open_page, tmp_path):
    """In one column the list is below the photo: scrolled to its last rows, the photo had scrolled away, so
    tapping a row highlighted an instance nobody could see. The photo stays pinned above the list, the
    rows are not hidden under it, and the pin ends with the list (downloads are not covered)."""
    photo = tmp_path / "portrait.png"
    photo.write_bytes(encode(scene_pixels(640, 360, seed=6)))
    page = open_page(width=375, height=812, touch=True)
    run_prompts(page, photo, ["dog", "cat"])
    rows = page.locator("#legend li[data-index]:visible")  # those over the threshold
    assert rows.count() >= 8
    last = rows.last
    page.evaluate("""() => {
        const rows = [...document.querySelectorAll('#legend li[data-index]')].filter((li) => li.offsetParent);
        const box = rows[rows.length - 1].getBoundingClientRect();
        window.scrollBy(0, box.bottom - window.innerHeight + 8);
    }""")
    stage, row = page.locator("#stage").bounding_box(), last.bounding_box()
    assert page.evaluate("window.scrollY") > 0
    assert stage["y"] >= 0 and stage["y"] + stage["height"] <= 812  # the whole photo in sight
    assert stage["height"] >= 0.4 * 812 and stage["width"] >= 0.5 * stage["height"]  # and not a thumbnail
    assert row["y"] >= stage["y"] + stage["height"] and row["y"] + row["height"] <= 812  # the row not under it
    last.locator(".label").tap()
    assert "active" in (last.get_attribute("class") or "")
    screenshot(page, "page-phone-list", full_page=False)
    last.locator("input").focus()
    for key, row in (("Home", rows.first), ("End", last), ("Home", rows.first)):  # the keyboard's moves too
        page.keyboard.press(key)
        stage, box = page.locator("#stage").bounding_box(), row.bounding_box()
        assert stage["y"] >= 0 and box["y"] >= stage["y"] + stage["height"] - 1 and box["y"] + box["height"] <= 812, key
    page.locator("#h-downloads").scroll_into_view_if_needed()
    heading = page.locator("#h-downloads").bounding_box()
    stage = page.locator("#stage").bounding_box()
    assert stage["y"] + stage["height"] <= heading["y"]
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not page.errors


def test_a_portrait_photo_fits_the_window_with_its_overlay(open_page, tmp_path):
    """Phone photos are mostly portrait: the whole image, masks and all, must be seen without scrolling."""
    photo = tmp_path / "portrait.png"
    photo.write_bytes(encode(scene_pixels(640, 360, seed=6)))
    page = open_page(width=1280, height=800)
    run_prompts(page, photo, ["dog"])
    image = page.locator("#photo").bounding_box()
    overlay = page.locator("#overlay").bounding_box()
    assert page.evaluate("window.scrollY") == 0 and page.locator("#notice").is_visible()
    assert image["y"] + image["height"] <= 800  # whole at first view, below the header and the notice
    assert image["height"] >= 0.75 * 800 and image["width"] >= 0.5 * image["height"]  # large, not squeezed
    screenshot(page, "page-portrait")
    assert all(abs(image[k] - overlay[k]) < 1 for k in ("x", "y", "width", "height"))
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0


def test_status_line_follows_a_language_switch_when_the_server_wants_a_key(browser, page_server):
    # After a 401 the page stops polling, so the status line must be redrawn by the switch itself. The 401 is
    # the real server's answer to a wrong key, replayed for /v1/info (the shared test server has no key set).
    refused = {"error": {"code": "unauthorized", "message": "a valid bearer token is required", "request_id": "r1"}}
    context = browser.new_context(locale="en-US")
    try:
        context.route("**/v1/info", lambda route: route.fulfill(status=401, json=refused))
        page = context.new_page()
        page.goto(page_server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent.includes('API key')")
        page.click("#lang")
        assert "API 密钥" in page.inner_text("#status")
    finally:
        context.close()


def test_a_tiff_the_browser_cannot_show_is_shown_as_the_server_reads_it(open_page, tmp_path):
    """Scanners, microscopes and GIS tools write TIFF, which Chromium does not display: the page shows the
    server's PNG of it (the pixels the model sees), so the masks line up with what is on screen."""
    scan = tmp_path / "scan.tif"
    scan.write_bytes(encode(scene_pixels(180, 240, seed=8), "TIFF"))
    page = open_page()
    body = run_prompts(page, scan, ["dog"])
    assert (body["image"]["width"], body["image"]["height"]) == (240, 180)
    natural = page.evaluate("[document.getElementById('photo').naturalWidth, document.getElementById('photo').naturalHeight]")
    assert natural == [240, 180]
    assert page.evaluate("[document.getElementById('overlay').width, document.getElementById('overlay').height]") == [240, 180]
    assert page.locator("#error").is_hidden() and not page.errors
    assert "scan.tif" in page.inner_text("#file-name") and "server" in page.inner_text("#file-name")
    page.click("#lang")
    assert "服务器" in page.inner_text("#file-name")


def test_a_broken_tiff_gets_the_servers_verdict(open_page, tmp_path):
    broken = tmp_path / "broken.tif"
    broken.write_bytes(encode(scene_pixels(60, 80), "TIFF")[:120])
    page = open_page()
    page.set_input_files("#file", str(broken))
    page.wait_for_selector("#error:not([hidden])")
    assert "could not read this file as an image" in page.inner_text("#error-text")
    assert page.locator("#stage").is_hidden()


def test_status_line_says_the_server_is_lost_when_a_run_cannot_reach_it(open_page, scene_file):
    """The status line said "Ready" for good once the server had answered: stopped mid-use, the page showed
    "Could not reach the server" under a status line still reading "Ready"."""
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')")
    page.route("**/v1/*", lambda route: route.abort())  # the server goes away
    run_to_an_error(page, "dog")
    page.wait_for_function("document.getElementById('status').textContent === 'Server unreachable'", timeout=2000)
    page.unroute("**/v1/*")  # and comes back: the next run that gets through says so at once
    page.click("#run")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')", timeout=2000)


def test_removing_a_chip_by_keyboard_keeps_the_focus_among_the_chips(open_page):
    """The remove button went with its chip and the focus fell to the page itself (Tab restarted at the top)."""
    page = open_page()
    page.focus("#prompt-input")
    page.keyboard.type("dog, cat, tree")
    page.keyboard.press("Enter")
    focused = "document.activeElement.getAttribute('aria-label') || document.activeElement.id"
    page.focus("#chips li:nth-child(2) button")
    page.keyboard.press("Enter")  # cat: the focus moves to the chip that took its place
    assert page.evaluate(focused) == "Remove prompt tree"
    page.keyboard.press("Enter")  # tree, the last: to the one before
    assert page.evaluate(focused) == "Remove prompt dog"
    page.keyboard.press("Enter")  # none left: back to the field, to type another
    assert page.evaluate(focused) == "prompt-input" and page.locator("#chips li").count() == 0


def test_legend_and_timings_rows_of_a_12_mp_photo_stay_on_one_line(open_page, scene_file, page_server):
    """A phone's 12 MP photo made every legend row two lines ("area 11,063,950 px · / 92.2%"), and at tablet
    width the timings table was squeezed beside the downloads until Chinese names broke (图片解 / 码)."""
    page = open_page(locale="zh-CN", width=1280, height=800)
    r = httpx.post(page_server.url + "/v1/segment", timeout=60, files={"image": scene_file.read_bytes()},
                   data={"prompts": ["狗"], "threshold": "0.5", "candidate_floor": "0.05"})
    body = r.json()
    body["image"].update(width=4000, height=3000)  # the tiny model's answer, told it is for a 12 MP photo
    page.route("**/v1/segment", lambda route: route.fulfill(json=body))
    run_prompts(page, scene_file, ["狗"])
    one_line = """(sel) => [...document.querySelectorAll(sel)].filter((el) => el.offsetParent)
        .map((el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"""
    areas = page.evaluate(one_line, "#legend .area")
    assert areas and max(areas) < 1.5, areas
    texts = page.locator("#legend li[data-index]:not([hidden]) .area").all_inner_texts()
    assert any(re.search(r"\d{2},\d{3},\d{3} px", text) for text in texts), texts  # the long numbers at issue
    page.set_viewport_size({"width": 820, "height": 1000})
    names = page.evaluate(one_line, "#timings td")
    assert names and max(names) < 1.5, names


def test_the_drop_zone_link_stays_whole_and_its_focus_ring_is_drawn_once(open_page):
    """On a phone 选择文件 broke after 选择文; focused, the picker drew a second, empty ring inside the zone."""
    page = open_page(locale="zh-CN", width=390, height=844)
    assert page.evaluate("document.querySelector('.file-label').getClientRects().length") == 1
    page.focus("#lang")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    styles = page.evaluate("""() => ['dropzone', 'file-name'].map(
        (id) => getComputedStyle(document.getElementById(id)).outlineStyle)""")
    assert styles == ["solid", "none"]


def test_a_file_over_the_size_limit_is_told_both_sizes(open_page, scene_file, tmp_path):
    """"The file is larger than this server accepts" left the annotator guessing how far to shrink it."""
    big = tmp_path / "big.png"  # a valid PNG (the browser shows it) padded past the 20 MB limit
    big.write_bytes(scene_file.read_bytes() + bytes(21_000_000))
    page = open_page()
    page.set_input_files("#file", str(big))
    page.wait_for_selector("#stage:not([hidden])")
    run_to_an_error(page, "dog")
    assert "21 MB" in page.inner_text("#error-text") and "at most 20 MB" in page.inner_text("#error-text")
    page.click("#lang")
    assert "最多接受 20 MB" in page.inner_text("#error-text")


def test_a_chinese_prompt_stays_whole_beside_a_long_translation(open_page, scene_file):
    """Prompt and translation shared the chip's line, each squeezed and wrapped: 穿蓝色夹克 / 的人."""
    page = open_page(locale="zh-CN")
    run_prompts(page, scene_file, ["穿蓝色夹克的人"])
    lines = page.evaluate("""() => ['.text', '.model'].map((sel) => {
        const el = document.querySelector('#chips li ' + sel);
        return el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight); })""")
    assert page.inner_text("#chips li .model") == "→ person wearing a blue jacket"
    assert max(lines) < 1.5, lines


LISTED = "#legend li[data-index]:not([hidden])"
FOCUSED_ROW = "document.activeElement.closest('#legend li')?.dataset.index ?? document.activeElement.id"


def test_the_legend_is_one_tab_stop_and_the_arrow_keys_move_inside_it(open_page, scene_file):
    """Every instance's checkbox was a tab stop: ~96 Tabs from the legend to the downloads."""
    page = open_page()
    run_prompts(page, scene_file, ["dog", "tree"])
    page.evaluate("""() => { const s = document.getElementById('threshold'); s.value = s.min;
                             s.dispatchEvent(new Event('input', {bubbles: true})); }""")
    listed = page.locator(LISTED).evaluate_all("(rows) => rows.map((r) => r.dataset.index)")
    assert len(listed) >= 10
    page.focus("#hide-all")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_ROW) == listed[0]
    page.keyboard.press("Tab")  # past all of them at once
    assert page.evaluate(FOCUSED_ROW) == "dl-overlay"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED_ROW) == listed[0]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED_ROW) == listed[2]
    row = page.locator(f'#legend li[data-index="{listed[2]}"]')
    assert "active" in row.get_attribute("class")  # the focused row's instance is highlighted
    page.keyboard.press("Space")
    assert "hidden-layer" in row.get_attribute("class") and not row.locator("input").is_checked()
    page.keyboard.press("End")
    assert page.evaluate(FOCUSED_ROW) == listed[-1]
    page.keyboard.press("ArrowDown")  # the list's end: the focus stays
    assert page.evaluate(FOCUSED_ROW) == listed[-1]
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # back to the row left, not to the top
    assert page.evaluate(FOCUSED_ROW) == listed[-1]
    page.keyboard.press("Home")
    assert page.evaluate(FOCUSED_ROW) == listed[0]
    assert page.locator("#legend input[tabindex='0']").count() == 1
    assert page.locator("#legend-keys").is_visible()  # says how, while the keyboard is in the list
    page.click(f'#legend li[data-index="{listed[2]}"] input')  # the mouse toggles as before
    assert row.locator("input").is_checked()


def test_on_a_phone_a_tap_highlights_a_row_and_every_target_is_24_px(open_page, scene_file):
    """On a phone a tap on a row after a tap on a checkbox highlighted nothing (the checkbox losing the focus
    undid it), and the chips' × and the checkboxes were smaller than a 24 px target (WCAG 2.2)."""
    page = open_page(locale="zh-CN", width=390, height=844, touch=True)
    run_prompts(page, scene_file, ["狗", "穿蓝色夹克的人"])
    rows = page.locator(LISTED)
    rows.nth(0).locator("input").tap()  # hides the first instance; the focus is in its row now
    rows.nth(1).locator(".label").tap()
    active = page.locator("#legend li.active").evaluate_all("(rows) => rows.map((r) => r.dataset.index)")
    assert active == [rows.nth(1).get_attribute("data-index")]
    page.locator("#overlay").tap(position={"x": 40, "y": 40})  # the pixel list, with its × to close
    page.locator("#popover").wait_for(state="visible")
    small = page.evaluate("""() => [...document.querySelectorAll('button, input, summary, .file-label')]
        .filter((el) => el.getClientRects().length && !el.classList.contains('visually-hidden'))
        .map((el) => [el.id || el.className || el.tagName, (el.closest('.toggle') || el).getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24).map(([name, r]) => `${name} ${r.width}x${r.height}`)""")
    assert small == [], small


def _refuse_while(page, answer: dict, headers: dict[str, str]) -> dict:
    """Answer every /v1 call with the 503 `answer` while the returned dict's "on" is true (then pass them to
    the server), and list the /v1/segment calls in its "runs"."""
    seen = {"on": True, "runs": []}

    def handle(route):
        if route.request.url.endswith("/v1/segment"):
            seen["runs"].append(route.request.url)
        if seen["on"]:
            route.fulfill(status=503, json=answer, headers=headers)
        else:
            route.continue_()

    page.route("**/v1/*", handle)
    return seen


LOADING = {"error": {"code": "not_ready", "message": "not ready: the model is still loading", "request_id": "r1"}}


def test_a_run_while_the_model_loads_waits_for_it_and_shows_the_result(open_page, scene_file):
    """A scale-to-zero endpoint's first request after a cold start is answered "still loading" (503 with
    Retry-After): the page said "try again in a few seconds" and left the retrying to the person."""
    page = open_page(locale="zh-CN")
    page.set_input_files("#file", str(scene_file))
    page.wait_for_function("document.getElementById('status').textContent.startsWith('就绪')")
    restarted = _refuse_while(page, LOADING, {"Retry-After": "1"})  # scaled to zero and back since the page loaded
    page.fill("#prompt-input", "狗")
    page.click("#run")
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('秒后自动重试')")
    # no longer "ready": the status poll, started by that answer, follows the load
    page.wait_for_function("document.getElementById('status').textContent === '模型加载中…'", timeout=3000)
    screenshot(page, "page-waiting-for-model", full_page=False)
    page.wait_for_timeout(1500)
    assert len(restarted["runs"]) >= 2 and page.locator("#error").is_hidden()  # tried again, still loading
    restarted["on"] = False  # loaded
    page.wait_for_function("document.getElementById('summary').textContent.length > 0", timeout=10000)
    # The answer starts a status poll (run() calls pollServer); its /v1/info reply lands a round trip after
    # the summary is drawn, so the status line is waited for, not read in the same instant (well within the
    # 2 s of the loading poll, which is not what this waits on).
    page.wait_for_function("document.getElementById('status').textContent.startsWith('就绪')", timeout=1500)
    assert page.locator("#error").is_hidden() and page.inner_text("#status").startswith("就绪")
    assert page.locator("#progress").is_hidden() and page.is_enabled("#run")


def test_a_server_that_failed_to_load_says_so_at_once_without_retrying(open_page, scene_file):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')")
    failed = {"error": {"code": "model_unavailable", "request_id": "r2",
                        "message": "startup failed: ModelDirError: no config.json in /models/sam3"}}
    broken = _refuse_while(page, failed, {})  # no Retry-After: waiting cannot help
    run_to_an_error(page, "dog")
    assert "could not start" in page.inner_text("#error-text")
    assert "no config.json" in page.inner_text("#error-detail")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('The server failed to start')")
    page.wait_for_timeout(1500)
    assert len(broken["runs"]) == 1


def test_choosing_another_image_while_waiting_stops_the_retries(open_page, scene_file, tmp_path):
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')")
    loading = _refuse_while(page, LOADING, {"Retry-After": "1"})
    page.fill("#prompt-input", "dog")
    page.click("#run")
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('Trying again in')")
    other = tmp_path / "other.png"
    other.write_bytes(encode(scene_pixels(90, 120, seed=8)))
    page.set_input_files("#file", str(other))
    page.wait_for_selector("#progress", state="hidden", timeout=3000)
    tries = len(loading["runs"])
    page.wait_for_timeout(2000)
    assert len(loading["runs"]) == tries and page.locator("#error").is_hidden() and page.is_enabled("#run")
