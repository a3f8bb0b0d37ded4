// Builds the downloads off the page's thread. At a photo's full size the masks of a hundred instances take
// seconds to stretch, cut and encode, trace or paint; done on the page, that work had to be cut into
// pieces between which the page answered, and one large mask's tracing still froze it for its whole
// length. Here the page keeps answering throughout.
// In: a JSON download's request (exports.buildDownload), or {kind: "overlay", picture: Blob (the image the
// page shows), width, height, cut, items} (exports.overlayMasks). Out: {progress: fraction} after each
// instance, then {blob} (the file) or {error}.
import { buildDownload, overlayMasks } from "./exports.js";

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ blob: data.kind === "overlay" ? await overlay(data) : json(data) });
  } catch (err) {
    self.postMessage({ error: String((err && err.message) || err) });
  }
};

function json(request) {
  const doc = buildDownload(request, (fraction) => self.postMessage({ progress: fraction }));
  return new Blob([JSON.stringify(doc)], { type: "application/json" });
}

/** The photo with the masks over it, as PNG. */
async function overlay({ picture, width, height, cut, items }) {
  const steps = items.length + 1; // the PNG encoding is the last step
  const rgba = overlayMasks({ width, height, cut, items }, (done) => self.postMessage({ progress: done / steps }));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  const photo = await createImageBitmap(picture); // EXIF orientation applied, as the page's <img> does
  ctx.drawImage(photo, 0, 0, width, height);
  photo.close();
  const masks = new OffscreenCanvas(width, height); // putImageData would replace the photo, not blend over it
  masks.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  ctx.drawImage(masks, 0, 0);
  const blob = await canvas.convertToBlob({ type: "image/png" });
  self.postMessage({ progress: 1 });
  return blob;
}
