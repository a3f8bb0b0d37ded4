// Fixtures the Python side writes (server-encoded RLE, PyTorch-upsampled maps); see test_page_modules.py.
import { readFileSync } from "node:fs";

export function fixtures() {
  const path = process.env.SAM3FN_PAGE_FIXTURES;
  if (!path) return null;
  return JSON.parse(readFileSync(path, "utf8"));
}

export function bytes(b64) {
  return new Uint8Array(Buffer.from(b64, "base64"));
}

export function floats(b64) {
  const buf = Buffer.from(b64, "base64");
  return new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
}

export const NEEDS = "run through pytest (tests/frontend/test_page_modules.py), which writes the server's fixtures";
