import assert from "node:assert/strict";
import { test } from "node:test";

import { countsFromString, countsToString, decodeRle, encodeRle, rleArea } from "../../frontend/js/rle.js";
import { NEEDS, bytes, fixtures } from "./fixtures.mjs";

const data = fixtures();

test("a 2x3 mask encodes column by column, starting with zeros", () => {
  // [[0, 1, 1], [0, 1, 1]]: column-major 0 0 1 1 1 1 -> runs [2, 4]
  const rle = encodeRle(new Uint8Array([0, 1, 1, 0, 1, 1]), 2, 3);
  assert.deepEqual(rle, { size: [2, 3], counts: "24" });
  assert.deepEqual([...decodeRle(rle)], [0, 1, 1, 0, 1, 1]);
});

test("a mask whose first pixel is set starts with an empty run of zeros", () => {
  const rle = encodeRle(new Uint8Array([1, 0, 0, 0]), 2, 2);
  assert.deepEqual(countsFromString(rle.counts), [0, 1, 3]);
});

test("large and negative count differences survive packing", () => {
  const counts = [5, 100000, 3, 7, 250000, 1, 1];
  assert.deepEqual(countsFromString(countsToString(counts)), counts);
});

test("random masks round-trip through encode and decode", () => {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const [h, w] of [[1, 1], [3, 17], [40, 31]]) {
    const mask = Uint8Array.from({ length: h * w }, () => (next() < 0.4 ? 1 : 0));
    assert.deepEqual(decodeRle(encodeRle(mask, h, w)), mask);
  }
});

test("corrupt RLE is refused, not decoded into garbage", () => {
  assert.throws(() => decodeRle({ size: [2, 2], counts: "9" }), /do not fit|covers/);
  assert.throws(() => decodeRle({ size: [2, 2], counts: "1" }), /covers 1 pixels/);
  assert.throws(() => countsFromString("\x10"), /invalid character/);
  assert.throws(() => countsFromString("P"), /ends inside/); // continuation bit set on the last char
});

test("masks the server encoded decode to the server's pixels", { skip: !data && NEEDS }, () => {
  for (const c of data.rle) {
    const [h, w] = c.size;
    const expected = bytes(c.pixels);
    assert.deepEqual(decodeRle(c), expected, `mask ${h}x${w}`);
    assert.equal(rleArea(c), expected.reduce((a, v) => a + v, 0));
  }
});

test("the page encodes masks byte-identically to pycocotools", { skip: !data && NEEDS }, () => {
  for (const c of data.rle) {
    assert.equal(encodeRle(bytes(c.pixels), ...c.size).counts, c.counts, `mask ${c.size}`);
  }
});
