// What the download buttons write, built from the instances the page shows (after its thresholds):
// masks as the function's own JSON shape (COCO RLE) and COCO-style results. Pure: no DOM.
import { encodeRle } from "./rle.js";

/** items: [{prompt, model_prompt, score, box: [x0, y0, x1, y1], mask: Uint8Array(h * w)}]. */
export function encodeInstances(items, width, height) {
  return items.map((it) => {
    const rle = encodeRle(it.mask, height, width);
    let area = 0;
    for (let i = 0; i < it.mask.length; i += 1) area += it.mask[i] ? 1 : 0;
    return { prompt: it.prompt, model_prompt: it.model_prompt, score: it.score, box: it.box, area, mask: rle };
  });
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
