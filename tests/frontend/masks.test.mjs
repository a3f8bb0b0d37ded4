import assert from "node:assert/strict";
import { test } from "node:test";

import { BitLayer, ProbLayer, colorFor, covers, paint, paintLayer, sampleGrid, supportBox, workSize }
  from "../../frontend/js/masks.js";
import { NEEDS, bytes, fixtures, floats } from "./fixtures.mjs";

const data = fixtures();

test("large photos are drawn in a frame of at most 1024 px, small ones as they are", () => {
  assert.deepEqual(workSize(4000, 3000), { width: 1024, height: 768 });
  assert.deepEqual(workSize(640, 480), { width: 640, height: 480 });
});

test("the sampling grid is PyTorch's bilinear with align_corners=False", () => {
  const g = sampleGrid(2, 4); // scale 0.5: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25
  assert.deepEqual([...g.i0], [0, 0, 0, 1]);
  assert.deepEqual([...g.i1], [1, 1, 1, 1]);
  assert.deepEqual([...g.f], [0, 0.25, 0.75, 0.25]); // the last weight meets two equal indices
});

test("the support box holds every value above the floor", () => {
  const probs = new Uint8Array(16);
  probs[5] = 200;
  probs[10] = 20;
  assert.deepEqual(supportBox(probs, 4, 4, 12), { x0: 1, y0: 1, x1: 2, y1: 2 });
  assert.equal(supportBox(new Uint8Array(4), 2, 2, 12), null);
});

test("cutting the upsampled map agrees with PyTorch's upsampled map", { skip: !data && NEEDS }, () => {
  for (const c of data.upsample) {
    const [h, w] = c.size;
    const [H, W] = c.out;
    const probs = bytes(c.probs);
    const up = floats(c.up);
    const layer = new ProbLayer(probs, h, w, W, H);
    for (const t of [0.05, 0.3, 0.5, 0.77, 0.95]) {
      let checked = 0;
      let inside = 0;
      for (let y = 0; y < H; y += 1) {
        for (let x = 0; x < W; x += 1) {
          const v = up[y * W + x];
          if (Math.abs(v - t * 255) < 0.01) continue; // on the cut itself, float rounding decides
          assert.equal(covers(layer, x, y, t), v > t * 255, `${h}x${w}->${H}x${W} t=${t} at (${x}, ${y}) value ${v}`);
          checked += 1;
          inside += v > t * 255 ? 1 : 0;
        }
      }
      assert.ok(checked > H * W * 0.99);
      assert.ok(Math.abs(layer.area(t) - inside) <= H * W - checked, `area at t=${t}`);
    }
  }
});

test("a fixed mask is sampled onto a smaller frame by nearest neighbour", () => {
  const full = new Uint8Array([1, 1, 0, 0, 1, 1, 0, 0]); // 2x4, left half set
  const layer = new BitLayer(full, 2, 4, 2, 1);
  assert.deepEqual([...layer.values], [1, 0]);
  assert.equal(layer.area(0.9), 1);
});

test("painting fills with the colour at alpha and draws an opaque outline", () => {
  const layer = { box: { x0: 1, y0: 1, w: 3, h: 3 }, values: new Uint8Array(9).fill(1), cut: () => 0 };
  const rgba = paint(new Uint8ClampedArray(5 * 5 * 4), 5, 5, [{ layer, t: 0.5, color: [255, 0, 0], alpha: 0.5 }]);
  const px = (x, y) => [...rgba.slice((y * 5 + x) * 4, (y * 5 + x) * 4 + 4)];
  assert.deepEqual(px(2, 2), [255, 0, 0, 128]); // inside
  assert.deepEqual(px(1, 1), [255, 0, 0, 255]); // outline
  assert.deepEqual(px(0, 0), [0, 0, 0, 0]); // outside
});

test("where masks overlap, the first (topmost) layer shows", () => {
  const all = { box: { x0: 0, y0: 0, w: 3, h: 3 }, values: new Uint8Array(9).fill(1), cut: () => 0 };
  const rgba = paint(new Uint8ClampedArray(3 * 3 * 4), 3, 3, [
    { layer: all, t: 0.5, color: [0, 0, 255], alpha: 0.5 }, { layer: all, t: 0.5, color: [255, 0, 0], alpha: 0.5 }]);
  assert.deepEqual([...rgba.slice(16, 20)], [0, 0, 255, 128]); // the centre pixel
});

test("layers painted one at a time, topmost first, give what painting them together gives", () => {
  const a = new BitLayer(Uint8Array.from([1, 1, 0, 1, 1, 0, 0, 0, 0]), 3, 3, 3, 3);
  const b = new BitLayer(Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 1, 1]), 3, 3, 3, 3);
  const specs = [{ layer: a, t: 0.5, color: [0, 0, 255], alpha: 0.45 }, { layer: b, t: 0.5, color: [255, 0, 0], alpha: 0.45 }];
  const together = paint(new Uint8ClampedArray(36), 3, 3, specs);
  const oneByOne = new Uint8ClampedArray(36);
  for (const spec of specs) paintLayer(new Uint32Array(oneByOne.buffer), 3, spec);
  assert.deepEqual([...oneByOne], [...together]);
});

test("a layer at its mask's own size is the mask, with its area", () => {
  const full = Uint8Array.from([1, 0, 1, 1]);
  const layer = new BitLayer(full, 2, 2, 2, 2);
  assert.equal(layer.values, full);
  assert.equal(layer.area(), 3);
});

test("instance colours are distinct", () => {
  const seen = new Set(Array.from({ length: 40 }, (_, i) => colorFor(i).join(",")));
  assert.equal(seen.size, 40);
});
