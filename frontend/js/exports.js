// What the download buttons write, built from the instances the page shows (after its thresholds):
// masks as the function's own JSON shape (COCO RLE) and COCO-style results, with RLE masks or polygons.
// Pure: no DOM.
import { maskPolygons } from "./polygons.js";
import { encodeRle } from "./rle.js";

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
