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

/** Row-major Uint8Array(h * w) (non-zero = inside) -> {size: [h, w], counts: string}. */
export function encodeRle(mask, height, width) {
  if (mask.length !== height * width) throw new Error("mask length does not match its size");
  const counts = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x += 1) {
    for (let y = 0; y < height; y += 1) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run += 1;
    }
  }
  counts.push(run);
  return { size: [height, width], counts: countsToString(counts) };
}

/** Pixels inside an RLE without unpacking it (the odd runs). */
export function rleArea(rle) {
  const counts = typeof rle.counts === "string" ? countsFromString(rle.counts) : rle.counts;
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}
