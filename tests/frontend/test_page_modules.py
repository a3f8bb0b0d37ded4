"""The page's own modules (frontend/js) under Node's built-in test runner, fed with masks the server
encoded (pycocotools) and maps PyTorch upsampled, so the browser's arithmetic is checked against the
server's rather than against itself."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import torch

from sam3fn.core.encodings import encode_rle

HERE = Path(__file__).parent


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def rle_cases(rng: np.random.Generator) -> list[dict]:
    shapes = [(1, 1), (7, 13), (13, 7), (120, 160), (61, 83)]
    masks = [np.zeros((5, 4), bool), np.ones((6, 9), bool)]
    for h, w in shapes:
        yy, xx = np.mgrid[:h, :w]
        blob = (yy - h * rng.random()) ** 2 + (xx - w * rng.random()) ** 2 < (max(h, w) * rng.uniform(0.1, 0.6)) ** 2
        masks += [blob, rng.random((h, w)) < 0.3]
    cases = []
    for mask in masks:
        rle = encode_rle(mask[None])[0]
        cases.append({"size": rle.size, "counts": rle.counts, "pixels": b64(mask.astype(np.uint8))})
    return cases


def upsample_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for (h, w), (out_h, out_w) in [((32, 32), (120, 160)), ((288, 288), (300, 400)), ((18, 18), (7, 10)),
                                   ((32, 32), (32, 32))]:
        logits = torch.from_numpy(rng.normal(0, 3, (h, w)).astype(np.float32))
        logits = torch.nn.functional.avg_pool2d(logits[None, None], 5, 1, 2)[0, 0] * 4  # smooth, like masks
        probs = (logits.sigmoid() * 255).round().to(torch.uint8)
        up = torch.nn.functional.interpolate(probs.float()[None, None], size=(out_h, out_w), mode="bilinear",
                                             align_corners=False)[0, 0]
        cases.append({"size": [h, w], "out": [out_h, out_w], "probs": b64(probs.numpy()),
                      "up": b64(up.numpy().astype("<f4"))})
    return cases


def test_page_modules_pass_their_node_unit_tests(tmp_path):
    assert shutil.which("node"), "node is missing: tests/run.sh installs it"
    rng = np.random.default_rng(3)
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"rle": rle_cases(rng), "upsample": upsample_cases(rng)}))
    files = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    run = subprocess.run(["node", "--test", *files], capture_output=True, text=True, timeout=180,
                         env={**os.environ, "SAM3FN_PAGE_FIXTURES": str(fixtures)})
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped) (\d+)$", report, re.M)}
    assert counts.get("fail") == 0 and counts.get("skipped") == 0 and counts.get("pass", 0) >= 15, report
