// What the download buttons write, built from the instances the page shows (after its thresholds):
// masks as the function's own JSON shape (COCO RLE) and COCO-style results, with RLE masks or polygons.
// Pure: no DOM, so the page builds them in a worker (export_worker.js).
import { BitLayer, ProbLayer, paintLayer } from "./masks.js";
import { maskPolygons } from "./polygons.js";
import { decodeRle, encodeRle } from "./rle.js";

const DOWNLOAD_KINDS = ["masks", "coco", "coco-polygons"]; // the JSON ones; the overlay is a PNG

/** A layer (masks.js: a box of the frame, row-major `values`, inside where value > cut(t)) cut at threshold
 * t: its box's 0/1 mask and the pixels inside, counted in the same pass (the layer's own `area` sorts its
 * values once to answer every slider move, which a layer made for one download would pay for nothing). */
function cutLayer(layer, t) {
  const { values } = layer;
  const cut = layer.cut(t);
  const inside = new Uint8Array(values.length);
  let area = 0;
  for (let i = 0; i < values.length; i += 1) {
    if (values[i] > cut) {
      inside[i] = 1;
      area += 1;
    }
  }
  return { inside, area };
}

/** A layer at threshold t as the COCO RLE of the whole (height, width) frame, and its area: encoded from the
 * box alone, with no frame-sized mask per instance. */
export function layerRle(layer, t, height, width) {
  const { inside, area } = cutLayer(layer, t);
  return { rle: encodeRle(inside, height, width, layer.box), area };
}

/** A layer at threshold t as COCO polygons in frame coordinates (polygons.js), and its area. */
export function layerPolygons(layer, t) {
  const { inside, area } = cutLayer(layer, t);
  const { x0, y0, w, h } = layer.box;
  return { polygons: maskPolygons(inside, w, h, x0, y0), area };
}

/** One instance as the downloads write it: `it` {prompt, model_prompt, score, box: [x0, y0, x1, y1]} with
 * its mask, `layer` at the frame's size (width, height) cut at threshold t, as RLE (`mask`) and area, or
 * with `polygons` as its outlines (`polygons`, polygons.js: COCO polygons, holes filled) and area: each
 * costs a pass over the mask at the photo's size, so only what the download writes is made. */
export function encodeInstance(it, layer, t, width, height, { polygons = false } = {}) {
  const head = { prompt: it.prompt, model_prompt: it.model_prompt, score: it.score, box: it.box };
  if (polygons) return { ...head, ...layerPolygons(layer, t) };
  const { rle, area } = layerRle(layer, t, height, width);
  return { ...head, area, mask: rle };
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

/** COCO results: one image, a category per distinct model prompt, an annotation per instance, its id from
 * `ids` (the page passes the instance numbers its legend shows; by default 1, 2, 3, ...), its segmentation
 * the RLE mask, or with `segmentation: "polygons"` the instance's polygons (both as encodeInstance made them):
 * what annotation tools open as outlines to edit. `area` stays the mask's pixel count either way. An instance
 * left with no pixel at the photo's size (a sliver the page's smaller frame still showed) has no polygon, and
 * pycocotools fails on an empty polygon list, so the polygon file leaves it out; the RLE file keeps it. */
export function cocoDocument({ fileName, width, height }, instances, ids = instances.map((_, i) => i + 1),
  { segmentation = "rle" } = {}) {
  if (segmentation !== "rle" && segmentation !== "polygons") throw new Error(`unknown segmentation ${segmentation}`);
  const names = [...new Set(instances.map((it) => it.model_prompt))];
  const categories = names.map((name, i) => ({ id: i + 1, name, supercategory: "prompt" }));
  const annotations = instances.flatMap((it, i) => {
    if (segmentation === "polygons" && it.polygons.length === 0) return [];
    const [x0, y0, x1, y1] = it.box;
    return [{
      id: ids[i],
      image_id: 1,
      category_id: names.indexOf(it.model_prompt) + 1,
      segmentation: segmentation === "polygons" ? it.polygons : it.mask,
      area: it.area,
      bbox: [x0, y0, x1 - x0, y1 - y0],
      score: it.score,
      iscrowd: 0,
    }];
  });
  return {
    info: { description: "sam3fn results", date_created: new Date().toISOString() },
    images: [{ id: 1, file_name: fileName, width, height }],
    categories,
    annotations,
  };
}

/** An instance's mask as the page hands it to a download, plain data a worker can be sent: a candidate's
 * 8-bit probability map `{probs: Uint8Array(h * w), size: [h, w]}`, or a stored result's COCO RLE `{rle}`
 * (sent rather than its decoded pixels: at a photo's size those are megabytes an instance). Returns its
 * layer on a (width, height) frame, as the page's own layers are made (masks.js). */
export function layerFrom(source, width, height) {
  if (source.rle) {
    const [h, w] = source.rle.size;
    return new BitLayer(decodeRle(source.rle), h, w, width, height);
  }
  const [h, w] = source.size;
  return new ProbLayer(source.probs, h, w, width, height);
}

/** A download's document, from plain data: `kind` one of DOWNLOAD_KINDS, `meta` as masksDocument takes it
 * (the frame is meta's width x height), `cut` the mask threshold, `items` [{head: {prompt, model_prompt,
 * score, box}, source (layerFrom), id (the legend's number)}]. `progress(fraction)` is told after each
 * instance: at a photo's full size each is a pass over megapixels. */
export function buildDownload({ kind, meta, cut, items }, progress = () => {}) {
  if (!DOWNLOAD_KINDS.includes(kind)) throw new Error(`unknown download ${kind}`);
  const { width, height } = meta;
  const polygons = kind === "coco-polygons"; // traced only for the download that writes them
  const instances = items.map(({ head, source }, i) => {
    const encoded = encodeInstance(head, layerFrom(source, width, height), cut, width, height, { polygons });
    progress((i + 1) / items.length);
    return encoded;
  });
  if (kind === "masks") return masksDocument(meta, instances);
  return cocoDocument(meta, instances, items.map((it) => it.id), { segmentation: polygons ? "polygons" : "rle" });
}

/** The overlay download's masks at the photo's own resolution (the on-screen frame is at most WORK_MAX
 * wide, and stretching it up gave a large photo soft, blocky edges that disagreed with the masks JSON):
 * RGBA bytes of the (width, height) frame, each instance in its colour at 45 % with an opaque outline,
 * `items` [{source (layerFrom), color: [r, g, b]}] topmost first, as on screen; cut at `cut`.
 * `progress(i)` is told how many are painted. */
export function overlayMasks({ width, height, cut, items }, progress = () => {}) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const words = new Uint32Array(rgba.buffer);
  items.forEach(({ source, color }, i) => {
    paintLayer(words, width, { layer: layerFrom(source, width, height), t: cut, color, alpha: 0.45 });
    progress(i + 1);
  });
  return rgba;
}
