// What the download buttons write, built from the instances the page shows (after its thresholds):
// masks as the function's own JSON shape (COCO RLE) and COCO-style results. Pure: no DOM.
import { countsToString } from "./rle.js";

/** A layer (masks.js: a box of the frame, row-major `values`, inside where value > cut(t)) at threshold t
 * as the COCO RLE of the whole (height, width) frame, and its area.
 *
 * Straight from the box, in row order: COCO runs go down columns, and building a frame-sized mask per
 * instance and walking it column by column (a new cache line at every pixel) froze the page for seconds
 * when a photo had a hundred candidates. Here each box column's changes between outside and inside are
 * found row by row, counted first and then placed (two passes over the box, no per-column arrays). */
export function layerRle(layer, t, height, width) {
  const { x0, y0, w, h } = layer.box;
  const { values } = layer;
  const cut = layer.cut(t);
  const inside = new Uint8Array(w * h);
  const first = new Int32Array(w + 1); // column lx's changes are at [first[lx], first[lx + 1])
  let area = 0;
  for (let ly = 0; ly < h; ly += 1) {
    const row = ly * w;
    for (let lx = 0; lx < w; lx += 1) {
      const on = values[row + lx] > cut ? 1 : 0;
      inside[row + lx] = on;
      area += on;
      if (on !== (ly > 0 ? inside[row - w + lx] : 0)) first[lx + 1] += 1;
    }
  }
  for (let lx = 0; lx < w; lx += 1) {
    if (h > 0 && inside[(h - 1) * w + lx]) first[lx + 1] += 1; // a run that reaches the box's foot ends there
    first[lx + 1] += first[lx];
  }
  const rows = new Int32Array(first[w]); // the frame row of each change, column by column
  const next = first.slice(0, w);
  for (let ly = 0; ly <= h; ly += 1) {
    const row = ly * w;
    for (let lx = 0; lx < w; lx += 1) {
      const on = ly < h ? inside[row + lx] : 0;
      if (on !== (ly > 0 ? inside[row - w + lx] : 0)) rows[next[lx]++] = y0 + ly;
    }
  }
  // Changes as positions in column-major order; a run that ends at a column's foot and goes on at the
  // next column's head (a box as tall as the frame) is one run, so those two changes cancel.
  const changes = new Float64Array(rows.length); // frame positions can pass 2^31
  let n = 0;
  for (let lx = 0; lx < w; lx += 1) {
    const base = (x0 + lx) * height;
    for (let k = first[lx]; k < first[lx + 1]; k += 1) {
      const at = base + rows[k];
      if (n > 0 && changes[n - 1] === at) n -= 1;
      else changes[n++] = at;
    }
  }
  const total = height * width;
  const counts = new Array(n + 1);
  let pos = 0;
  for (let k = 0; k < n; k += 1) {
    counts[k] = changes[k] - pos;
    pos = changes[k];
  }
  if (pos < total) counts[n] = total - pos; // a mask whose last pixel is inside ends with its own run
  else counts.length = n;
  return { rle: { size: [height, width], counts: countsToString(counts) }, area };
}

/** One instance as the downloads write it: `it` {prompt, model_prompt, score, box: [x0, y0, x1, y1]} with
 * its mask, `layer` at the frame's size (width, height) cut at threshold t, as RLE and area. */
export function encodeInstance(it, layer, t, width, height) {
  const { rle, area } = layerRle(layer, t, height, width);
  return { prompt: it.prompt, model_prompt: it.model_prompt, score: it.score, box: it.box, area, mask: rle };
}

/** The masks file: the image, the thresholds the page used, and each instance with its RLE mask. */
export function masksDocument({ fileName, width, height, threshold, maskThreshold, model }, instances) {
  return {
    image: { file_name: fileName, width, height },
    threshold,
    mask_threshold: maskThreshold,
    model,
    instances,
  };
}

/** COCO results: one image, a category per distinct model prompt, an annotation per instance. */
export function cocoDocument({ fileName, width, height }, instances) {
  const names = [...new Set(instances.map((it) => it.model_prompt))];
  const categories = names.map((name, i) => ({ id: i + 1, name, supercategory: "prompt" }));
  const annotations = instances.map((it, i) => {
    const [x0, y0, x1, y1] = it.box;
    return {
      id: i + 1,
      image_id: 1,
      category_id: names.indexOf(it.model_prompt) + 1,
      segmentation: it.mask,
      area: it.area,
      bbox: [x0, y0, x1 - x0, y1 - y0],
      score: it.score,
      iscrowd: 0,
    };
  });
  return {
    info: { description: "sam3fn results", date_created: new Date().toISOString() },
    images: [{ id: 1, file_name: fileName, width, height }],
    categories,
    annotations,
  };
}
