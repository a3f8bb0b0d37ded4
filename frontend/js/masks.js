// Masks in the browser: the server sends each candidate's mask probabilities at the decoder's own
// resolution (8-bit, v / 255); the page stretches them to the image with the bilinear sampling the
// server uses (PyTorch's, align_corners=False) and cuts them at the mask threshold. Moving a slider
// re-cuts cached values and never calls the server.
//
// A layer covers a box {x0, y0, w, h} of the work frame with row-major `values`; a pixel is inside the
// mask at threshold t when its value > layer.cut(t). Painting and hit tests compare values directly, so
// moving a slider costs one pass over the boxes and nothing is re-allocated.

export const WORK_MAX = 1024; // longest side of the frame the page draws in; larger photos are scaled down
export const MIN_MASK_THRESHOLD = 0.05; // the lowest cut the slider offers; probabilities below never show
const FIXED = 256; // upsampled values are kept as round(v * 256) in a Uint16Array

/** The frame the page draws in for an image of (width, height): at most WORK_MAX on the longer side. */
export function workSize(width, height, max = WORK_MAX) {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** For each of `dst` output positions, the two source indices and the weight of the second, as
 * torch.nn.functional.interpolate(mode="bilinear", align_corners=False) computes them. */
export function sampleGrid(src, dst) {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d += 1) {
    const s = Math.max(0, (d + 0.5) * scale - 0.5);
    const a = Math.min(Math.floor(s), src - 1);
    i0[d] = a;
    i1[d] = a < src - 1 ? a + 1 : a;
    f[d] = s - a;
  }
  return { i0, i1, f };
}

/** The smallest box [x0, x1] x [y0, y1] (inclusive) of the low-res map holding every value > floor. */
export function supportBox(probs, h, w, floor) {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      if (probs[y * w + x] > floor) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Output positions [start, end) whose samples touch source indices [lo, hi]. */
function span(grid, lo, hi) {
  let start = 0;
  while (start < grid.i1.length && grid.i1[start] < lo) start += 1;
  let end = start;
  while (end < grid.i0.length && grid.i0[end] <= hi) end += 1;
  return [start, end];
}

/** A candidate's probabilities stretched to a (width, height) frame. Values outside the support box
 * stay below the lowest cut (a bilinear mix of values under it is under it), so only the box is kept. */
export class ProbLayer {
  constructor(probs, h, w, width, height) {
    if (probs.length !== h * w) throw new Error("probability map length does not match its size");
    const floor = Math.floor(MIN_MASK_THRESHOLD * 255);
    const box = supportBox(probs, h, w, floor);
    if (!box) {
      this.box = { x0: 0, y0: 0, w: 0, h: 0 };
      this.values = new Uint16Array(0);
      return;
    }
    const gx = sampleGrid(w, width);
    const gy = sampleGrid(h, height);
    const [xs, xe] = span(gx, box.x0, box.x1);
    const [ys, ye] = span(gy, box.y0, box.y1);
    const bw = xe - xs;
    const bh = ye - ys;
    // Separably: each source row the box needs is stretched across once, then output rows mix two of
    // those. The same arithmetic as mixing four pixels per output pixel, in half the work.
    const lo = gy.i0[ys];
    const across = new Float64Array((gy.i1[ye - 1] - lo + 1) * bw);
    for (let sy = lo; sy <= gy.i1[ye - 1]; sy += 1) {
      const src = sy * w;
      const dst = (sy - lo) * bw - xs;
      for (let x = xs; x < xe; x += 1) {
        const a = probs[src + gx.i0[x]];
        across[dst + x] = a + (probs[src + gx.i1[x]] - a) * gx.f[x];
      }
    }
    const values = new Uint16Array(bw * bh);
    for (let y = ys; y < ye; y += 1) {
      const r0 = (gy.i0[y] - lo) * bw;
      const r1 = (gy.i1[y] - lo) * bw;
      const fy = gy.f[y];
      const row = (y - ys) * bw;
      for (let x = 0; x < bw; x += 1) {
        const top = across[r0 + x];
        values[row + x] = Math.round((top + (across[r1 + x] - top) * fy) * FIXED);
      }
    }
    this.box = { x0: xs, y0: ys, w: bw, h: bh };
    this.values = values;
  }

  /** Pixels with probability > t are inside. */
  cut(t) {
    return t * 255 * FIXED;
  }

  /** Pixels inside at threshold t: a binary search in the sorted values, made on first use. */
  area(t) {
    this.sorted ??= this.values.slice().sort();
    const cut = this.cut(t);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] > cut) hi = mid;
      else lo = mid + 1;
    }
    return this.sorted.length - lo;
  }
}

/** A fixed binary mask (decoded from RLE at the image's size) sampled onto the work frame by nearest
 * neighbour; thresholds do not move it. */
export class BitLayer {
  constructor(full, fullH, fullW, width, height) {
    if (fullH === height && fullW === width) { // at the mask's own size: the mask is the layer, no copy
      this.box = { x0: 0, y0: 0, w: width, h: height };
      this.values = full;
      this.pixels = full.reduce((n, v) => n + (v ? 1 : 0), 0);
      return;
    }
    const values = new Uint8Array(width * height);
    let area = 0;
    for (let y = 0; y < height; y += 1) {
      const sy = Math.min(fullH - 1, Math.floor(((y + 0.5) * fullH) / height));
      for (let x = 0; x < width; x += 1) {
        const sx = Math.min(fullW - 1, Math.floor(((x + 0.5) * fullW) / width));
        if (full[sy * fullW + sx]) {
          values[y * width + x] = 1;
          area += 1;
        }
      }
    }
    this.box = { x0: 0, y0: 0, w: width, h: height };
    this.values = values;
    this.pixels = area;
  }

  cut() {
    return 0;
  }

  area() {
    return this.pixels;
  }
}

/** Is pixel (x, y) of the work frame inside `layer` at threshold t? */
export function covers(layer, x, y, t) {
  const { x0, y0, w, h } = layer.box;
  const lx = x - x0;
  const ly = y - y0;
  return lx >= 0 && ly >= 0 && lx < w && ly < h && layer.values[ly * w + lx] > layer.cut(t);
}

/** Paint masks into an RGBA frame (cleared first): each a colour at `alpha` with an opaque outline.
 * layers: [{layer, t, color: [r, g, b], alpha}], topmost first: a pixel shows the first layer covering
 * it, as annotation tools draw overlapping instances. Runs on every slider move, so each pixel is
 * written once, as one packed 32-bit word, and covered pixels are skipped without further work. */
export function paint(rgba, width, height, layers) {
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  words.fill(0);
  for (const spec of layers) paintLayer(words, width, spec);
  return rgba;
}

/** One layer into packed RGBA `words` (a frame `width` wide), leaving pixels a layer above already took:
 * layers painted one by one, topmost first, give what `paint` gives with them all, while only one needs
 * to exist at a time (at a photo's full resolution, all of them at once would not fit in memory). */
export function paintLayer(words, width, { layer, t, color, alpha }) {
  const fill = pack(color, Math.round(alpha * 255));
  const edge = pack(color, 255);
  const { values } = layer;
  const { x0, y0, w, h } = layer.box;
  const cut = layer.cut(t);
  for (let ly = 0; ly < h; ly += 1) {
    const row = ly * w;
    const base = (y0 + ly) * width + x0;
    const border = ly === 0 || ly === h - 1;
    for (let lx = 0; lx < w; lx += 1) {
      const i = row + lx;
      if (values[i] <= cut || words[base + lx] !== 0) continue;
      const isEdge = border || lx === 0 || lx === w - 1 || values[i - 1] <= cut || values[i + 1] <= cut
        || values[i - w] <= cut || values[i + w] <= cut;
      words[base + lx] = isEdge ? edge : fill;
    }
  }
}

/** [r, g, b] and alpha 0..255 as one little-endian RGBA word. */
function pack([r, g, b], a) {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Distinct colours: hues a golden angle apart, saturated enough to read on photos. */
export function colorFor(index) {
  const hue = (index * 137.508) % 360;
  return hslToRgb(hue / 360, 0.85, 0.5);
}

function hslToRgb(h, s, l) {
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t) => {
    let u = t;
    if (u < 0) u += 1;
    if (u > 1) u -= 1;
    if (u < 1 / 6) return p + (q - p) * 6 * u;
    if (u < 1 / 2) return q;
    if (u < 2 / 3) return p + (q - p) * (2 / 3 - u) * 6;
    return p;
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)].map((v) => Math.round(v * 255));
}
