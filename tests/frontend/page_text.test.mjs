import assert from "node:assert/strict";
import { test } from "node:test";

import { cocoDocument, encodeInstance } from "../../frontend/js/exports.js";
import { BitLayer } from "../../frontend/js/masks.js";
import { STRINGS, chineseFor, initialLanguage, setLanguage, t } from "../../frontend/js/i18n.js";

test("every interface string exists in every language", () => {
  assert.deepEqual(Object.keys(STRINGS).sort(), ["en", "zh", "zh-Hant"]);
  for (const table of ["zh", "zh-Hant"]) assert.deepEqual(Object.keys(STRINGS[table]).sort(), Object.keys(STRINGS.en).sort());
});

test("the interface starts in the saved language, else the browser's, else English", () => {
  assert.equal(initialLanguage(null, ["zh-CN", "en"]), "zh");
  assert.equal(initialLanguage(null, ["fr-FR", "zh-TW"]), "zh-Hant");
  assert.equal(initialLanguage("en", ["zh-CN"]), "en");
  assert.equal(initialLanguage("zh-Hant", ["zh-CN"]), "zh-Hant");
  assert.equal(initialLanguage("klingon", ["de"]), "en");
});

test("Chinese reads Traditional where the browser's tag says so or names a region that writes it", () => {
  const read = (tag) => initialLanguage(null, [tag]);
  for (const tag of ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW", "ZH-hk"]) assert.equal(read(tag), "zh-Hant", tag);
  for (const tag of ["zh", "zh-CN", "zh-SG", "zh-Hans", "zh-Hans-HK", "zh-twx"]) assert.equal(read(tag), "zh", tag);
  // From English the language button goes to the script of the browser's first Chinese, else Simplified.
  assert.equal(chineseFor(["en-US", "zh-HK", "zh-CN"]), "zh-Hant");
  assert.equal(chineseFor(["en-US", "zh-CN", "zh-TW"]), "zh");
  assert.equal(chineseFor(["en-US", "de"]), "zh");
});

test("placeholders are filled in the chosen language", () => {
  setLanguage("zh");
  assert.equal(t("done", { n: 3, p: 2, ms: 40 }), "3 个实例 · 2 个提示词 · 服务器用时 40 毫秒");
  setLanguage("zh-Hant");
  assert.equal(t("done", { n: 3, p: 2, ms: 40 }), "3 個實例 · 2 個提示詞 · 伺服器用時 40 毫秒");
  setLanguage("en");
  assert.equal(t("done", { n: 3, p: 2, ms: 40 }), "3 instances · 2 prompts · 40 ms on the server");
});

test("an English count agrees with its noun", () => {
  setLanguage("en");
  assert.equal(t("done", { n: 1, p: 1, ms: 9 }), "1 instance · 1 prompt · 9 ms on the server");
  assert.equal(t("done", { n: 0, p: 16, ms: 9 }), "0 instances · 16 prompts · 9 ms on the server");
  assert.equal(t("resultLoaded", { n: 1, file: "a.json" }), "Showing 1 instance from a.json.");
  // a count not given leaves its placeholder showing, as any other placeholder does: a slip is seen, not hidden
  assert.equal(t("resultLoaded", { file: "a.json" }), "Showing {n} {n:instance|instances} from a.json.");
});

test("COCO results get one category per model prompt and xywh boxes", () => {
  const layer = new BitLayer(new Uint8Array([1, 0, 1, 1]), 2, 2, 2, 2);
  const inst = [
    { prompt: "狗", model_prompt: "dog", score: 0.9, box: [1, 2, 5, 8] },
    { prompt: "cat", model_prompt: "cat", score: 0.8, box: [0, 0, 1, 1] },
    { prompt: "dog", model_prompt: "dog", score: 0.7, box: [0, 0, 2, 2] },
  ].map((it) => encodeInstance(it, layer, 0.5, 2, 2));
  assert.equal(inst[0].area, 3);
  const coco = cocoDocument({ fileName: "a.png", width: 2, height: 2 }, inst);
  assert.deepEqual(coco.categories.map((c) => c.name), ["dog", "cat"]);
  assert.deepEqual(coco.annotations.map((a) => a.category_id), [1, 2, 1]);
  assert.deepEqual(coco.annotations[0].bbox, [1, 2, 4, 6]);
});

test("COCO annotation ids are the instance numbers the page shows, not their places in the file", () => {
  const layer = new BitLayer(new Uint8Array([1, 0, 1, 1]), 2, 2, 2, 2);
  const inst = [
    { prompt: "狗", model_prompt: "dog", score: 0.9, box: [0, 0, 2, 2] },
    { prompt: "tree", model_prompt: "tree", score: 0.6, box: [0, 0, 1, 1] },
  ].map((it) => encodeInstance(it, layer, 0.5, 2, 2));
  const shown = cocoDocument({ fileName: "a.png", width: 2, height: 2 }, inst, [3, 34]);
  assert.deepEqual(shown.annotations.map((a) => a.id), [3, 34]);
  const plain = cocoDocument({ fileName: "a.png", width: 2, height: 2 }, inst);
  assert.deepEqual(plain.annotations.map((a) => a.id), [1, 2]); // no numbers given: 1, 2, ... as before
  assert.deepEqual(Object.keys(shown.annotations[0]), Object.keys(plain.annotations[0])); // the same fields
});

test("COCO with polygons carries each instance's outlines where the RLE was, and nothing else changes", () => {
  // A 4 x 4 frame: an L of three pixels top left and a lone pixel bottom right.
  const layer = new BitLayer(new Uint8Array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 4, 4, 4, 4);
  const inst = [{ prompt: "狗", model_prompt: "dog", score: 0.9, box: [0, 0, 4, 4] }]
    .map((it) => encodeInstance(it, layer, 0.5, 4, 4, { polygons: true }));
  const [l, lone] = inst[0].polygons;
  assert.deepEqual(lone, [3, 3, 4, 3, 4, 4, 3, 4]);
  assert.equal(l.length / 2, 6); // the L's outer corners, its inner corner cut diagonally
  const coco = cocoDocument({ fileName: "a.png", width: 4, height: 4 }, inst, [7], { segmentation: "polygons" });
  assert.deepEqual(coco.annotations[0].segmentation, inst[0].polygons);
  assert.equal(coco.annotations[0].area, 4);
  const plain = [{ prompt: "狗", model_prompt: "dog", score: 0.9, box: [0, 0, 4, 4] }]
    .map((it) => encodeInstance(it, layer, 0.5, 4, 4));
  const rle = cocoDocument({ fileName: "a.png", width: 4, height: 4 }, plain, [7]);
  assert.deepEqual(rle.annotations[0].segmentation, plain[0].mask);
  assert.deepEqual({ ...coco.annotations[0], segmentation: null }, { ...rle.annotations[0], segmentation: null });
  assert.throws(() => cocoDocument({ fileName: "a.png", width: 4, height: 4 }, inst, [7], { segmentation: "svg" }));
  assert.equal("polygons" in plain[0], false); // each download pays only for what it writes
  assert.equal("mask" in inst[0], false);
});

test("the polygon COCO file leaves out an instance with no pixel left, which has no polygon to write", () => {
  const empty = new BitLayer(new Uint8Array(4), 2, 2, 2, 2);
  const full = new BitLayer(new Uint8Array([1, 1, 1, 1]), 2, 2, 2, 2);
  const inst = [[empty, "dog"], [full, "cat"]].map(([layer, name]) => encodeInstance(
    { prompt: name, model_prompt: name, score: 0.9, box: [0, 0, 2, 2] }, layer, 0.5, 2, 2, { polygons: true }));
  assert.deepEqual(inst[0].polygons, []);
  const coco = cocoDocument({ fileName: "a.png", width: 2, height: 2 }, inst, [4, 9], { segmentation: "polygons" });
  assert.deepEqual(coco.annotations.map((a) => [a.id, a.category_id, a.segmentation]), [[9, 2, [[0, 0, 2, 0, 2, 2, 0, 2]]]]);
});
