// The page: image in, prompts in, one inference, then everything else (thresholds, layers, popover,
// downloads) happens here without the server. Data flows one way: response -> items -> masks -> canvas.
import { ApiError, errorOf, getJson, preview, segment } from "./api.js";
import { apply, chineseFor, has, initialLanguage, setLanguage, t, language } from "./i18n.js";
import { BitLayer, ProbLayer, colorFor, covers, paint, workSize } from "./masks.js";
import { decodeRle } from "./rle.js";

const CANDIDATE_FLOOR = 0.05; // the lowest detection threshold the slider offers
// Answers the server asks to come back for later (503 + Retry-After): still loading, or its queue is full.
const RETRY_CODES = new Set(["not_ready", "overloaded"]);
// Waiting longer than this for them is a fault to show: loading the model and warming it up takes seconds.
const MAX_RETRY_WAIT_S = 120;
const STAGES = ["decode_image_ms", "preprocess_ms", "image_encode_ms", "text_encode_ms", "mask_decode_ms",
  "postprocess_ms", "total_ms"];
const $ = (id) => document.getElementById(id);

const state = {
  file: null, // the image File
  imageUrl: null,
  picture: null, // the Blob the page shows (the file, or the server's PNG of it): the overlay download's photo
  converted: false, // the photo shown is the server's PNG of a file the browser cannot show
  natural: null, // {width, height} of the image as the browser shows it (EXIF applied)
  frame: null, // {width, height} of the drawing frame (the image, at most WORK_MAX on the long side)
  prompts: [], // [{text, model, translation}]
  response: null,
  imageInfo: null, // {width, height} the masks are for: the response's or the opened result's image
  source: null, // "candidates" (a run: both sliders live) | "result" (an opened JSON: fixed masks)
  items: [], // [{index, prompt, model_prompt, score, box, color, hidden, layer(), source}] (source: exports.layerFrom)
  exporting: false, // a download is being prepared: the download buttons wait for it
  highlight: null,
  tabStop: null, // the item whose checkbox is the legend's one tab stop (arrow keys move it)
  popoverAt: null, // {u, v}: where the open popover was asked for, as fractions of the image
  buffer: null,
  timer: null,
  lastTimings: null, // [timings, roundTrip] on show, redrawn when the language changes
  notice: null, // [randomWeights, serverText] on show, likewise
  problem: null, // draws the error on show, kept to redraw it when the language changes
  resultSummary: null, // {n, file} while an opened result is shown, likewise
  epoch: 0, // bumped when the image or the shown result changes: a run answered after that is dropped
};
const SEPARATORS = /[\n,，、;；]/;

// -- status and errors ----------------------------------------------------------------------------
/** Show a problem drawn by `draw` (text in the current language), and keep `draw` to redraw it in another;
 * `fix`, if given, is what the problem's button does (#error-action: splitting, the one fix there is). */
function showDrawn(draw, fix = null) {
  state.problem = draw;
  draw();
  $("error-action").hidden = !fix;
  $("error-action").onclick = fix;
  $("error").hidden = false;
}

/** An ApiError's code in words; a file over the server's size limit is told both sizes, so the person
 * knows how far to shrink it. */
function errorText(err) {
  const limit = serverInfo && serverInfo.limits && serverInfo.limits.max_body_bytes;
  if (err.code === "body_too_large" && limit && state.file) {
    const mb = (bytes) => Number((bytes / 1e6).toFixed(1)).toLocaleString();
    return t("err_body_too_large_sized", { size: mb(state.file.size), limit: mb(limit) });
  }
  if (err.code === "several_things" && err.joined && err.joined.length === 1) {
    const [{ prompt, parts }] = err.joined;
    return t("err_several_things_named", { prompt: prompt.trim(), count: parts.length, parts: listed(parts) });
  }
  if (err.code === "several_things" && err.joined) {
    const prompts = err.joined.map(({ prompt, parts }) =>
      t("joinedPrompt", { prompt: prompt.trim(), parts: listed(parts) }));
    return t("err_several_things_many", { count: err.joined.length, prompts: prompts.join(t("joinedSeparator")) });
  }
  return has(`err_${err.code}`) ? t(`err_${err.code}`) : t("err_unknown");
}

/** The parts of a joined prompt as the person wrote them, listed in the interface's language (狗、猫). */
function listed(parts) {
  return parts.map((part) => String(part.text).trim()).join(t("listSeparator"));
}

/** An ApiError's message and request id, for the line under the words. */
function errorDetail(err) {
  // a refusal whose parts the words above already name needs no English retelling of them
  const detail = err.message && !err.joined ? [err.message] : [];
  if (err.requestId) detail.push(`${t("requestId")}: ${err.requestId}`);
  return detail.join(" · ");
}

/** Any failure in plain words: an ApiError by its code, anything else as "unknown" with its message. */
function showError(thrown) {
  const err = thrown instanceof ApiError ? thrown : new ApiError("unknown", String(thrown && thrown.message));
  if (err.code === "unauthorized") askForKey();
  // the status line must not go on saying "Ready" about a server lost, restarting or broken
  if (["network", "not_ready", "model_unavailable"].includes(err.code)) pollServer();
  // each refused prompt still among the chips, with its parts: a stored result's prompts made no chip
  const splits = (err.joined || []).map(({ prompt, parts }) => ({
    chip: state.prompts.find((p) => p.text === prompt.trim()), parts })).filter((s) => s.chip);
  const fix = splits.length ? () => splitJoined(splits) : null;
  showDrawn(() => {
    $("error-text").textContent = errorText(err);
    $("error-detail").textContent = errorDetail(err);
    if (fix) $("error-action").textContent = t("splitPromptsNamed", { parts: listed(splits.flatMap((s) => s.parts)) });
  }, fix);
}

/** Each chip the server refused for naming several things (狗和猫) becomes a chip per thing (the server's
 * `parts`), in its place, and the run goes again: one click from the refusal to the answer the person meant.
 * A thing already asked for by a chip is not asked for twice. */
function splitJoined(splits) {
  for (const { chip, parts } of splits) {
    const fresh = parts.map((part) => String(part.text).trim())
      .filter((text, i, all) => text && all.indexOf(text) === i && !state.prompts.some((x) => x.text === text));
    const chips = fresh.map((text) => ({ text, model: null, translation: "none" }));
    state.prompts.splice(state.prompts.indexOf(chip), 1, ...chips);
  }
  renderChips();
  clearError();
  run();
}

/** A recorded error in words: the error a result JSON holds instead of instances. */
function showRecordedError(err) {
  showDrawn(() => {
    $("error-text").textContent = `${t("resultFailed")} ${errorText(err)}`;
    $("error-detail").textContent = errorDetail(err);
  });
}

function showProblem(key, values) {
  showDrawn(() => {
    $("error-text").textContent = t(key, values);
    $("error-detail").textContent = "";
  });
}

function clearError() {
  state.problem = null;
  $("error").hidden = true;
}

/** The banner: random weights in the interface's language (the server's English notice, which says how
 * to install real weights, as its tooltip), else the server's first warning. */
function setNotice(random, serverText) {
  const text = random ? t("randomWeights") : serverText;
  $("notice").textContent = text || "";
  $("notice").title = random && serverText ? serverText : "";
  $("notice").hidden = !text;
  state.notice = [random, serverText];
  fitStage(); // the notice moves the stage down
}

let serverInfo = null;
let statusKey = "statusLoading"; // what the status line says while the server is not ready, in any language
let pollTimer = 0; // the next poll while the server is not ready
let pollRun = 0; // the latest poll: an earlier one still waiting for its answer is dropped, so one loop runs

async function pollServer() {
  clearTimeout(pollTimer);
  const run = ++pollRun;
  try {
    const { status, body } = await getJson("/v1/info", $("api-key").value.trim());
    if (run !== pollRun) return;
    if (status === 200 && body) {
      serverInfo = body;
      setNotice(body.random_weights, body.notice);
      renderStatus();
      return;
    }
    serverInfo = null;
    const failed = body && body.error && body.error.code === "model_unavailable";
    statusKey = status === 401 ? "err_unauthorized" : failed ? "statusFailed" : "statusLoading";
    renderStatus();
    if (status === 401) {
      askForKey(); // polling stops: a key entered (or changed) polls again
    } else {
      pollTimer = setTimeout(pollServer, failed ? 10000 : 2000); // failed: only a restart (a new process) mends it
    }
  } catch {
    if (run !== pollRun) return;
    serverInfo = null;
    statusKey = "statusDown";
    renderStatus();
    pollTimer = setTimeout(pollServer, 5000);
  }
}

/** The server wants a (different) API key: show the field the status line points to, and put the cursor
 * in it unless the person is busy with another field. */
function askForKey() {
  const field = $("api-key");
  const settings = field.closest("details");
  if (settings) settings.open = true;
  const busy = document.activeElement && document.activeElement !== document.body && document.activeElement !== field;
  if (!busy) field.focus();
}

function renderStatus() {
  $("status").textContent = serverInfo
    ? t("statusReady", { backend: serverInfo.backend, device: serverInfo.device, precision: serverInfo.precision })
    : t(statusKey);
}

// -- image ----------------------------------------------------------------------------------------
function loadImage(file) {
  if (!file) return;
  clearError();
  state.epoch += 1;
  state.file = file;
  state.converted = false;
  renderFileName();
  const img = $("photo");
  img.onload = () => {
    state.natural = { width: img.naturalWidth, height: img.naturalHeight };
    $("stage").style.setProperty("--aspect", String(img.naturalWidth / img.naturalHeight));
    setFrame(state.natural.width, state.natural.height);
    $("stage").hidden = false;
    fitStage();
  };
  img.onerror = () => showServerPreview(file, state.epoch);
  img.alt = file.name || "";
  showPicture(file);
  resetResults();
}

function showPicture(blob) {
  if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
  state.imageUrl = URL.createObjectURL(blob);
  state.picture = blob;
  $("photo").src = state.imageUrl;
}

/** The browser cannot show this file (TIFF, say): show the server's PNG of it instead. It has the
 * pixels and size the model sees, so masks and downloads line up; the original is still what is sent. */
async function showServerPreview(file, epoch) {
  const img = $("photo");
  img.onerror = () => { // the server's PNG will not show either
    $("stage").hidden = true;
    showProblem("imageUnreadable");
  };
  try {
    const png = await preview(file, $("api-key").value.trim());
    if (epoch !== state.epoch) return; // another image was chosen meanwhile
    state.converted = true;
    renderFileName();
    showPicture(png);
  } catch (err) {
    if (epoch !== state.epoch) return;
    $("stage").hidden = true;
    showError(err);
  }
}

function renderFileName() {
  const name = state.file ? state.file.name || "" : "";
  $("file-name").textContent = state.converted ? `${name} · ${t("convertedByServer")}` : name;
}

// The single-column layout of style.css, where the photo is pinned above the instance list.
const ONE_COLUMN = window.matchMedia("(max-width: 760px)");
const PINNED_SHARE = 0.55; // of the window's height: the rest shows the list scrolling under the photo

/** Let the photo be as tall as the window below the stage's top, so a portrait photo is seen whole
 * without scrolling; the header and notice above it vary, which is why CSS alone (85vh) fell short.
 * A stage that starts low is scrolled to anyway: it gets the window. In one column it is pinned over
 * the list, so it gets a share of the window and leaves the list the rest. */
function fitStage() {
  const stage = $("stage");
  if (stage.hidden) return;
  const top = stage.getBoundingClientRect().top + window.scrollY;
  let room = top < window.innerHeight / 2 ? window.innerHeight - top - 12 : window.innerHeight - 24;
  if (ONE_COLUMN.matches) room = window.innerHeight * PINNED_SHARE;
  stage.style.setProperty("--room", `${Math.round(room)}px`);
  const dock = stage.parentElement.getBoundingClientRect().height;
  document.documentElement.style.setProperty("--docked", `${Math.ceil(dock)}px`);
}

function setFrame(width, height) {
  state.frame = workSize(width, height);
  const canvas = $("overlay");
  canvas.width = state.frame.width;
  canvas.height = state.frame.height;
  state.buffer = new ImageData(state.frame.width, state.frame.height);
}

function resetResults() {
  $("mask-threshold").disabled = false; // an opened result disables it; a new image has none
  state.response = null;
  state.imageInfo = null;
  state.lastTimings = null;
  state.items = [];
  state.tabStop = null;
  state.source = null;
  state.resultSummary = null;
  state.highlight = null;
  for (const p of state.prompts) p.model = null;
  buildLegend();
  closePopover();
  renderChips();
  render();
  renderTimings(null);
  $("summary").textContent = "";
  $("run").textContent = t("run");
}

// -- prompts --------------------------------------------------------------------------------------
function addPrompts(text) {
  const parts = String(text).split(SEPARATORS).map((s) => s.trim()).filter(Boolean);
  for (const p of parts) {
    if (!state.prompts.some((x) => x.text === p)) state.prompts.push({ text: p, model: null, translation: "none" });
  }
  renderChips();
}

function removePrompt(index) {
  state.prompts.splice(index, 1);
  renderChips();
}

function renderChips() {
  const list = $("chips");
  list.textContent = "";
  state.prompts.forEach((p, i) => {
    const li = document.createElement("li");
    li.className = "chip";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = p.text;
    li.append(text);
    if (p.model && p.model !== p.text) {
      const model = document.createElement("span");
      model.className = "model";
      model.textContent = `→ ${p.model}`;
      model.title = t("translatedBy", { method: p.translation });
      li.append(model);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon";
    remove.textContent = "×";
    remove.setAttribute("aria-label", t("removePrompt", { name: p.text }));
    remove.addEventListener("click", () => {
      removePrompt(i);
      // the button is gone with its chip: keep the focus in the list (the next chip, else the one before),
      // or in the field once the list is empty, rather than dropping it to the page's top
      const buttons = $("chips").querySelectorAll("button");
      (buttons[Math.min(i, buttons.length - 1)] || $("prompt-input")).focus();
    });
    li.append(remove);
    list.append(li);
  });
}

// -- running --------------------------------------------------------------------------------------
async function run() {
  if ($("run").disabled) return; // Ctrl+Enter while a run is under way: that run's answer is coming
  clearError();
  const pending = $("prompt-input").value;
  if (pending.trim()) {
    addPrompts(pending);
    $("prompt-input").value = "";
  }
  if (!state.file) return showProblem("noImage");
  if (!state.prompts.length) return showProblem("noPrompt");
  const button = $("run");
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const started = performance.now();
  const sent = [...state.prompts];
  const epoch = state.epoch;
  setProgress({ phase: "upload", fraction: 0 });
  try {
    const body = await segmentWhenReady({
      file: state.file, prompts: sent.map((p) => p.text), threshold: slider("threshold"),
      maskThreshold: slider("mask-threshold"), candidateFloor: CANDIDATE_FLOOR, apiKey: $("api-key").value.trim(),
    }, epoch);
    const roundTrip = performance.now() - started;
    if (!serverInfo) pollServer(); // it answered: a status line still saying it is unreachable is out of date
    if (epoch === state.epoch) await showResponse(body, roundTrip, sent); // else: for an image no longer shown
  } catch (err) {
    if (epoch !== state.epoch) return; // likewise
    showError(err);
  } finally {
    setProgress(null);
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** segment(), tried again while the server answers "loading" or "busy" with a Retry-After: a scale-to-zero
 * endpoint's first request after a cold start gets "loading", and the person should see a countdown, not an
 * error telling them to do what the page can do itself. Gives up (throws the last error) once waiting would
 * pass MAX_RETRY_WAIT_S in all, or when another image is chosen (the answer would be for an image no longer
 * shown; run() drops that error). */
async function segmentWhenReady(request, epoch) {
  const deadline = performance.now() + MAX_RETRY_WAIT_S * 1000;
  for (;;) {
    try {
      return await segment(request, setProgress);
    } catch (err) {
      const wait = err instanceof ApiError && RETRY_CODES.has(err.code) ? err.retryAfter : null;
      if (wait === null || epoch !== state.epoch || performance.now() + wait * 1000 > deadline) throw err;
      if (err.code === "not_ready") {
        // the server restarted (scaled to zero and back) since the status line said ready: it says so again
        // only when the status poll finds it ready, which also ends the wait below early
        serverInfo = null;
        pollServer();
      }
      await waitToRetry(err.code, wait, epoch);
      if (epoch !== state.epoch) throw err;
    }
  }
}

/** Resolves after `seconds`, or sooner: when the status poll finds a loading server ready, or when another
 * image is chosen. The progress line counts down meanwhile. */
function waitToRetry(code, seconds, epoch) {
  const until = performance.now() + Math.max(1, seconds) * 1000; // "Retry-After: 0" must not spin
  setProgress({ phase: "wait", code, until });
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const loaded = code === "not_ready" && serverInfo;
      if (performance.now() >= until || loaded || epoch !== state.epoch) {
        clearInterval(check);
        resolve();
      }
    }, 100);
  });
}

function setProgress(p) {
  clearInterval(state.timer);
  const box = $("progress");
  if (!p) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const bar = $("progress-bar");
  if (p.phase === "upload") {
    bar.max = 1;
    bar.value = p.fraction;
    $("progress-text").textContent = t("uploading", { pct: Math.round(p.fraction * 100) });
  } else if (p.phase === "wait") {
    bar.removeAttribute("value");
    const key = p.code === "not_ready" ? "waitLoading" : "waitBusy";
    const tick = () => { // a new text only once a second: the line is a polite live region
      const text = t(key, { s: Math.max(1, Math.ceil((p.until - performance.now()) / 1000)) });
      if ($("progress-text").textContent !== text) $("progress-text").textContent = text;
    };
    tick();
    state.timer = setInterval(tick, 200);
  } else {
    bar.removeAttribute("value"); // indeterminate while the model runs
    const since = performance.now();
    const tick = () => {
      $("progress-text").textContent = t("inferring", { s: ((performance.now() - since) / 1000).toFixed(1) });
    };
    tick();
    state.timer = setInterval(tick, 100);
  }
}

/** Decode one base64 8-bit PNG into its grey values (Uint8Array h * w). */
async function decodeProbs(png, [h, w]) {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }), {
    colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const grey = new Uint8Array(w * h);
  for (let i = 0; i < grey.length; i += 1) grey[i] = rgba[i * 4];
  return grey;
}

async function showResponse(body, roundTrip, sent) {
  state.response = body;
  state.imageInfo = body.image;
  state.source = "candidates";
  const { width, height } = body.image;
  setFrame(width, height);
  const items = [];
  // all maps decode at once: the browser's image decoders run in parallel
  const decoded = await Promise.all(body.results.map((result) => Promise.all(
    (result.candidates || []).map((c) => decodeProbs(c.probs.png, c.probs.size)))));
  for (const [pi, result] of body.results.entries()) {
    sent[pi].model = result.model_prompt;
    sent[pi].translation = result.translation;
    for (const [ci, c] of (result.candidates || []).entries()) {
      const probs = decoded[pi][ci];
      const [h, w] = c.probs.size;
      let layer = null;
      items.push({
        index: items.length, prompt: result.prompt, model_prompt: result.model_prompt, score: c.score, box: c.box,
        color: colorFor(items.length), hidden: false,
        layer: () => (layer ??= new ProbLayer(probs, h, w, state.frame.width, state.frame.height)),
        source: { probs, size: [h, w] }, // what the downloads' worker makes the mask at the photo's size from
      });
    }
  }
  state.items = items;
  state.tabStop = null; // new instances: the list's tab stop starts at its top
  state.highlight = null;
  buildLegend();
  const others = (body.warnings || []).filter((w) => !w.toLowerCase().includes("random"));
  setNotice(body.model.random_weights, body.model.random_weights ? serverInfo && serverInfo.notice : others[0]);
  $("mask-threshold").disabled = false;
  $("run").textContent = t("rerun");
  renderChips();
  renderTimings(body.timings, roundTrip);
  render();
}

// -- drawing --------------------------------------------------------------------------------------
/** An item's number: its place among the candidates (or the opened result's instances), so it stays the
 * same whatever the sliders and layers do; legend, popover and COCO annotation ids all use it. */
function itemNumber(it) {
  return it.index + 1;
}

/** An item's prompt as the legend and the popover name it: the English the model got beside a translation. */
function itemLabel(it) {
  return it.model_prompt !== it.prompt ? `${it.prompt} (${it.model_prompt})` : it.prompt;
}

function slider(id) {
  return Number($(id).value);
}

function shown() {
  // An item with no pixel over the mask threshold is no finding: the server leaves such instances out too.
  const threshold = slider("threshold");
  const cut = slider("mask-threshold");
  return state.items.filter((it) => it.score >= threshold && it.layer().area(cut) > 0);
}

/** What the overlay draws: items above the detection threshold whose layer is not hidden. */
function drawn() {
  return shown().filter((it) => !it.hidden);
}

/** Repaint the overlay and the legend from the current sliders: no network, just the cached maps. */
function render() {
  $("threshold-value").textContent = slider("threshold").toFixed(2);
  $("mask-threshold-value").textContent = slider("mask-threshold").toFixed(2);
  paintOverlay();
  renderLegend();
  updateDownloads();
  refreshPopover();
  if (state.response && state.source === "candidates") {
    $("summary").textContent = t("done", {
      n: shown().length, p: state.response.results.length, ms: Math.round(state.response.timings.total_ms) });
  } else if (state.resultSummary && state.source === "result") {
    $("summary").textContent = t("resultLoaded", state.resultSummary);
  }
}

function paintOverlay() {
  const canvas = $("overlay");
  const ctx = canvas.getContext("2d");
  if (!state.buffer) return;
  const cut = slider("mask-threshold");
  // topmost first: the highlighted instance, then by score
  const rank = (it) => (it.index === state.highlight ? 2 : it.score);
  const layers = drawn().sort((a, b) => rank(b) - rank(a)).map((it) => {
    let alpha = 0.45;
    if (state.highlight !== null) alpha = it.index === state.highlight ? 0.7 : 0.12;
    return { layer: it.layer(), t: cut, color: it.color, alpha };
  });
  paint(state.buffer.data, state.frame.width, state.frame.height, layers);
  ctx.putImageData(state.buffer, 0, 0);
}

function imageArea(frameArea) {
  if (!state.imageInfo) return frameArea;
  const { width, height } = state.imageInfo;
  return Math.round((frameArea * width * height) / (state.frame.width * state.frame.height));
}

/** One row per item, built when the items change; slider moves only show, hide and relabel rows. */
function buildLegend() {
  const list = $("legend");
  list.textContent = "";
  const empty = document.createElement("li");
  empty.id = "legend-empty";
  empty.textContent = t("legendEmpty");
  list.append(empty);
  for (const it of state.items) {
    const li = document.createElement("li");
    li.dataset.index = String(it.index);
    // the checkbox sits in a 24 px square label: a finger's target, however small the box is drawn
    const toggle = document.createElement("label");
    toggle.className = "toggle";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.tabIndex = -1; // one tab stop for the whole list: see syncTabStop
    box.setAttribute("aria-label", t("toggleLayer", { name: `#${itemNumber(it)} ${itemLabel(it)}` }));
    box.addEventListener("change", () => {
      it.hidden = !box.checked;
      paintOverlay();
      li.classList.toggle("hidden-layer", it.hidden);
      updateDownloads();
      refreshPopover();
    });
    box.addEventListener("focus", () => {
      state.tabStop = it.index;
      syncTabStop();
    });
    toggle.append(box);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = `rgb(${it.color.join(",")})`;
    const number = document.createElement("span");
    number.className = "num";
    number.textContent = `#${itemNumber(it)}`;
    number.setAttribute("aria-hidden", "true"); // the checkbox's name says it already
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = itemLabel(it);
    const score = document.createElement("span");
    score.className = "score";
    score.id = `legend-score-${it.index}`;
    score.textContent = `${(it.score * 100).toFixed(1)}%`;
    box.setAttribute("aria-describedby", score.id); // the score tells instances of one prompt apart
    const area = document.createElement("span");
    area.className = "area";
    li.append(toggle, swatch, number, label, score, area);
    // Hover, focus and a tap each highlight the row's instance; leaving clears only the row's own highlight,
    // so the focus leaving one checkbox (a tap or click on another row) does not undo the other row's.
    const on = () => setHighlight(it.index);
    const off = () => {
      if (state.highlight === it.index) setHighlight(null);
    };
    li.addEventListener("mouseenter", on);
    li.addEventListener("focusin", on);
    li.addEventListener("mouseleave", off);
    li.addEventListener("focusout", off);
    // a finger has no hover: a tap on the row (not on its checkbox) picks it; a scroll ends in pointercancel
    li.addEventListener("pointerup", (ev) => {
      if (ev.pointerType !== "mouse" && !ev.target.closest(".toggle")) on();
    });
    it.row = { li, box, area, areaCut: null };
    list.append(li);
  }
}

/** Exactly one listed row's checkbox is in the tab order: the last one focused, else the first listed.
 * Tab passes the whole list in one step; the arrow keys move within it (legendKeys). */
function syncTabStop() {
  const listed = state.items.filter((it) => !it.row.li.hidden);
  const stop = listed.find((it) => it.index === state.tabStop) || listed[0];
  for (const it of state.items) {
    const tabIndex = it === stop ? 0 : -1;
    if (it.row.box.tabIndex !== tabIndex) it.row.box.tabIndex = tabIndex; // runs on every slider move
  }
}

/** Arrow keys (either pair), Home, End, Page Up and Page Down move the focus among the listed rows;
 * Space toggles the focused checkbox, as any checkbox does. */
function legendKeys(ev) {
  const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
  const key = ev.key;
  if (!(key in moves) && key !== "Home" && key !== "End") return;
  if (ev.altKey || ev.ctrlKey || ev.metaKey || !ev.target.matches("input[type=checkbox]")) return;
  const rows = [...$("legend").querySelectorAll("li[data-index]:not([hidden])")];
  const at = rows.indexOf(ev.target.closest("li"));
  if (at < 0) return;
  ev.preventDefault(); // no page scrolling: the list scrolls to the focused row by itself
  let to = at + (moves[key] || 0);
  if (key === "Home") to = 0;
  if (key === "End") to = rows.length - 1;
  rows[Math.max(0, Math.min(rows.length - 1, to))].querySelector("input").focus({ preventScroll: true });
}

/** Bring a row that takes the focus into view by the shortest scroll. The browser's own focus scroll
 * centres it, which in one column put it under the photo pinned above the list; "nearest" keeps to the
 * rows' scroll-margin, the pinned photo's height. */
function showFocusedRow(ev) {
  const row = ev.target.closest("li");
  if (row) row.scrollIntoView({ block: "nearest" });
}

function renderLegend() {
  const cut = slider("mask-threshold");
  const total = state.frame ? state.frame.width * state.frame.height : 1;
  const listed = new Set(shown());
  let visible = 0;
  for (const it of state.items) {
    const { li, box, area } = it.row;
    li.hidden = !listed.has(it);
    box.checked = !it.hidden;
    li.classList.toggle("hidden-layer", it.hidden);
    li.classList.toggle("active", state.highlight === it.index);
    if (li.hidden) continue;
    visible += 1;
    if (it.row.areaCut !== cut) { // the area only changes with the mask threshold
      const frameArea = it.layer().area(cut);
      area.textContent = `${t("area")} ${imageArea(frameArea).toLocaleString()} px · ${((100 * frameArea) / total).toFixed(1)}%`;
      it.row.areaCut = cut;
    }
  }
  $("legend-empty").hidden = !state.source || visible > 0;
  syncTabStop();
}

function updateDownloads() {
  const any = drawn().length > 0;
  for (const id of ["dl-overlay", "dl-masks", "dl-coco", "dl-coco-polygons"]) {
    $(id).disabled = !state.source || !any || state.exporting;
  }
}

function setHighlight(index) {
  if (state.highlight === index) return;
  state.highlight = index;
  for (const li of $("legend").children) li.classList.toggle("active", li.dataset.index === String(index));
  paintOverlay();
}

function renderTimings(timings, roundTrip) {
  const body = $("timings").tBodies[0];
  body.textContent = "";
  if (!timings) return;
  const rows = STAGES.map((k) => [k, timings[k]]);
  if (Number.isFinite(roundTrip)) rows.push(["round_trip_ms", roundTrip]);
  for (const [key, value] of rows) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = t(`stage_${key}`);
    const ms = document.createElement("td");
    const cached = (key === "image_encode_ms" && timings.image_cached)
      || (key === "text_encode_ms" && timings.text_cached === state.prompts.length && timings.text_cached > 0);
    ms.textContent = cached ? t("cached") : Number(value ?? 0).toFixed(1);
    tr.append(name, ms);
    body.append(tr);
  }
  state.lastTimings = [timings, roundTrip];
}

// -- popover --------------------------------------------------------------------------------------
/** Where a pointer event is on the image, as fractions of its width and height. */
function pointAt(ev) {
  const rect = $("overlay").getBoundingClientRect();
  return { u: (ev.clientX - rect.left) / rect.width, v: (ev.clientY - rect.top) / rect.height };
}

/** The drawn instances at a point ({u, v}, fractions of the image), best first. */
function instancesAt({ u, v }) {
  if (!state.source) return [];
  const { width, height } = state.frame;
  const x = Math.max(0, Math.min(width - 1, Math.floor(u * width)));
  const y = Math.max(0, Math.min(height - 1, Math.floor(v * height)));
  const cut = slider("mask-threshold");
  return drawn().filter((it) => covers(it.layer(), x, y, cut)).sort((a, b) => b.score - a.score);
}

function openPopover(ev) {
  if (!state.source) return;
  state.popoverAt = pointAt(ev);
  $("popover").hidden = false;
  refreshPopover();
}

/** List what is at the popover's point now: called again whenever the sliders, the layers shown, the
 * instances or the language change, so the list never describes a state the overlay has left. */
function refreshPopover() {
  const at = state.popoverAt;
  if (!at || $("popover").hidden) return;
  if (!state.source) {
    closePopover();
    return;
  }
  const hits = instancesAt(at);
  const list = $("popover-list");
  list.textContent = "";
  if (!hits.length) {
    const li = document.createElement("li");
    li.textContent = t("popoverNone");
    list.append(li);
  }
  for (const it of hits) {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = `rgb(${it.color.join(",")})`;
    const number = document.createElement("span");
    number.className = "num";
    number.textContent = `#${itemNumber(it)}`;
    const text = document.createElement("span");
    text.textContent = `${itemLabel(it)} — ${(it.score * 100).toFixed(1)}%`;
    li.append(swatch, number, text);
    list.append(li);
  }
  const pop = $("popover");
  const stage = $("stage").getBoundingClientRect(); // the overlay covers the stage: fractions of either
  const left = Math.min(at.u * stage.width + 8, stage.width - pop.offsetWidth - 4);
  const top = Math.min(at.v * stage.height + 8, Math.max(0, stage.height - pop.offsetHeight - 4));
  pop.style.left = `${Math.max(4, left)}px`;
  pop.style.top = `${Math.max(4, top)}px`;
}

let hoverFrame = 0;
function hoverCanvas(ev) {
  cancelAnimationFrame(hoverFrame); // at most one hit test per frame however fast the pointer moves
  hoverFrame = requestAnimationFrame(() => {
    const [top] = instancesAt(pointAt(ev));
    setHighlight(top ? top.index : null);
  });
}

function closePopover() {
  $("popover").hidden = true;
  state.popoverAt = null;
}

// -- opening a stored result ----------------------------------------------------------------------
async function openResult(file) {
  clearError();
  if (!state.natural) return showProblem("noImage");
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    return showProblem("badResult");
  }
  const failed = doc && !Array.isArray(doc.results) && doc.error && typeof doc.error.code === "string";
  if (failed) return showRecordedError(errorOf(0, doc, () => null)); // read as the server's answers are
  const size = (v) => Number.isInteger(v) && v > 0;
  if (!doc || !Array.isArray(doc.results) || !doc.image || !size(doc.image.width) || !size(doc.image.height)) {
    return showProblem("badResult");
  }
  const { width, height } = doc.image;
  if (width !== state.natural.width || height !== state.natural.height) {
    showProblem("resultMismatch", { w: width, h: height, iw: state.natural.width, ih: state.natural.height });
  }
  setFrame(width, height);
  const items = [];
  try {
    for (const result of doc.results) {
      for (const inst of result.instances || []) {
        const full = decodeRle(inst.mask);
        const [h, w] = inst.mask.size;
        let layer = null;
        items.push({
          index: items.length, prompt: result.prompt, model_prompt: result.model_prompt, score: inst.score,
          box: inst.box, color: colorFor(items.length), hidden: false,
          layer: () => (layer ??= new BitLayer(full, h, w, state.frame.width, state.frame.height)),
          source: { rle: inst.mask },
        });
      }
    }
  } catch {
    return showProblem("badResult");
  }
  state.epoch += 1;
  state.response = null;
  state.imageInfo = { width, height };
  state.source = "result";
  state.resultSummary = { n: items.length, file: file.name };
  state.items = items;
  state.tabStop = null; // new instances: the list's tab stop starts at its top
  buildLegend();
  $("threshold").value = String(Math.max(0.05, Math.min(0.95, doc.threshold ?? 0.5)));
  $("mask-threshold").disabled = true; // stored masks are already cut
  $("run").textContent = t("run");
  renderTimings(doc.timings || null, NaN);
  render();
}

// -- downloads ------------------------------------------------------------------------------------
function baseName() {
  const name = (state.file && state.file.name) || "image";
  return name.replace(/\.[^.]+$/, "") || "image";
}

function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Run a download's work (in the export worker, so the page keeps answering) with its button busy and the
 * others off. What is exported is fixed when the button is pressed: items, thresholds and names are read
 * before the work starts. The button says how far the work is (`work` is handed `progress(fraction)`): at
 * a photo's full size it takes seconds, and a faded button alone looked like nothing happening. */
async function exporting(button, work) {
  state.exporting = true;
  updateDownloads();
  button.setAttribute("aria-busy", "true");
  button.style.minWidth = `${button.offsetWidth}px`; // the buttons beside it stay put
  const progress = (fraction) => {
    button.textContent = t("preparing", { pct: Math.floor(fraction * 100) });
  };
  progress(0);
  try {
    await work(progress);
  } catch (err) {
    showError(err);
  } finally {
    state.exporting = false;
    button.removeAttribute("aria-busy");
    button.style.minWidth = "";
    button.textContent = t(button.dataset.i18n);
    updateDownloads();
  }
}

function downloadOverlay() {
  const { width, height } = state.imageInfo;
  const cut = slider("mask-threshold");
  const items = drawn().sort((a, b) => b.score - a.score) // topmost first, as on screen
    .map((it) => ({ source: it.source, color: it.color }));
  const name = `${baseName()}.overlay.png`;
  // The worker decodes the picture itself: drawing the shown <img> into a bitmap here held the page
  // for 50 ms at 12 MP.
  const request = { kind: "overlay", picture: state.picture, width, height, cut, items };
  return downloadInWorker($("dl-overlay"), request, name);
}

/** kind: "masks" (the function's JSON), "coco" (COCO, RLE masks) or "coco-polygons" (COCO, polygons), built
 * in a worker from the instances on screen. */
function downloadJson(kind) {
  const { width, height } = state.imageInfo;
  const cut = slider("mask-threshold");
  const meta = {
    fileName: (state.file && state.file.name) || "image", width, height, threshold: slider("threshold"),
    maskThreshold: state.source === "candidates" ? cut : null,
    model: state.response ? state.response.model : null,
  };
  const items = drawn().map((it) => ({
    head: { prompt: it.prompt, model_prompt: it.model_prompt, score: it.score, box: it.box },
    source: it.source,
    id: itemNumber(it), // the number the legend shows, as the annotation's id
  }));
  return downloadInWorker($(`dl-${kind}`), { kind, meta, cut, items }, `${baseName()}.${kind}.json`);
}

/** Build `request` in the export worker with `button` busy, then hand the file to the browser as `name`. */
function downloadInWorker(button, request, name) {
  return exporting(button, async (progress) => save(await inWorker(request, progress), name));
}

/** A download built by export_worker.js from `request`, plain data and Blobs; `progress` is told its
 * fraction as the worker reports it. Resolves to the file, a Blob. */
function inWorker(request, progress) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./export_worker.js", import.meta.url), { type: "module" });
    const end = (settle, value) => {
      worker.terminate();
      settle(value);
    };
    worker.onmessage = ({ data }) => {
      if (data.blob) end(resolve, data.blob);
      else if (data.error) end(reject, new ApiError("export_failed", data.error));
      else progress(data.progress);
    };
    worker.onerror = (event) => { // its script did not load or run
      event.preventDefault();
      end(reject, new ApiError("export_failed", event.message || "the export worker did not start"));
    };
    worker.postMessage(request);
  });
}

// -- language -------------------------------------------------------------------------------------
// The Chinese the language button goes back to from English: the script last read, else the browser's.
let chinese = "zh";

function switchLanguage(lang) {
  setLanguage(lang);
  if (language() !== "en") chinese = language();
  try {
    localStorage.setItem("sam3fn.lang", language());
  } catch {
    /* private mode: the choice lasts this visit */
  }
  applyText();
  if (state.notice) setNotice(...state.notice);
  renderChips();
  renderStatus();
  renderFileName();
  if (state.lastTimings) renderTimings(...state.lastTimings);
  if (state.response) $("run").textContent = t("rerun");
  if (state.problem && !$("error").hidden) state.problem();
  buildLegend();
  render();
}

/** Every string on the page in the current language; the script button only where the page is in Chinese. */
function applyText() {
  apply(document);
  $("script").hidden = language() === "en";
}

// -- wiring ---------------------------------------------------------------------------------------
function firstImage(files) {
  return [...(files || [])].find((f) => f.type.startsWith("image/")) || null;
}

function wire() {
  window.addEventListener("resize", fitStage);
  // each input is emptied once read: choosing the same file again must fire `change` again
  $("file").addEventListener("change", (ev) => {
    loadImage(ev.target.files[0]);
    ev.target.value = "";
  });
  $("add-prompt").addEventListener("click", () => {
    addPrompts($("prompt-input").value);
    $("prompt-input").value = "";
    $("prompt-input").focus();
  });
  $("prompt-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey && !ev.isComposing) {
      ev.preventDefault();
      addPrompts(ev.target.value);
      ev.target.value = "";
    } else if (ev.key === "Backspace" && !ev.target.value && state.prompts.length) {
      removePrompt(state.prompts.length - 1);
    }
  });
  // a separator typed (or committed by an IME: ， 、) turns what precedes it into chips at once
  const takeFinished = (field) => {
    const parts = field.value.split(SEPARATORS);
    if (parts.length < 2) return;
    field.value = parts.pop().trimStart(); // the word still being typed
    addPrompts(parts.join("\n"));
  };
  $("prompt-input").addEventListener("input", (ev) => {
    if (!ev.isComposing) takeFinished(ev.target);
  });
  $("prompt-input").addEventListener("compositionend", (ev) => takeFinished(ev.target));
  $("run").addEventListener("click", run);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      run();
    } else if (ev.key === "Escape") {
      closePopover();
    }
  });
  for (const id of ["threshold", "mask-threshold"]) $(id).addEventListener("input", render);
  $("legend").addEventListener("keydown", legendKeys);
  $("legend").addEventListener("focusin", showFocusedRow);
  $("overlay").addEventListener("click", openPopover);
  $("overlay").addEventListener("mousemove", hoverCanvas);
  $("overlay").addEventListener("mouseleave", () => {
    cancelAnimationFrame(hoverFrame);
    setHighlight(null);
  });
  $("popover-close").addEventListener("click", closePopover);
  $("show-all").addEventListener("click", () => { for (const it of state.items) it.hidden = false; render(); });
  $("hide-all").addEventListener("click", () => { for (const it of shown()) it.hidden = true; render(); });
  $("dl-overlay").addEventListener("click", downloadOverlay);
  $("dl-masks").addEventListener("click", () => downloadJson("masks"));
  $("dl-coco").addEventListener("click", () => downloadJson("coco"));
  $("dl-coco-polygons").addEventListener("click", () => downloadJson("coco-polygons"));
  $("open-result").addEventListener("click", () => $("result-file").click());
  $("result-file").addEventListener("change", (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (file) openResult(file);
  });
  $("lang").addEventListener("click", () => switchLanguage(language() === "en" ? chinese : "en"));
  $("script").addEventListener("click", () => switchLanguage(language() === "zh" ? "zh-Hant" : "zh"));
  $("api-key").addEventListener("change", pollServer);
  $("settings-form").addEventListener("submit", (ev) => { ev.preventDefault(); pollServer(); });
  document.addEventListener("paste", (ev) => {
    const files = [...((ev.clipboardData && ev.clipboardData.files) || [])];
    const file = firstImage(files);
    if (file) {
      ev.preventDefault();
      loadImage(file);
    } else if (files.length) {
      ev.preventDefault();
      showProblem("notAnImage", { name: files[0].name });
    }
  });
  document.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (ev) => {
    if (!ev.relatedTarget) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (ev) => {
    ev.preventDefault();
    document.body.classList.remove("dragging");
    const files = [...(ev.dataTransfer ? ev.dataTransfer.files : [])];
    const image = firstImage(files);
    if (image) loadImage(image);
    const json = files.find((f) => f.name.endsWith(".json"));
    if (json) openResult(json);
    if (!image && !json && files.length) showProblem("notAnImage", { name: files[0].name });
  });
}

function start() {
  let saved = null;
  try {
    saved = localStorage.getItem("sam3fn.lang");
  } catch {
    saved = null;
  }
  const browser = navigator.languages || [navigator.language];
  setLanguage(initialLanguage(saved, browser));
  chinese = language() === "en" ? chineseFor(browser) : language();
  applyText();
  wire();
  addPrompts("");
  buildLegend();
  render();
  pollServer();
}

start();
