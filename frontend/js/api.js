// Talking to the function: readiness, info, and one segmentation call with upload progress.
// Every failure becomes an ApiError with a stable code; the page turns codes into plain words.

export class ApiError extends Error {
  constructor(code, message, status = 0, requestId = "", retryAfter = null, joined = null) {
    super(message);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.retryAfter = retryAfter; // seconds the server asked to wait before trying again (Retry-After), or null
    // several_things: [{prompt, parts: [{text, english}]}], each joined prompt as sent and the prompts to
    // send instead; null for any other error
    this.joined = joined;
  }
}

function authHeaders(apiKey) {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** GET a JSON document; resolves {status, body} (body null when it is not JSON). */
export async function getJson(path, apiKey) {
  let response;
  try {
    response = await fetch(path, { headers: authHeaders(apiKey), cache: "no-store" });
  } catch {
    throw new ApiError("network", "the server cannot be reached");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

/** Retry-After in seconds: the function sends a number of seconds; an HTTP date (allowed too) counts from now. */
export function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

/** The ApiError of a failed call: the server's {"error": {code, message, request_id}} when the body has one
 * (with `joined` for several_things). `header(name)` reads the response's headers. */
export function errorOf(status, body, header) {
  const err = body && body.error;
  // only what can be split: a prompt with parts (an older server or a proxy's page may send neither)
  const usable = (j) => j && typeof j.prompt === "string" && Array.isArray(j.parts) && j.parts.length > 0;
  const joined = err && Array.isArray(err.joined) && err.joined.filter(usable);
  return new ApiError(err ? err.code : "unknown", err ? err.message : `HTTP ${status}`, status,
    err ? err.request_id : header("x-request-id") || "", retryAfterSeconds(header("retry-after")),
    joined && joined.length ? joined : null);
}

/** POST the image file as it is; resolves the server's PNG of it (upright, 8-bit, full size: the pixels
 * the model sees) as a Blob, for a format the browser cannot show. Rejects with ApiError. */
export async function preview(file, apiKey) {
  let response;
  try {
    response = await fetch("/v1/preview", { method: "POST", body: file, headers: authHeaders(apiKey) });
  } catch {
    throw new ApiError("network", "the server cannot be reached");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw errorOf(response.status, body, (name) => response.headers.get(name));
  }
  return response.blob();
}

/** POST the image and prompts as multipart. onProgress({phase: "upload", fraction} | {phase: "infer"}).
 * Resolves the response JSON; rejects with ApiError. */
export function segment({ file, prompts, threshold, maskThreshold, candidateFloor, apiKey }, onProgress) {
  const form = new FormData();
  form.append("image", file, file.name || "image");
  for (const p of prompts) form.append("prompts", p);
  form.append("threshold", String(threshold));
  form.append("mask_threshold", String(maskThreshold));
  form.append("candidate_floor", String(candidateFloor));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/segment");
    for (const [k, v] of Object.entries(authHeaders(apiKey))) xhr.setRequestHeader(k, v);
    xhr.responseType = "text";
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) onProgress({ phase: "upload", fraction: ev.loaded / ev.total });
    };
    xhr.upload.onload = () => onProgress({ phase: "infer" });
    xhr.onerror = () => reject(new ApiError("network", "the server cannot be reached"));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body);
        return;
      }
      reject(errorOf(xhr.status, body, (name) => xhr.getResponseHeader(name)));
    };
    xhr.send(form);
  });
}
