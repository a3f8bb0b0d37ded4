// Interface text in English and Chinese, Simplified (zh: the mainland) and Traditional (zh-Hant: Taiwan, Hong
// Kong, Macau). Elements carry data-i18n="key" (text), data-i18n-label (aria-label) or
// data-i18n-placeholder; apply() rewrites them all, t() formats one string.

export const STRINGS = {
  en: {
    title: "SAM 3 — segment anything by name",
    randomWeights: "Random weights: this server runs a tiny test model, so every mask here is noise, not a segmentation.",
    subtitle: "Name what to find (English or Chinese); every instance comes back with its mask and score.",
    language: "中文",
    languageLabel: "切换到中文",
    script: "繁體", // shown in Chinese only: the other script's name, in that script
    scriptLabel: "Switch to Traditional Chinese",
    imageHeading: "Image",
    dropHint: "Drop an image here, paste one (Ctrl+V), or",
    choose: "choose a file",
    promptsHeading: "Prompts",
    promptInput: "Add a prompt",
    promptPlaceholder: "e.g. dog, red car, 穿蓝色夹克的人 — Enter to add",
    addPrompt: "Add",
    removePrompt: "Remove prompt {name}",
    run: "Segment",
    rerun: "Run again",
    runHint: "Ctrl+Enter runs. Sliders below change the result instantly, without running again.",
    threshold: "Detection threshold",
    thresholdHint: "Show instances scoring at least this.",
    maskThreshold: "Mask refinement",
    maskThresholdHint: "Probability cut-off of mask pixels: lower grows masks, higher tightens them.",
    legendHeading: "Instances",
    legendEmpty: "No instance reaches the detection threshold. Lower it or try another prompt.",
    showAll: "Show all",
    hideAll: "Hide all",
    toggleLayer: "Show {name}",
    legendKeys: "↑ ↓ move between instances · Space shows or hides one",
    area: "area",
    timingsHeading: "Timings (ms)",
    downloadsHeading: "Download",
    downloadOverlay: "Overlay PNG",
    downloadMasks: "Masks (JSON, RLE)",
    downloadCoco: "COCO results (RLE)",
    downloadCocoPolygons: "COCO results (polygons)",
    downloadsHint: "Polygons import as editable outlines into annotation tools such as CVAT or Roboflow (holes are filled); RLE keeps every pixel.",
    preparing: "Preparing… {pct}%",
    openResult: "Open a result JSON…",
    openResultHint: "Review a result the function wrote to the bucket (results/<name>.json) over its image.",
    serverSettings: "Server settings",
    apiKey: "API key (if the server asks for one)",
    statusLoading: "Model loading…",
    statusFailed: "The server failed to start (see the server log)",
    statusReady: "Ready · {backend} · {device} · {precision}",
    statusDown: "Server unreachable",
    uploading: "Uploading… {pct}%",
    inferring: "Running the model… {s} s",
    waitLoading: "The model is loading (the server has just started). Trying again in {s} s…",
    waitBusy: "The server is busy. Trying again in {s} s…",
    done: "{n} {n:instance|instances} · {p} {p:prompt|prompts} · {ms} ms on the server",
    noImage: "Add an image first.",
    noPrompt: "Add at least one prompt.",
    popoverNone: "No instance here.",
    overlayLabel: "Masks over the image: click a pixel to list the instances there",
    popoverTitle: "At this pixel",
    popoverClose: "Close",
    stage_decode_image_ms: "decode image",
    stage_preprocess_ms: "preprocess",
    stage_image_encode_ms: "image encoder",
    stage_text_encode_ms: "text encoder",
    stage_mask_decode_ms: "mask decoder",
    stage_postprocess_ms: "post-process",
    stage_total_ms: "server total",
    stage_round_trip_ms: "round trip (browser)",
    cached: "cached",
    translatedBy: "translated by {method}",
    resultLoaded: "Showing {n} {n:instance|instances} from {file}.",
    resultMismatch: "This result is for a {w}×{h} image; the image shown is {iw}×{ih}.",
    badResult: "This file is not a sam3fn result JSON.",
    imageUnreadable: "Your browser cannot display this file as an image.",
    convertedByServer: "shown as the server reads it (your browser cannot display this format)",
    notAnImage: "“{name}” is not an image. Drop or paste a photo (PNG, JPEG, WebP…) or a result JSON.",
    resultFailed: "This result records that the function could not process its image:",
    err_object_too_large: "The image in the bucket is larger than this server accepts.",
    err_network: "Could not reach the server. Check that it is running, then try again.",
    err_invalid_image: "The server could not read this file as an image (PNG, JPEG, WebP, BMP, GIF or TIFF).",
    err_empty_image: "The image file is empty.",
    err_image_too_large: "The image has too many pixels for this server.",
    err_body_too_large: "The file is larger than this server accepts.",
    err_body_too_large_sized: "The file is {size} MB; this server accepts at most {limit} MB. Save it smaller (as JPEG, or with fewer pixels) and try again.",
    err_empty_prompt: "A prompt is empty; write a noun phrase such as “dog”.",
    err_too_many_prompts: "Too many prompts for one run.",
    err_translation_unavailable: "A Chinese prompt could not be translated offline. Try a simpler phrase or English.",
    err_several_things: "A prompt names several things (such as “狗和猫”). SAM 3 finds one kind of thing per prompt: add each as a prompt of its own.",
    err_several_things_named: "“{prompt}” names {count} things: {parts}. SAM 3 finds one kind of thing per prompt: add each as a prompt of its own.",
    err_several_things_many: "{count} prompts each name several things: {prompts}. SAM 3 finds one kind of thing per prompt: add each as a prompt of its own.",
    joinedPrompt: "“{prompt}” ({parts})",
    joinedSeparator: "; ",
    splitPrompts: "Split into one prompt per thing and run again",
    splitPromptsNamed: "Split into {parts} and run again",
    listSeparator: ", ",
    err_overloaded: "The server is busy. Try again in a few seconds.",
    err_not_ready: "The model is still loading. Try again in a few seconds.",
    err_model_unavailable: "The server could not start (its model, or a setting it cannot use); the line below says why. Its operator has to fix that and restart it.",
    err_unauthorized: "This server needs an API key: enter it under “Server settings”.",
    err_invalid_option: "A setting is out of range.",
    err_export_failed: "The download could not be prepared in this browser.",
    err_unknown: "The server could not complete the request.",
    requestId: "request id",
  },
  zh: {
    title: "SAM 3 — 按名称分割一切",
    randomWeights: "随机权重：此服务器运行的是微型测试模型，这里的掩码都是噪声，不是分割结果。",
    subtitle: "输入要找的东西（中文或英文），每个实例都会返回掩码和置信度。",
    language: "English",
    languageLabel: "Switch to English",
    script: "繁體",
    scriptLabel: "切換到繁體中文",
    imageHeading: "图片",
    dropHint: "把图片拖到这里、粘贴（Ctrl+V），或",
    choose: "选择文件",
    promptsHeading: "提示词",
    promptInput: "添加提示词",
    promptPlaceholder: "例如：狗、红色汽车、穿蓝色夹克的人 — 回车添加",
    addPrompt: "添加",
    removePrompt: "删除提示词 {name}",
    run: "分割",
    rerun: "重新运行",
    runHint: "Ctrl+回车运行。下面的滑块会立即改变结果，无需重新运行。",
    threshold: "检测阈值",
    thresholdHint: "只显示置信度不低于此值的实例。",
    maskThreshold: "掩码精细度",
    maskThresholdHint: "掩码像素的概率阈值：越低掩码越大，越高越紧。",
    legendHeading: "实例",
    legendEmpty: "没有实例达到检测阈值。请降低阈值或换个提示词。",
    showAll: "全部显示",
    hideAll: "全部隐藏",
    toggleLayer: "显示 {name}",
    legendKeys: "↑ ↓ 在实例间移动 · 空格键显示或隐藏",
    area: "面积",
    timingsHeading: "耗时（毫秒）",
    downloadsHeading: "下载",
    downloadOverlay: "叠加图 PNG",
    downloadMasks: "掩码（JSON，RLE）",
    downloadCoco: "COCO 结果（RLE）",
    downloadCocoPolygons: "COCO 结果（多边形）",
    downloadsHint: "多边形导入 CVAT、Roboflow 等标注工具后是可编辑的轮廓（孔洞会被填充）；RLE 保留每个像素。",
    preparing: "准备中… {pct}%",
    openResult: "打开结果 JSON…",
    openResultHint: "在原图上查看函数写入存储桶的结果（results/<名称>.json）。",
    serverSettings: "服务器设置",
    apiKey: "API 密钥（服务器要求时填写）",
    statusLoading: "模型加载中…",
    statusFailed: "服务器启动失败（见服务器日志）",
    statusReady: "就绪 · {backend} · {device} · {precision}",
    statusDown: "无法连接服务器",
    uploading: "上传中… {pct}%",
    inferring: "模型运行中… {s} 秒",
    waitLoading: "模型正在加载（服务刚刚启动），{s} 秒后自动重试…",
    waitBusy: "服务器繁忙，{s} 秒后自动重试…",
    done: "{n} 个实例 · {p} 个提示词 · 服务器用时 {ms} 毫秒",
    noImage: "请先添加图片。",
    noPrompt: "请至少添加一个提示词。",
    popoverNone: "此处没有实例。",
    overlayLabel: "图片上的掩码：点击像素查看该处的实例",
    popoverTitle: "此像素处",
    popoverClose: "关闭",
    stage_decode_image_ms: "图片解码",
    stage_preprocess_ms: "预处理",
    stage_image_encode_ms: "图像编码器",
    stage_text_encode_ms: "文本编码器",
    stage_mask_decode_ms: "掩码解码器",
    stage_postprocess_ms: "后处理",
    stage_total_ms: "服务器合计",
    stage_round_trip_ms: "往返（浏览器）",
    cached: "缓存",
    translatedBy: "由 {method} 翻译",
    resultLoaded: "显示 {file} 中的 {n} 个实例。",
    resultMismatch: "此结果对应 {w}×{h} 的图片；当前图片为 {iw}×{ih}。",
    badResult: "此文件不是 sam3fn 的结果 JSON。",
    imageUnreadable: "浏览器无法显示此文件。",
    convertedByServer: "浏览器无法显示此格式，显示的是服务器读取的图像",
    notAnImage: "“{name}”不是图片。请拖入或粘贴照片（PNG、JPEG、WebP…）或结果 JSON。",
    resultFailed: "此结果记录了函数未能处理该图片：",
    err_object_too_large: "存储桶中的图片超出此服务器允许的大小。",
    err_network: "无法连接服务器。请确认它正在运行后重试。",
    err_invalid_image: "服务器无法将此文件读取为图片（支持 PNG、JPEG、WebP、BMP、GIF、TIFF）。",
    err_empty_image: "图片文件是空的。",
    err_image_too_large: "图片像素过多，超出此服务器的限制。",
    err_body_too_large: "文件超出此服务器允许的大小。",
    err_body_too_large_sized: "文件大小为 {size} MB，此服务器最多接受 {limit} MB。请另存为更小的文件（如 JPEG 或降低分辨率）后重试。",
    err_empty_prompt: "有提示词是空的；请写一个名词短语，例如“狗”。",
    err_too_many_prompts: "一次运行的提示词太多。",
    err_translation_unavailable: "有中文提示词无法离线翻译。请换个更简单的说法或使用英文。",
    err_several_things: "有提示词同时写了几样东西（例如“狗和猫”）。SAM 3 每个提示词只找一类东西：请把它们分别添加为单独的提示词。",
    err_several_things_named: "“{prompt}”写了 {count} 样东西：{parts}。SAM 3 每个提示词只找一类东西：请把它们分别添加为单独的提示词。",
    err_several_things_many: "有 {count} 个提示词各写了几样东西：{prompts}。SAM 3 每个提示词只找一类东西：请把它们分别添加为单独的提示词。",
    joinedPrompt: "“{prompt}”（{parts}）",
    joinedSeparator: "；",
    splitPrompts: "拆成每样东西一个提示词并重新运行",
    splitPromptsNamed: "拆成 {parts} 并重新运行",
    listSeparator: "、",
    err_overloaded: "服务器繁忙，请几秒后重试。",
    err_not_ready: "模型仍在加载，请几秒后重试。",
    err_model_unavailable: "服务器未能启动（模型，或有无法使用的设置），原因见下一行。需要由服务的管理员修复后重启。",
    err_unauthorized: "此服务器需要 API 密钥：请在“服务器设置”中填写。",
    err_invalid_option: "有设置超出范围。",
    err_export_failed: "此浏览器未能准备该下载文件。",
    err_unknown: "服务器未能完成请求。",
    requestId: "请求编号",
  },
  // The Simplified table in Taiwan's words and characters: OpenCC s2twp, then the annotation-tool words it
  // gets wrong (实例 stays 實例, not its programming 例項); tests/frontend/test_traditional_text.py makes it and
  // keeps the two in step.
  "zh-Hant": {
    title: "SAM 3 — 按名稱分割一切",
    randomWeights: "隨機權重：此伺服器執行的是微型測試模型，這裡的遮罩都是雜訊，不是分割結果。",
    subtitle: "輸入要找的東西（中文或英文），每個實例都會回傳遮罩和信心分數。",
    language: "English",
    languageLabel: "Switch to English",
    script: "简体",
    scriptLabel: "切换到简体中文",
    imageHeading: "圖片",
    dropHint: "把圖片拖到這裡、貼上（Ctrl+V），或",
    choose: "選擇檔案",
    promptsHeading: "提示詞",
    promptInput: "新增提示詞",
    promptPlaceholder: "例如：狗、紅色汽車、穿藍色夾克的人 — 按 Enter 新增",
    addPrompt: "新增",
    removePrompt: "刪除提示詞 {name}",
    run: "分割",
    rerun: "重新執行",
    runHint: "Ctrl+Enter 執行。下面的滑桿會立即改變結果，無需重新執行。",
    threshold: "偵測閾值",
    thresholdHint: "只顯示信心分數不低於此值的實例。",
    maskThreshold: "遮罩精細度",
    maskThresholdHint: "遮罩畫素的機率閾值：越低遮罩越大，越高越緊。",
    legendHeading: "實例",
    legendEmpty: "沒有實例達到偵測閾值。請降低閾值或換個提示詞。",
    showAll: "全部顯示",
    hideAll: "全部隱藏",
    toggleLayer: "顯示 {name}",
    legendKeys: "↑ ↓ 在實例間移動 · 空格鍵顯示或隱藏",
    area: "面積",
    timingsHeading: "耗時（毫秒）",
    downloadsHeading: "下載",
    downloadOverlay: "疊加圖 PNG",
    downloadMasks: "遮罩（JSON，RLE）",
    downloadCoco: "COCO 結果（RLE）",
    downloadCocoPolygons: "COCO 結果（多邊形）",
    downloadsHint: "多邊形匯入 CVAT、Roboflow 等標註工具後是可編輯的輪廓（孔洞會被填充）；RLE 保留每個畫素。",
    preparing: "準備中… {pct}%",
    openResult: "開啟結果 JSON…",
    openResultHint: "在原圖上檢視函式寫入儲存桶的結果（results/<名稱>.json）。",
    serverSettings: "伺服器設定",
    apiKey: "API 金鑰（伺服器要求時填寫）",
    statusLoading: "模型載入中…",
    statusFailed: "伺服器啟動失敗（見伺服器日誌）",
    statusReady: "就緒 · {backend} · {device} · {precision}",
    statusDown: "無法連線伺服器",
    uploading: "上傳中… {pct}%",
    inferring: "模型執行中… {s} 秒",
    waitLoading: "模型正在載入（服務剛剛啟動），{s} 秒後自動重試…",
    waitBusy: "伺服器繁忙，{s} 秒後自動重試…",
    done: "{n} 個實例 · {p} 個提示詞 · 伺服器用時 {ms} 毫秒",
    noImage: "請先新增圖片。",
    noPrompt: "請至少新增一個提示詞。",
    popoverNone: "此處沒有實例。",
    overlayLabel: "圖片上的遮罩：點選畫素檢視該處的實例",
    popoverTitle: "此畫素處",
    popoverClose: "關閉",
    stage_decode_image_ms: "圖片解碼",
    stage_preprocess_ms: "預處理",
    stage_image_encode_ms: "影像編碼器",
    stage_text_encode_ms: "文字編碼器",
    stage_mask_decode_ms: "遮罩解碼器",
    stage_postprocess_ms: "後處理",
    stage_total_ms: "伺服器合計",
    stage_round_trip_ms: "往返（瀏覽器）",
    cached: "快取",
    translatedBy: "由 {method} 翻譯",
    resultLoaded: "顯示 {file} 中的 {n} 個實例。",
    resultMismatch: "此結果對應 {w}×{h} 的圖片；目前圖片為 {iw}×{ih}。",
    badResult: "此檔案不是 sam3fn 的結果 JSON。",
    imageUnreadable: "瀏覽器無法顯示此檔案。",
    convertedByServer: "瀏覽器無法顯示此格式，顯示的是伺服器讀取的影像",
    notAnImage: "「{name}」不是圖片。請拖入或貼上照片（PNG、JPEG、WebP…）或結果 JSON。",
    resultFailed: "此結果記錄了函式未能處理該圖片：",
    err_object_too_large: "儲存桶中的圖片超出此伺服器允許的大小。",
    err_network: "無法連線伺服器。請確認它正在執行後重試。",
    err_invalid_image: "伺服器無法將此檔案讀取為圖片（支援 PNG、JPEG、WebP、BMP、GIF、TIFF）。",
    err_empty_image: "圖片檔案是空的。",
    err_image_too_large: "圖片畫素過多，超出此伺服器的限制。",
    err_body_too_large: "檔案超出此伺服器允許的大小。",
    err_body_too_large_sized: "檔案大小為 {size} MB，此伺服器最多接受 {limit} MB。請另存為更小的檔案（如 JPEG 或降低解析度）後重試。",
    err_empty_prompt: "有提示詞是空的；請寫一個名詞片語，例如「狗」。",
    err_too_many_prompts: "一次執行的提示詞太多。",
    err_translation_unavailable: "有中文提示詞無法離線翻譯。請換個更簡單的說法或使用英文。",
    err_several_things: "有提示詞同時寫了幾樣東西（例如「狗和貓」）。SAM 3 每個提示詞只找一類東西：請把它們分別新增為單獨的提示詞。",
    err_several_things_named: "「{prompt}」寫了 {count} 樣東西：{parts}。SAM 3 每個提示詞只找一類東西：請把它們分別新增為單獨的提示詞。",
    err_several_things_many: "有 {count} 個提示詞各寫了幾樣東西：{prompts}。SAM 3 每個提示詞只找一類東西：請把它們分別新增為單獨的提示詞。",
    joinedPrompt: "「{prompt}」（{parts}）",
    joinedSeparator: "；",
    splitPrompts: "拆成每樣東西一個提示詞並重新執行",
    splitPromptsNamed: "拆成 {parts} 並重新執行",
    listSeparator: "、",
    err_overloaded: "伺服器繁忙，請幾秒後重試。",
    err_not_ready: "模型仍在載入，請幾秒後重試。",
    err_model_unavailable: "伺服器未能啟動（模型，或有無法使用的設定），原因見下一行。需要由服務的管理員修復後重啟。",
    err_unauthorized: "此伺服器需要 API 金鑰：請在「伺服器設定」中填寫。",
    err_invalid_option: "有設定超出範圍。",
    err_export_failed: "此瀏覽器未能準備該下載檔案。",
    err_unknown: "伺服器未能完成請求。",
    requestId: "請求編號",
  },
};

export const LANGUAGES = Object.keys(STRINGS);
let current = "en";

const HTML_LANG = { en: "en", zh: "zh-CN", "zh-Hant": "zh-TW" };
// Chinese written in Traditional characters: said outright (zh-Hant-*), or the regions that write it.
const TRADITIONAL = /^zh-(hant|tw|hk|mo)(-|$)/;

/** The table for a browser language tag (BCP 47), or null: zh-TW, zh-HK, zh-MO and zh-Hant-* read
 * Traditional, other Chinese (zh-CN, zh-SG, zh-Hans-HK) Simplified. */
export function tableFor(tag) {
  const lower = String(tag).toLowerCase();
  const base = lower.split("-")[0];
  if (base === "zh") return TRADITIONAL.test(lower) ? "zh-Hant" : "zh";
  return STRINGS[base] ? base : null;
}

/** The language to start in: a saved choice, else the browser's first one the page has, else English. */
export function initialLanguage(saved, browserLanguages) {
  if (saved && STRINGS[saved]) return saved;
  for (const tag of browserLanguages || []) {
    const table = tableFor(tag);
    if (table) return table;
  }
  return "en";
}

/** The Chinese the language button switches to from English: the script of the browser's first Chinese. */
export function chineseFor(browserLanguages) {
  const tag = (browserLanguages || []).find((t) => tableFor(t)?.startsWith("zh"));
  return tag ? tableFor(tag) : "zh";
}

export function setLanguage(lang) {
  current = STRINGS[lang] ? lang : "en";
  return current;
}

export function language() {
  return current;
}

/** The string for `key` in the current language with {name} placeholders filled in; {name:one|other} is
 * the word that agrees with the number `name` (English: 1 instance, 2 instances; Chinese has no plural). */
export function t(key, values = {}) {
  const table = STRINGS[current];
  const text = key in table ? table[key] : STRINGS.en[key] ?? key;
  const plural = new Intl.PluralRules(HTML_LANG[current]);
  return text
    .replace(/\{(\w+):([^|{}]*)\|([^|{}]*)\}/g, (whole, name, one, other) =>
      name in values ? (plural.select(Number(values[name])) === "one" ? one : other) : whole)
    .replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

export function has(key) {
  return key in STRINGS.en;
}

/** Rewrite every element under `root` that names a string. */
export function apply(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  root.documentElement.lang = HTML_LANG[current];
  root.title = t("title");
}
