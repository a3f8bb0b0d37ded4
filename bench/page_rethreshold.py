"""How fast the page answers its sliders (re-thresholding in the browser, no inference) and prepares downloads.

    python bench/page_rethreshold.py [--moves 40] [--label NAME] [--frontend DIR]

Real headless Chromium (Debian's /usr/bin/chromium, software rendering) loads frontend/ as it is;
/v1/info and /v1/segment are answered with synthetic responses shaped like the full-size model's:
288 x 288 probability maps (what SAM 3 decodes for a 1008 px input) for N candidates. Two kinds of
maps: "objects" (confident blobs, as trained weights give) and "noise" (smooth maps covering the whole
frame, as random weights give: the worst case, every candidate's map spans the image).

For each case it times (1) the first render after the response (decoding the PNG maps and stretching
the visible ones to the image) and (2) each slider move: the input handler alone, and until the next
animation frame, i.e. until the browser can show it; (3) the downloads (COCO with RLE masks, COCO with
polygons traced in the browser, the overlay PNG) with every candidate visible: click to file, and the
longest the page went without running a timer meanwhile (how long it froze). `--frontend DIR` times
another copy of the page (a checkout of an earlier commit, for a before/after pair).
Writes bench/results/page-rethreshold[-<label>]-<UTC time>.json and .md. The model is not involved, so the
machine it runs on is the browser's, not a GPU. The page's files are served through Playwright's request
routing, which makes every fetch (the export worker's modules too) slower than a real server would.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import mimetypes
import platform
import statistics
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
LOW = 288  # decoder mask resolution for a 1008 px input
ROWS = "#legend li[data-index]:not([hidden])"

CASES = [  # (name, image width, image height, candidates, kind)
    ("1008px, 10 objects", 1008, 1008, 10, "objects"),
    ("1008px, 100 objects", 1008, 1008, 100, "objects"),
    ("12 MP photo, 100 objects", 4032, 3024, 100, "objects"),
    ("1008px, 100 full-frame noise maps", 1008, 1008, 100, "noise"),
]


def png_b64(array: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def probability_map(rng: np.random.Generator, kind: str) -> np.ndarray:
    yy, xx = np.mgrid[:LOW, :LOW].astype(np.float32)
    if kind == "objects":
        cy, cx = rng.uniform(20, LOW - 20, 2)
        ry, rx = rng.uniform(6, 60, 2)
        d = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
        logits = 10.0 * (1.0 - d)
    else:
        waves = sum(np.sin(xx * rng.uniform(0.01, 0.1) + rng.uniform(0, 6)) * np.cos(yy * rng.uniform(0.01, 0.1))
                    for _ in range(3))
        logits = 2.0 * waves
    return (255.0 / (1.0 + np.exp(-logits))).round().astype(np.uint8)


def synthetic_response(width: int, height: int, count: int, kind: str, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    scores = np.sort(rng.uniform(0.05, 0.99, count))[::-1]
    candidates = [{"score": float(s), "box": [0.0, 0.0, float(width), float(height)],
                   "probs": {"size": [LOW, LOW], "png": png_b64(probability_map(rng, kind))}} for s in scores]
    timings = {k: 0.0 for k in ("decode_image_ms", "preprocess_ms", "image_encode_ms", "text_encode_ms",
                                "mask_decode_ms", "postprocess_ms", "total_ms")}
    return {
        "request_id": "bench", "image": {"width": width, "height": height, "sha256": "0" * 64},
        "results": [{"prompt": "object", "model_prompt": "object", "translation": "none", "truncated": False,
                     "instances": [], "candidates": candidates}],
        "timings": {**timings, "image_cached": False, "text_cached": 0},
        "model": {"name": "synthetic", "random_weights": False, "backend": "none", "device": "none",
                  "precision": "none"},
        "threshold": 0.5, "mask_threshold": 0.5, "refine": 0.0, "warnings": [], "candidate_floor": 0.05,
    }


INFO = {"model": "synthetic", "random_weights": False, "backend": "none", "precision": "none", "device": "none",
        "model_dir": "", "versions": {}, "translation": {}, "storage": {}, "limits": {}, "notice": None}

MOVES = """async ([id, values]) => {
    const el = document.getElementById(id);
    const handler = [], frame = [];
    for (const v of values) {
        const t0 = performance.now();
        el.value = String(v);
        el.dispatchEvent(new Event('input', {bubbles: true}));
        handler.push(performance.now() - t0);
        await new Promise((r) => requestAnimationFrame(() => r()));
        frame.push(performance.now() - t0);
    }
    return {handler, frame};
}"""


EXPORT = """async (button) => {
    // The longest stretch without a timer firing while the download is prepared: how long the page froze.
    let last = performance.now(), longest = 0, on = true;
    const tick = () => { const now = performance.now(); longest = Math.max(longest, now - last); last = now;
                         if (on) setTimeout(tick, 0); };
    setTimeout(tick, 0);
    const t0 = performance.now();
    const saved = new Promise((resolve) => {
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () {
            HTMLAnchorElement.prototype.click = click;
            resolve(performance.now());  // the file is handed to the browser here; not saved, for the bench
        };
    });
    document.getElementById(button).click();
    const done = await saved;
    on = false;
    longest = Math.max(longest, performance.now() - last);
    return {total: done - t0, longest};
}"""


def serve_frontend(route, frontend: Path, response: dict, image_png: bytes) -> None:
    path = route.request.url.split("://", 1)[1].split("/", 1)[1].split("?")[0] or "index.html"
    if path == "v1/info":
        return route.fulfill(json=INFO)
    if path == "v1/segment":
        return route.fulfill(json=response)
    if path == "photo.png":
        return route.fulfill(body=image_png, content_type="image/png")
    file = (frontend / path).resolve()
    if frontend not in file.parents or not file.is_file():
        return route.fulfill(status=404, body="")
    return route.fulfill(body=file.read_bytes(), content_type=mimetypes.guess_type(file.name)[0] or "text/plain")


def run_case(browser, frontend: Path, width: int, height: int, count: int, kind: str, moves: int) -> dict:
    response = synthetic_response(width, height, count, kind)
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 1] = 120
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=1)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("http://bench.local/**", lambda route: serve_frontend(route, frontend, response, buf.getvalue()))
    page.goto("http://bench.local/")
    page.set_input_files("#file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    page.wait_for_selector("#stage:not([hidden])")
    page.fill("#prompt-input", "object")
    page.press("#prompt-input", "Enter")
    page.evaluate("document.getElementById('threshold').value = '0.05'")  # every candidate visible
    page.evaluate("() => { window.__t0 = performance.now(); }")
    page.click("#run")
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length > 0", timeout=120_000)
    first = page.evaluate("performance.now() - window.__t0")
    detection = page.evaluate(MOVES, ["threshold", list(np.round(np.linspace(0.05, 0.95, moves), 2))])
    page.evaluate(MOVES, ["threshold", [0.05]])  # mask moves with every candidate visible: the worst case
    mask = page.evaluate(MOVES, ["mask-threshold", list(np.round(np.linspace(0.3, 0.7, moves), 2))])
    page.evaluate(MOVES, ["mask-threshold", [0.5]])
    export = page.evaluate(EXPORT, "dl-coco")
    outlines = page.evaluate(EXPORT, "dl-coco-polygons")
    overlay = page.evaluate(EXPORT, "dl-overlay")
    page.close()
    med = lambda xs: round(statistics.median(xs), 2)  # noqa: E731
    p95 = lambda xs: round(float(np.percentile(xs, 95)), 2)  # noqa: E731
    return {
        "image": [width, height], "candidates": count, "maps": kind, "first_render_ms": round(first, 1),
        "detection_slider": {"handler_p50_ms": med(detection["handler"]), "handler_p95_ms": p95(detection["handler"]),
                             "to_frame_p50_ms": med(detection["frame"]), "to_frame_p95_ms": p95(detection["frame"])},
        "mask_slider": {"handler_p50_ms": med(mask["handler"]), "handler_p95_ms": p95(mask["handler"]),
                        "to_frame_p50_ms": med(mask["frame"]), "to_frame_p95_ms": p95(mask["frame"])},
        "coco_download": download_record(export),
        "coco_polygons_download": download_record(outlines),
        "overlay_download": download_record(overlay),
    }


def download_record(timed: dict) -> dict:
    return {"total_ms": round(timed["total"], 1), "longest_freeze_ms": round(timed["longest"], 1)}


def download_cell(record: dict) -> str:
    return f"{record['total_ms']} ({record['longest_freeze_ms']})"


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def commit_of(folder: Path) -> str:
    """The commit a page folder was checked out at, "+ changes" when it differs from it."""
    git = ["git", "-C", str(folder)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    changed = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True).stdout.strip()
    return (head or "unknown") + (" + changes" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--label", default="", help="added to the file name (e.g. before-export-worker)")
    parser.add_argument("--frontend", type=Path, default=FRONTEND, help="the page's folder to time")
    args = parser.parse_args()
    frontend = args.frontend.resolve()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        version = browser.version
        records = [{"case": name, **run_case(browser, frontend, w, h, n, kind, args.moves)}
                   for name, w, h, n, kind in CASES]
        browser.close()
    date = datetime.now(timezone.utc)
    doc = {
        "benchmark": "page_rethreshold", "date": date.isoformat(timespec="seconds"),
        "command": "python bench/page_rethreshold.py" + (f" --label {args.label}" if args.label else ""),
        "frontend": str(frontend.relative_to(ROOT)) if frontend.is_relative_to(ROOT) else str(frontend),
        "frontend_commit": commit_of(frontend), "browser": f"chromium {version} (headless, --disable-gpu)",
        "cpu": cpu_name(), "cores": len(__import__("os").sched_getaffinity(0)),
        "versions": {"playwright": metadata.version("playwright"),
                     "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()},
        "records": records,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / "-".join(["page-rethreshold", *([args.label] if args.label else []), f"{date:%Y%m%dT%H%M%S}"])
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = [f"# Page slider latency, {date:%Y-%m-%d}" + (f" ({args.label})" if args.label else ""), "",
             f"`{doc['command']}` · page from `{doc['frontend']}` at {doc['frontend_commit']} · {doc['browser']} "
             f"· {doc['cpu']} ({doc['cores']} cores)", "",
             "| case | first render ms | detection slider p50 / p95 ms (to frame) | mask slider p50 / p95 ms (to frame) "
             "| COCO download ms (longest freeze) | COCO polygons download ms (longest freeze) "
             "| overlay PNG download ms (longest freeze) |",
             "|---|---|---|---|---|---|---|"]
    for r in records:
        d, m = r["detection_slider"], r["mask_slider"]
        lines.append(f"| {r['case']} | {r['first_render_ms']} | {d['handler_p50_ms']} / {d['handler_p95_ms']} "
                     f"({d['to_frame_p50_ms']} / {d['to_frame_p95_ms']}) | {m['handler_p50_ms']} / {m['handler_p95_ms']} "
                     f"({m['to_frame_p50_ms']} / {m['to_frame_p95_ms']}) | {download_cell(r['coco_download'])} "
                     f"| {download_cell(r['coco_polygons_download'])} | {download_cell(r['overlay_download'])} |")
    lines += ["", "Handler: the slider's input handler (re-cut, paint, legend). To frame: until the next animation "
              "frame, when the change can be on screen. Downloads: from the click until the file is handed to "
              "the browser, every candidate visible (polygons: traced in the browser); in brackets the longest stretch "
              "in which the page ran no timer, i.e. could not answer the user. Synthetic responses; no model involved."]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
