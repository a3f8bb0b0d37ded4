"""The page's polygons (frontend/js/polygons.js) under Node, judged by pycocotools: each must redraw to
exactly the pixels it was traced from, holes filled, as the server's polygons do."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sam3fn.core.encodings import mask_to_polygons

from support.coco_polygons import holes_filled, redraw, smooth_shape

MODULE = (Path(__file__).parents[2] / "frontend" / "js" / "polygons.js").as_uri()
# Reads [{h, w, left, top, pixels (base64 of h * w bytes)}] on stdin, writes each mask's polygons.
SCRIPT = f"""
import {{ maskPolygons }} from {json.dumps(MODULE)};
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(({{ h, w, left, top, pixels }}) =>
  maskPolygons(new Uint8Array(Buffer.from(pixels, "base64")), w, h, left, top));
process.stdout.write(JSON.stringify(out));
"""


def page_polygons(masks: list[np.ndarray], offsets: list[tuple[int, int]] | None = None) -> list[list[list[float]]]:
    assert shutil.which("node"), "node is missing: tests/run.sh installs it"
    offsets = offsets or [(0, 0)] * len(masks)
    cases = [{"h": m.shape[0], "w": m.shape[1], "left": x, "top": y,
              "pixels": base64.b64encode(np.ascontiguousarray(m, np.uint8).tobytes()).decode()}
             for m, (x, y) in zip(masks, offsets)]
    run = subprocess.run(["node", "--input-type=module", "-e", SCRIPT], input=json.dumps(cases),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def assert_exact(masks: list[np.ndarray], polygons: list[list[list[float]]]) -> None:
    assert len(polygons) == len(masks)
    for mask, polys in zip(masks, polygons):
        assert all(len(p) >= 6 and len(p) % 2 == 0 for p in polys)
        np.testing.assert_array_equal(redraw(polys, *mask.shape), holes_filled(mask))


def test_rectangles_trace_their_pixel_edges_as_the_server_does():
    mask = np.zeros((50, 50), bool)
    mask[2:22, 2:32] = True
    mask[28:48, 30:48] = True
    [polygons] = page_polygons([mask])
    assert sorted(sorted(zip(p[::2], p[1::2])) for p in polygons) == [
        [(2, 2), (2, 22), (32, 2), (32, 22)], [(30, 28), (30, 48), (48, 28), (48, 48)]]
    assert_exact([mask], [polygons])


def test_lone_pixels_lines_gaps_holes_and_regions_inside_holes():
    lines = np.zeros((30, 40), bool)
    lines[3, 3] = True
    lines[10, 5:35] = True
    lines[14:28, 2] = True
    lines[range(15, 27), range(10, 22)] = True  # a diagonal: pixels touching only at corners
    gap = np.zeros((20, 20), bool)
    gap[2:18, 2:9] = True
    gap[2:18, 10:18] = True
    ring = np.zeros((20, 20), bool)
    ring[2:18, 2:18] = True
    ring[5:15, 5:15] = False
    ring[8:12, 8:12] = True  # an island in the hole: inside the ring's polygon, so no polygon of its own
    edges = np.ones((9, 11), bool)  # touching every side of its frame
    masks = [lines, gap, ring, edges, np.zeros((4, 4), bool)]
    polygons = page_polygons(masks)
    assert [len(p) for p in polygons] == [4, 2, 1, 1, 0]
    assert any(sorted(zip(p[::2], p[1::2])) == [(3, 3), (3, 4), (4, 3), (4, 4)] for p in polygons[0])  # the lone pixel
    assert_exact(masks, polygons)


def test_arbitrary_pixel_patterns_redraw_exactly():
    rng = np.random.default_rng(7)
    masks = [rng.random((int(h), int(w))) < rng.uniform(0.2, 0.8)
             for h, w in rng.integers(1, 31, (200, 2))]
    assert_exact(masks, page_polygons(masks))


@pytest.mark.parametrize("seed", range(3))
def test_smooth_shapes_redraw_exactly_with_about_the_servers_vertex_count(seed):
    rng = np.random.default_rng(seed)
    masks = [smooth_shape(rng) for _ in range(6)]
    polygons = page_polygons(masks)
    assert_exact(masks, polygons)
    page = sum(len(p) for polys in polygons for p in polys)
    server = sum(len(p) for mask in masks for p in mask_to_polygons(mask))
    assert 0.8 * server <= page <= 1.25 * server, (page, server)


def test_a_window_traced_at_an_offset_is_the_whole_frames_polygons():
    window = np.zeros((6, 8), bool)
    window[1:4, 2:7] = True
    window[5, 0] = True
    frame = np.zeros((40, 50), bool)
    frame[11:17, 20:28] = window
    shifted, whole = page_polygons([window, frame], [(20, 11), (0, 0)])
    assert sorted(shifted) == sorted(whole)
    assert_exact([frame], [whole])
