// COCO run-length encoding, as pycocotools writes it: masks are (height, width), runs go down the
// columns (Fortran order) starting with a run of zeros, and the counts are packed into the ASCII form
// of pycocotools' rleToString (5 bits a character, offset 48, each count after the second stored as
// the difference to the count two before). Masks here are row-major Uint8Array(height * width), 0 or 1.

/** Unpack a counts string into run lengths. */
export function countsFromString(s) {
  const counts = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error("RLE counts string ends inside a number");
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE counts string has an invalid character at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p += 1;
      k += 1;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Pack run lengths into a counts string (the inverse of countsFromString). */
export function countsToString(counts) {
  let s = "";
  for (let i = 0; i < counts.length; i += 1) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5; // arithmetic shift: negative differences end in a run of sign bits
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** {size: [h, w], counts: string | number[]} -> row-major Uint8Array(h * w). */
export function decodeRle(rle) {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === "string" ? countsFromString(rle.counts) : rle.counts;
  const total = height * width;
  const mask = new Uint8Array(total);
  let pos = 0; // position in column-major order
  let value = 0;
  for (const run of counts) {
    if (run < 0 || pos + run > total) throw new Error("RLE runs do not fit the mask size");
    if (value) {
      for (let j = pos; j < pos + run; j += 1) {
        const x = Math.floor(j / height);
        mask[(j - x * height) * width + x] = 1;
      }
    }
    pos += run;
    value ^= 1;
  }
  if (pos !== total) throw new Error(`RLE covers ${pos} pixels, the mask has ${total}`);
  return mask;
}

/** A mask -> {size: [height, width], counts: string}. `mask` is row-major over `box` {x0, y0, w, h} of the
 * (height, width) frame, the whole frame by default (non-zero = inside); pixels outside the box are out.
 *
 * In row order: COCO runs go down columns, and walking a row-major mask column by column touches a new
 * cache line at every pixel (the page froze for seconds exporting a hundred candidates of a large photo).
 * Each box column's changes between outside and inside are found row by row, counted first and then
 * placed (two passes over the box, no per-column arrays). */
export function encodeRle(mask, height, width, box = { x0: 0, y0: 0, w: width, h: height }) {
  const { x0, y0, w, h } = box;
  if (mask.length !== w * h) throw new Error("mask length does not match its size");
  // Row h (past the foot) reads as outside, so a run reaching the box's foot ends there.
  const first = new Int32Array(w + 1); // column lx's changes are at [first[lx], first[lx + 1])
  for (let ly = 0; ly <= h; ly += 1) {
    const row = ly * w;
    for (let lx = 0; lx < w; lx += 1) {
      if ((ly < h && mask[row + lx] !== 0) !== (ly > 0 && mask[row - w + lx] !== 0)) first[lx + 1] += 1;
    }
  }
  for (let lx = 0; lx < w; lx += 1) first[lx + 1] += first[lx];
  const rows = new Int32Array(first[w]); // the frame row of each change, column by column
  const next = first.slice(0, w);
  for (let ly = 0; ly <= h; ly += 1) {
    const row = ly * w;
    for (let lx = 0; lx < w; lx += 1) {
      if ((ly < h && mask[row + lx] !== 0) !== (ly > 0 && mask[row - w + lx] !== 0)) rows[next[lx]++] = y0 + ly;
    }
  }
  // Changes as positions in column-major order; a run that ends at a column's foot and goes on at the
  // next column's head (a box as tall as the frame) is one run, so those two changes cancel.
  const changes = new Float64Array(rows.length); // frame positions can pass 2^31
  let n = 0;
  for (let lx = 0; lx < w; lx += 1) {
    const base = (x0 + lx) * height;
    for (let k = first[lx]; k < first[lx + 1]; k += 1) {
      const pos = base + rows[k];
      if (n > 0 && changes[n - 1] === pos) n -= 1;
      else changes[n++] = pos;
    }
  }
  const counts = [];
  let pos = 0;
  for (let k = 0; k < n; k += 1) {
    counts.push(changes[k] - pos);
    pos = changes[k];
  }
  if (pos < height * width) counts.push(height * width - pos); // a mask ending inside ends with its run
  return { size: [height, width], counts: countsToString(counts) };
}

/** Pixels inside an RLE without unpacking it (the odd runs). */
export function rleArea(rle) {
  const counts = typeof rle.counts === "string" ? countsFromString(rle.counts) : rle.counts;
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}
