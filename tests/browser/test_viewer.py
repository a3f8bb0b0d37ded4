"""The annotated mask viewer in real Chromium: overlays where the masks are, popover, live sliders with
no network traffic, layers, downloads, and stored results."""

from __future__ import annotations

import base64
import json
import re

import cv2
import httpx
import numpy as np
from PIL import Image
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from support.coco_polygons import holes_filled
from support.page import overlay_alpha, run_prompts, screenshot, stored_result

ROWS = "#legend li[data-index]:not([hidden])"  # the legend's rows for instances above the threshold


def rle_mask(rle: dict) -> np.ndarray:
    return coco_mask.decode({"size": rle["size"], "counts": rle["counts"].encode()}).astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def pick_instance(body: dict) -> int:
    """Index of the first instance of prompt 0 covering between 10% and 90% of the image."""
    w, h = body["image"]["width"], body["image"]["height"]
    for i, inst in enumerate(body["results"][0]["instances"]):
        if 0.1 < inst["area"] / (w * h) < 0.9:
            return i
    raise AssertionError("the tiny model gave no mid-sized instance; change the scene seed")


def isolate(page, index: int) -> None:
    """Hide every layer, then show only item `index`."""
    page.click("#hide-all")
    page.check(f'#legend li[data-index="{index}"] input[type=checkbox]')


def click_pixel(page, x: int, y: int, width: int, height: int) -> None:
    canvas = page.locator("#overlay")
    box = canvas.bounding_box()
    canvas.click(position={"x": (x + 0.5) * box["width"] / width, "y": (y + 0.5) * box["height"] / height})


def server_masks(server, image_bytes: bytes, prompt: str, mask_threshold: float) -> list[np.ndarray]:
    r = httpx.post(server.url + "/v1/segment", timeout=60, json={
        "image": {"base64": base64.b64encode(image_bytes).decode()}, "prompts": [prompt],
        "threshold": 0.5, "mask_threshold": mask_threshold})
    return [rle_mask(i["mask"]) for i in r.json()["results"][0]["instances"]]


PROGRESS_RECORDER = """() => {
    window.__progress = [];
    const el = document.getElementById('progress-text');
    new MutationObserver(() => window.__progress.push(el.textContent))
        .observe(el, {childList: true, characterData: true, subtree: true});
}"""


def test_progress_while_running_then_stage_timings(open_page, scene_file):
    page = open_page()
    page.evaluate(PROGRESS_RECORDER)
    body = run_prompts(page, scene_file, ["dog"])
    seen = page.evaluate("window.__progress")
    assert any(s.startswith("Uploading") for s in seen) and any(s.startswith("Running the model") for s in seen)
    assert page.locator("#progress").is_hidden()
    rows = dict(line.split("\t") for line in page.inner_text("#timings").splitlines())
    assert set(rows) >= {"decode image", "image encoder", "text encoder", "mask decoder", "server total",
                         "round trip (browser)"}
    assert float(rows["server total"]) == round(body["timings"]["total_ms"], 1)


def test_overlay_is_drawn_where_the_server_says_the_mask_is(open_page, scene_file):
    page = open_page()
    body = run_prompts(page, scene_file, ["dog"])
    i = pick_instance(body)
    isolate(page, i)
    alpha = overlay_alpha(page)
    expected = rle_mask(body["results"][0]["instances"][i]["mask"])
    assert alpha.shape == expected.shape
    assert iou(alpha > 0, expected) > 0.98
    assert not page.errors
    screenshot(page, "viewer-one-layer")


def test_clicking_a_mask_shows_its_label_and_confidence(open_page, scene_file):
    page = open_page()
    body = run_prompts(page, scene_file, ["dog"])
    i = pick_instance(body)
    isolate(page, i)
    inst = body["results"][0]["instances"][i]
    mask = rle_mask(inst["mask"]).astype(np.uint8)
    h, w = mask.shape
    inside = np.unravel_index(np.argmax(cv2.distanceTransform(mask, cv2.DIST_L2, 3)), mask.shape)
    click_pixel(page, int(inside[1]), int(inside[0]), w, h)
    popover = page.locator("#popover")
    popover.wait_for(state="visible")
    assert f"dog — {inst['score'] * 100:.1f}%" in popover.inner_text()
    screenshot(page, "viewer-popover")
    page.keyboard.press("Escape")
    page.locator("#overlay").hover(position={"x": 1, "y": 1})  # leave, then point at the mask
    hover_at = page.locator("#overlay").bounding_box()
    page.mouse.move(hover_at["x"] + (inside[1] + 0.5) * hover_at["width"] / w,
                    hover_at["y"] + (inside[0] + 0.5) * hover_at["height"] / h)
    page.wait_for_function(f"document.querySelector('#legend li[data-index=\"{i}\"]').classList.contains('active')")
    outside = np.unravel_index(np.argmax(cv2.distanceTransform(1 - mask, cv2.DIST_L2, 3)), mask.shape)
    click_pixel(page, int(outside[1]), int(outside[0]), w, h)
    assert "No instance here" in popover.inner_text()
    page.keyboard.press("Escape")
    assert popover.is_hidden()


def test_sliders_change_instances_and_pixels_without_a_request(open_page, scene_file, page_server):
    page = open_page()
    body = run_prompts(page, scene_file, ["dog"])
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    candidates = body["results"][0]["candidates"]
    assert len(page.locator(ROWS).all()) == sum(c["score"] >= 0.5 for c in candidates)

    page.focus("#threshold")
    page.keyboard.press("Home")  # 0.05: every candidate the server sent
    assert page.input_value("#threshold") == "0.05"
    assert len(page.locator(ROWS).all()) == len(candidates) > len(body["results"][0]["instances"])

    page.keyboard.press("End")  # 0.95: above every candidate of the tiny model, so the page says so
    assert max(c["score"] for c in candidates) < 0.95
    assert page.locator(ROWS).count() == 0 and page.locator("#legend-empty").is_visible()
    assert (overlay_alpha(page) == 0).all()
    page.keyboard.press("Home")  # back up to 0.50 with the arrow keys, like a keyboard user
    for _ in range(45):
        page.keyboard.press("ArrowRight")
    assert page.input_value("#threshold") == "0.5"
    i = pick_instance(body)
    isolate(page, i)
    before = overlay_alpha(page) > 0

    page.focus("#mask-threshold")
    for _ in range(20):
        page.keyboard.press("ArrowLeft")  # 0.50 -> 0.30: masks grow
    assert page.input_value("#mask-threshold") == "0.3"
    after = overlay_alpha(page) > 0
    assert after.sum() > before.sum() and (before & ~after).sum() == 0
    screenshot(page, "viewer-mask-threshold-0.3")
    assert requests == [], f"moving the sliders made requests: {requests}"

    # what the page shows at 0.3 is what the server computes at 0.3
    expected = server_masks(page_server, scene_file.read_bytes(), "dog", 0.3)[i]
    assert iou(after, expected) > 0.98


def test_a_candidate_with_no_pixel_over_the_mask_threshold_is_not_listed(open_page, scene_file, page_server):
    """As the server leaves an empty mask out, the page does not list, draw or count one: raising the mask
    threshold to 0.9 empties some of the tiny model's masks, and the page lists what the server returns."""
    page = open_page()
    body = run_prompts(page, scene_file, ["dog"])
    above = sum(c["score"] >= 0.5 for c in body["results"][0]["candidates"])
    expected = len(server_masks(page_server, scene_file.read_bytes(), "dog", 0.9))
    assert expected < above, "no mask of the tiny model empties at 0.9: change the scene seed"
    page.focus("#mask-threshold")
    for _ in range(40):
        page.keyboard.press("ArrowRight")  # 0.50 -> 0.90
    assert page.input_value("#mask-threshold") == "0.9"
    assert page.locator(ROWS).count() == expected
    assert page.inner_text("#summary").startswith(f"{expected} ")


def test_layers_can_be_hidden_and_hover_highlights_one(open_page, scene_file):
    page = open_page()
    run_prompts(page, scene_file, ["dog"])
    full = overlay_alpha(page)
    page.click("#hide-all")
    assert (overlay_alpha(page) == 0).all()
    page.click("#show-all")
    np.testing.assert_array_equal(overlay_alpha(page), full)
    page.hover('#legend li[data-index="0"]')
    assert page.locator('#legend li[data-index="0"]').get_attribute("class").count("active") == 1
    highlighted = overlay_alpha(page)
    assert not np.array_equal(highlighted, full)


def download(page, buttons, folder) -> dict:
    """Click each download button in turn: {button: the file it saved, by its suggested name, in folder}."""
    files = {}
    for button in buttons:
        with page.expect_download() as info:
            page.click(button)
        files[button] = folder / info.value.suggested_filename
        info.value.save_as(files[button])
    return files


def test_downloads_hold_what_the_page_shows(open_page, scene_file, tmp_path):
    page = open_page()
    body = run_prompts(page, scene_file, ["dog"])
    i = pick_instance(body)
    isolate(page, i)
    expected = rle_mask(body["results"][0]["instances"][i]["mask"])
    files = download(page, ("#dl-overlay", "#dl-masks", "#dl-coco", "#dl-coco-polygons"), tmp_path)
    assert [p.name for p in files.values()] == [
        "scene.overlay.png", "scene.masks.json", "scene.coco.json", "scene.coco-polygons.json"]

    overlay = np.asarray(Image.open(files["#dl-overlay"]).convert("RGB")).astype(int)
    original = np.asarray(Image.open(scene_file).convert("RGB")).astype(int)
    assert overlay.shape == original.shape
    changed = np.abs(overlay - original).sum(axis=2) > 0
    assert iou(changed, expected) > 0.95

    doc = json.loads(files["#dl-masks"].read_text())
    assert doc["image"] == {"file_name": "scene.png", "width": 160, "height": 120}
    assert doc["threshold"] == 0.5 and doc["mask_threshold"] == 0.5 and len(doc["instances"]) == 1
    saved = doc["instances"][0]
    assert saved["model_prompt"] == "dog" and iou(rle_mask(saved["mask"]), expected) > 0.98
    assert saved["area"] == int(rle_mask(saved["mask"]).sum())

    coco = COCO(str(files["#dl-coco"]))
    ann = coco.loadAnns(coco.getAnnIds())[0]
    assert coco.loadCats(ann["category_id"])[0]["name"] == "dog"
    np.testing.assert_array_equal(coco.annToMask(ann).astype(bool), rle_mask(saved["mask"]))

    outlined = COCO(str(files["#dl-coco-polygons"]))
    [polygon_ann] = outlined.loadAnns(outlined.getAnnIds())
    assert isinstance(polygon_ann["segmentation"], list) and polygon_ann["segmentation"]
    assert {k: v for k, v in polygon_ann.items() if k != "segmentation"} == {
        k: v for k, v in ann.items() if k != "segmentation"}
    # pycocotools redraws the outlines to the very pixels of the RLE download, bar holes (polygons cannot cut them)
    np.testing.assert_array_equal(outlined.annToMask(polygon_ann).astype(bool), holes_filled(rle_mask(saved["mask"])))


def test_a_result_json_from_the_bucket_opens_over_its_image(open_page, scene_file, page_server, tmp_path):
    result = stored_result(page_server.url, scene_file, ["dog", "tree"], tmp_path)
    instances = [inst for res in json.loads(result.read_text())["results"] for inst in res["instances"]]
    page = open_page()
    page.set_input_files("#file", str(scene_file))
    page.wait_for_selector("#stage:not([hidden])")
    page.set_input_files("#result-file", str(result))
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length > 0")
    assert len(page.locator(ROWS).all()) == len(instances)
    union = np.zeros((120, 160), bool)
    for inst in instances:
        union |= rle_mask(inst["mask"])
    assert iou(overlay_alpha(page) > 0, union) > 0.99
    assert page.locator("#mask-threshold").is_disabled()
    other = tmp_path / "other.png"  # a new image: the stored masks go, the slider is live again
    other.write_bytes(scene_file.read_bytes())
    page.set_input_files("#file", str(other))
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 0")
    assert page.locator("#mask-threshold").is_enabled()


def test_overlay_download_of_a_large_photo_has_the_masks_own_edges(open_page, scene_file, tmp_path):
    # The page draws in a frame of at most 1024 px; the download must not be that frame stretched up (soft,
    # blocky edges) but the masks at the photo's resolution, pixel for pixel where the masks JSON has them.
    big = tmp_path / "big.png"
    Image.open(scene_file).convert("RGB").resize((2400, 1800), Image.NEAREST).save(big)
    page = open_page()
    body = run_prompts(page, big, ["dog"])
    isolate(page, pick_instance(body))
    files = download(page, ("#dl-overlay", "#dl-masks"), tmp_path)
    overlay = np.asarray(Image.open(files["#dl-overlay"]).convert("RGB")).astype(int)
    original = np.asarray(Image.open(big).convert("RGB")).astype(int)
    assert overlay.shape == original.shape == (1800, 2400, 3)
    changed = np.abs(overlay - original).sum(axis=2) > 0
    (saved,) = json.loads(files["#dl-masks"].read_text())["instances"]
    assert iou(changed, rle_mask(saved["mask"])) > 0.999


def test_overlay_download_of_a_photo_the_camera_turned_is_the_picture_as_shown(open_page, scene_file, tmp_path):
    """A phone's JPEG is stored sideways with an EXIF turn; the server and the page both apply it, and the
    overlay, drawn in the export worker from the file itself, must too: the photo upright, the masks on it."""
    upright = Image.open(scene_file).convert("RGB").resize((320, 240), Image.NEAREST)  # 240 high, 320 wide
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor wrote it: 320 high, 240 wide
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to view"
    turned = tmp_path / "turned.jpg"
    stored.save(turned, quality=95, exif=exif)
    page = open_page()
    body = run_prompts(page, turned, ["dog"])
    assert (body["image"]["width"], body["image"]["height"]) == (320, 240)
    isolate(page, pick_instance(body))
    files = download(page, ("#dl-overlay", "#dl-masks"), tmp_path)
    drawn = np.asarray(Image.open(files["#dl-overlay"]).convert("RGB")).astype(int)
    assert drawn.shape == (240, 320, 3)
    (saved,) = json.loads(files["#dl-masks"].read_text())["instances"]
    mask = rle_mask(saved["mask"])
    difference = np.abs(drawn - np.asarray(upright).astype(int)).sum(axis=2)
    unturned = np.abs(drawn - np.asarray(stored.resize((320, 240))).astype(int)).sum(axis=2)  # EXIF ignored
    # outside the mask, the upright photo (JPEG's loss aside), not the stored one stretched to the frame
    assert difference[~mask].mean() < 20 and difference[~mask].mean() < unturned[~mask].mean() / 3
    assert difference[mask].mean() > 60  # inside, the mask's colour over it


def test_the_page_keeps_answering_while_a_large_download_is_prepared(open_page, scene_file, tmp_path):
    """Every candidate of a 2400x1800 photo, exported: seconds of work that used to run in one piece, so the
    page froze (no pointer, no scrolling, no timers) until the file appeared. Now the button says it is
    busy, the other downloads wait, and the page's own timers keep firing in between."""
    big = tmp_path / "crowd.png"
    Image.open(scene_file).convert("RGB").resize((2400, 1800), Image.NEAREST).save(big)
    page = open_page()
    run_prompts(page, big, ["dog", "tree"])
    page.evaluate("""() => { const s = document.getElementById('threshold'); s.value = s.min;
                             s.dispatchEvent(new Event('input', {bubbles: true})); }""")
    rows = len(page.locator(ROWS).all())
    assert rows >= 10, "too few candidates to make the export long"
    page.evaluate("""() => { window.busyTicks = [];
        setInterval(() => { if (document.getElementById('dl-coco').getAttribute('aria-busy') === 'true')
            window.busyTicks.push(document.getElementById('dl-masks').disabled); }, 4); }""")
    with page.expect_download(timeout=120_000) as info:
        page.click("#dl-coco")
    path = tmp_path / "crowd.coco.json"
    info.value.save_as(path)
    ticks = page.evaluate("window.busyTicks")
    assert ticks, "no timer ran while the export was prepared: the page was frozen"
    assert all(ticks), "another download could start while one was being prepared"
    page.wait_for_function("!document.getElementById('dl-coco').hasAttribute('aria-busy')")
    assert page.locator("#dl-masks").is_enabled()
    coco = COCO(str(path))
    anns = coco.loadAnns(coco.getAnnIds())
    assert len(anns) == rows
    assert all(int(coco.annToMask(a).sum()) == a["area"] for a in anns)


def test_a_download_being_prepared_says_how_far_it_is(open_page, scene_file):
    """A 12 MP photo's downloads take seconds; the button only faded, which looked like nothing happening."""
    page = open_page()
    run_prompts(page, scene_file, ["dog", "tree"])
    page.evaluate("""() => { window.labels = [];
        const button = document.getElementById('dl-masks');
        new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(
            (node) => window.labels.push(node.textContent))))
            .observe(button, {childList: true, characterData: true, subtree: true}); }""")
    with page.expect_download():
        page.click("#dl-masks")
    page.wait_for_function("!document.getElementById('dl-masks').hasAttribute('aria-busy')")
    labels = page.evaluate("window.labels")
    assert labels[0] == "Preparing… 0%" and labels[-2] == "Preparing… 100%", labels
    assert labels[-1] == page.inner_text("#dl-masks") == "Masks (JSON, RLE)"


WORKER_RECORDER = """() => { window.workers = [];
    const Real = window.Worker;
    window.Worker = function (url, options) { window.workers.push([String(url), options && options.type]);
                                              return new Real(url, options); }; }"""


def test_every_download_is_built_in_a_worker_so_the_page_never_runs_the_encoding(open_page, scene_file, tmp_path):
    """Cut into pieces on the page, a 12 MP photo's export still froze it for as long as its largest mask
    took to trace (0.4 s for half the photo); in a worker the page's thread does none of that work."""
    page = open_page()
    run_prompts(page, scene_file, ["dog"])
    page.evaluate(WORKER_RECORDER)
    for button in ("#dl-overlay", "#dl-masks", "#dl-coco", "#dl-coco-polygons"):
        with page.expect_download():
            page.click(button)
        page.wait_for_function(f"!document.querySelector('{button}').hasAttribute('aria-busy')")
    workers = page.evaluate("window.workers")
    assert len(workers) == 4 and all(url.endswith("/js/export_worker.js") and kind == "module" for url, kind in workers)
    assert page.errors == [] and page.locator("#error").is_hidden()


def test_a_download_whose_worker_cannot_start_says_so_and_frees_the_buttons(open_page, scene_file):
    page = open_page()
    run_prompts(page, scene_file, ["dog"])
    page.route("**/js/export_worker.js", lambda route: route.fulfill(status=404, body="gone"))  # a broken deploy
    page.click("#dl-coco")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-text") == "The download could not be prepared in this browser."
    page.wait_for_function("!document.getElementById('dl-coco').hasAttribute('aria-busy')")
    assert page.inner_text("#dl-coco") == "COCO results (RLE)" and page.locator("#dl-masks").is_enabled()


def set_slider(page, slider_id: str, value: float) -> None:
    """Move a slider as its input event does, without the keyboard's many steps."""
    page.evaluate("""([id, value]) => { const s = document.getElementById(id); s.value = String(value);
                     s.dispatchEvent(new Event('input', {bubbles: true})); }""", [slider_id, value])


def test_every_instance_shows_one_number_in_the_legend_the_pixel_list_and_the_coco_ids(open_page, scene_file, tmp_path):
    """At a low threshold every row read "狗 (dog)"; the number was only in the checkbox's hidden label."""
    page = open_page(locale="zh-CN")
    run_prompts(page, scene_file, ["狗", "tree"])
    set_slider(page, "threshold", 0.05)
    rows = page.locator(ROWS)
    legend = {}  # the number each row shows -> its score
    for index, text in zip(rows.evaluate_all("(rows) => rows.map((r) => r.dataset.index)"), rows.all_inner_texts()):
        number = f"#{int(index) + 1}"
        assert text.split()[0] == number, text  # seen first in the row, before the prompt
        legend[number] = re.search(r"(\d+\.\d)%", text).group(1)
    assert len(legend) == rows.count() >= 10
    page.locator("#overlay").click(position={"x": 40, "y": 40})
    listed = page.locator("#popover-list li").all_inner_texts()
    assert len(listed) >= 2
    for entry in listed:  # "#3\n狗 (dog) — 58.4%": the number and the score of that legend row
        number, score = re.match(r"(#\d+)\s.* — (\d+\.\d)%$", entry, re.DOTALL).groups()
        assert legend[number] == score, entry
    page.keyboard.press("Escape")
    set_slider(page, "threshold", 0.5)  # fewer rows; each keeps its number
    kept = {t.split()[0]: re.search(r"(\d+\.\d)%", t).group(1) for t in rows.all_inner_texts()}
    assert 0 < len(kept) < len(legend) and all(legend[number] == score for number, score in kept.items())
    assert set(kept) != {f"#{n}" for n in range(1, len(kept) + 1)}  # so the ids below are not just 1, 2, 3...
    with page.expect_download() as info:
        page.click("#dl-coco")
    info.value.save_as(tmp_path / "scene.coco.json")
    annotations = json.loads((tmp_path / "scene.coco.json").read_text())["annotations"]
    assert {f"#{a['id']}" for a in annotations} == set(kept) and len(annotations) == len(kept)
    assert all(f"{a['score'] * 100:.1f}" == kept[f"#{a['id']}"] for a in annotations)


def test_the_pixel_list_follows_the_sliders_the_layers_and_the_language(open_page, scene_file):
    """The list under a clicked pixel kept describing the thresholds, layers and language it was opened with."""
    page = open_page()
    run_prompts(page, scene_file, ["dog", "tree"])
    set_slider(page, "threshold", 0.05)
    at = {"x": 40, "y": 40}

    def listed() -> list[str]:
        return page.locator("#popover-list li").all_inner_texts()

    def fresh() -> list[str]:
        """What a new click on the same pixel lists now."""
        page.keyboard.press("Escape")
        page.locator("#overlay").click(position=at)
        return listed()

    page.locator("#overlay").click(position=at)
    first = listed()
    assert len(first) >= 3
    set_slider(page, "threshold", 0.5)
    after_threshold = listed()
    assert after_threshold != first and after_threshold == fresh()
    page.locator(f'#legend li[data-index="{int(after_threshold[0].split()[0][1:]) - 1}"] input').uncheck()
    after_hiding = listed()
    assert after_hiding == after_threshold[1:] and after_hiding == fresh()
    set_slider(page, "mask-threshold", 0.3)
    assert listed() == fresh()
    page.click("#hide-all")
    assert listed() == ["No instance here."]
    page.click("#lang")
    assert listed() == ["此处没有实例。"] and page.inner_text("#popover-title") == "此像素处"
    page.click("#show-all")
    assert listed() != ["此处没有实例。"] and listed() == fresh()
