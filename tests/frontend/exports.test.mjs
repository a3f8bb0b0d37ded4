import assert from "node:assert/strict";
import { test } from "node:test";

import { encodeInstance, layerRle } from "../../frontend/js/exports.js";
import { BitLayer, ProbLayer, covers } from "../../frontend/js/masks.js";
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
