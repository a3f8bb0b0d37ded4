import assert from "node:assert/strict";
import { test } from "node:test";

import { buildDownload, encodeInstance, layerFrom, layerRle, overlayMasks } from "../../frontend/js/exports.js";
import { BitLayer, ProbLayer, covers, paint } from "../../frontend/js/masks.js";
import { encodeRle } from "../../frontend/js/rle.js";
import { NEEDS, bytes, fixtures } from "./fixtures.mjs";

const data = fixtures();

/** The layer cut at t, pixel by pixel, as a frame-sized row-major mask: the slow way, to compare with. */
function frameMask(layer, t, height, width) {
  const mask = new Uint8Array(height * width);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) mask[y * width + x] = covers(layer, x, y, t) ? 1 : 0;
  }
  return mask;
}

function random(seed) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** A smooth blob of probabilities somewhere in an h x w map (sometimes touching its edges), or noise. */
function probabilities(h, w, next, noise) {
  const cx = next() * w;
  const cy = next() * h;
  const r = (0.2 + next()) * Math.max(h, w);
  return Uint8Array.from({ length: h * w }, (_, i) => {
    if (noise) return next() < 0.5 ? Math.floor(next() * 256) : 0;
    const d = Math.hypot((i % w) - cx, Math.floor(i / w) - cy) / r;
    return Math.max(0, Math.min(255, Math.round(255 * (1 - d))));
  });
}

test("a layer's RLE is the RLE of its mask drawn pixel by pixel, for blobs, noise and edges", () => {
  const next = random(11);
  let cases = 0;
  for (const [h, w, H, W] of [[8, 8, 20, 30], [16, 16, 33, 17], [5, 9, 5, 9], [12, 12, 7, 40], [1, 1, 3, 3]]) {
    for (const noise of [false, true]) {
      for (let k = 0; k < 6; k += 1) {
        const layer = new ProbLayer(probabilities(h, w, next, noise), h, w, W, H);
        for (const t of [0.05, 0.5, 0.9]) {
          const mask = frameMask(layer, t, H, W);
          const { rle, area } = layerRle(layer, t, H, W);
          assert.deepEqual(rle, encodeRle(mask, H, W), `${h}x${w} -> ${H}x${W} at ${t}`);
          assert.equal(area, mask.reduce((a, v) => a + v, 0));
          cases += 1;
        }
      }
    }
  }
  assert.ok(cases >= 180);
});

test("a mask that fills the frame, its first or its last pixel is one run, with no empty run after it", () => {
  for (const pixels of [[1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [0, 1, 1, 1, 1, 0]]) {
    const full = Uint8Array.from(pixels); // 2 x 3, row-major
    const { rle, area } = layerRle(new BitLayer(full, 2, 3, 3, 2), 0, 2, 3);
    assert.deepEqual(rle, encodeRle(full, 2, 3), String(pixels));
    assert.equal(area, pixels.reduce((a, v) => a + v, 0));
  }
});

test("an empty layer is one run of zeros", () => {
  const layer = new ProbLayer(new Uint8Array(16), 4, 4, 10, 6);
  assert.deepEqual(layerRle(layer, 0.5, 6, 10), { rle: { size: [6, 10], counts: encodeRle(new Uint8Array(60), 6, 10).counts }, area: 0 });
});

test("a stored mask re-exported is byte-identical to what pycocotools wrote", { skip: !data && NEEDS }, () => {
  for (const c of data.rle) {
    const [h, w] = c.size;
    const { rle } = layerRle(new BitLayer(bytes(c.pixels), h, w, w, h), 0, h, w);
    assert.equal(rle.counts, c.counts, `mask ${c.size}`);
  }
});

test("an exported instance keeps its labels and box and carries its mask's area", () => {
  const layer = new BitLayer(new Uint8Array([1, 0, 1, 1]), 2, 2, 2, 2);
  const inst = encodeInstance({ prompt: "狗", model_prompt: "dog", score: 0.9, box: [0, 0, 2, 2], color: [1, 2, 3] },
    layer, 0.5, 2, 2);
  assert.deepEqual(Object.keys(inst).sort(), ["area", "box", "mask", "model_prompt", "prompt", "score"]);
  assert.equal(inst.area, 3);
  assert.deepEqual(inst.mask, encodeRle(new Uint8Array([1, 0, 1, 1]), 2, 2));
});

/** Two instances of a 9 x 12 photo as the page posts them to its export worker: a candidate's 4 x 4
 * probability map, and a stored result's RLE. */
function request(kind) {
  const probs = Uint8Array.from([255, 230, 0, 0, 230, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // a corner blob
  const stored = new Uint8Array(9 * 12);
  for (let i = 20; i < 60; i += 1) stored[i] = i % 3 ? 1 : 0;
  const items = [
    { head: { prompt: "狗", model_prompt: "dog", score: 0.9, box: [0, 0, 12, 9] },
      source: { probs, size: [4, 4] }, id: 5 },
    { head: { prompt: "cat", model_prompt: "cat", score: 0.7, box: [1, 2, 11, 7] },
      source: { rle: encodeRle(stored, 9, 12) }, id: 2 },
  ];
  const meta = { fileName: "a.png", width: 12, height: 9, threshold: 0.5, maskThreshold: 0.4, model: null };
  return { kind, meta, cut: 0.4, items, probs, stored };
}

test("a download's source becomes the layer the page itself draws: a map stretched, an RLE decoded", () => {
  const { items, probs, stored } = request("masks");
  assert.deepEqual(layerFrom(items[0].source, 12, 9), new ProbLayer(probs, 4, 4, 12, 9));
  assert.deepEqual(layerFrom(items[1].source, 12, 9), new BitLayer(stored, 9, 12, 12, 9));
});

test("each download built from plain data holds what encoding the layers directly gives, ids as the legend's", () => {
  const { items, probs, stored, ...rest } = request("coco");
  const direct = [new ProbLayer(probs, 4, 4, 12, 9), new BitLayer(stored, 9, 12, 12, 9)];
  for (const kind of ["masks", "coco", "coco-polygons"]) {
    const fractions = [];
    const doc = buildDownload({ ...rest, kind, items }, (f) => fractions.push(f));
    assert.deepEqual(fractions, [0.5, 1]);
    const polygons = kind === "coco-polygons";
    const expected = items.map((it, i) => encodeInstance(it.head, direct[i], 0.4, 12, 9, { polygons }));
    if (kind === "masks") {
      assert.deepEqual(doc.instances, expected);
      assert.equal(doc.mask_threshold, 0.4);
    } else {
      assert.deepEqual(doc.annotations.map((a) => a.id), [5, 2]);
      const segmentations = expected.map((e) => (polygons ? e.polygons : e.mask));
      assert.deepEqual(doc.annotations.map((a) => a.segmentation), segmentations);
    }
  }
  assert.throws(() => buildDownload({ ...rest, kind: "svg", items }), /unknown download svg/);
});

test("the overlay's masks are what the screen paints, at the photo's size, topmost first", () => {
  const { items, probs, stored } = request("overlay");
  const colored = items.map((it, i) => ({ source: it.source, color: [[250, 0, 0], [0, 0, 250]][i] }));
  const painted = [];
  const rgba = overlayMasks({ width: 12, height: 9, cut: 0.4, items: colored }, (n) => painted.push(n));
  assert.deepEqual(painted, [1, 2]);
  const layers = [new ProbLayer(probs, 4, 4, 12, 9), new BitLayer(stored, 9, 12, 12, 9)]
    .map((layer, i) => ({ layer, t: 0.4, color: colored[i].color, alpha: 0.45 }));
  const screen = paint(new Uint8ClampedArray(12 * 9 * 4), 12, 9, layers);
  assert.deepEqual(rgba, screen);
  assert.ok(rgba.some((v, i) => i % 4 === 2 && v === 250), "the lower layer shows where the upper leaves it");
});
