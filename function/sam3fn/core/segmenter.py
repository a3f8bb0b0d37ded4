"""Encode once, query many: the segmentation core callers use.

    state = segmenter.set_image(image)             # image features, cached by content hash
    result = segmenter.segment(state, prompts, o)  # all prompts decoded in one batched pass

`ImageState` is an explicit value, not state kept on the segmenter, so concurrent requests for
different images never see each other's features.
"""

from __future__ import annotations

import base64
import os
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

import torch

from .caches import LruCache
from .cuda_graphs import bucket_for
from .encodings import encode_rle_tensor, encode_rle_window, mask_to_polygons, probs_to_png
from .engine import ImageFeatures
from .errors import InputError, PromptError
from .images import RgbImage
from .loader import LoadedModel
from .prompt_text import normalize_prompt
from .postprocess import Candidates, Kept, instance_masks, select_candidates, select_instances
from .preprocess import to_pixels
from .refine import refine_window
from .results import Candidate, ImageInfo, Instance, ModelInfo, ProbMap, PromptResult, SegmentResult, Timings
from .timing import Stopwatch
from .windows import bounding_windows, instance_windows

# Candidate maps are PNG-encoded on threads (zlib releases the GIL): 100 maps took 320 ms on one core.
PNG_THREADS = min(8, os.cpu_count() or 1)
TEXT_TOKENS = 32  # SAM 3's CLIP text encoder has 32 positions, start and end tokens included


@dataclass(frozen=True)
class Prompt:
    """One prompt: `sent` as the user wrote it, `model` the English the model receives, and how."""

    sent: str
    model: str
    translation: str = "none"

    @classmethod
    def plain(cls, text: str) -> "Prompt":
        """An English prompt, whitespace and case normalised (CLIP's tokenizer lowercases anyway)."""
        return cls(sent=text, model=" ".join(text.split()).lower())


# The options that are fractions, refused outside [0, 1] (invalid_option); the web layer documents the range.
UNIT_OPTIONS = ("threshold", "mask_threshold", "refine", "candidate_floor")


@dataclass(frozen=True)
class SegmentOptions:
    threshold: float = 0.5
    mask_threshold: float = 0.5
    refine: float = 0.0  # 0 = masks as decoded; 1 = strongest smoothing / hole filling
    non_overlapping: bool = False
    polygons: bool = False
    # Also return every query scoring >= this, with low-resolution mask probabilities, so a viewer can
    # move the thresholds without another inference. None: no candidates.
    candidate_floor: float | None = None

    def __post_init__(self) -> None:
        for name in UNIT_OPTIONS:
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"{name} must be between 0 and 1, got {value}", code="invalid_option")


@dataclass(frozen=True)
class ImageState:
    """One image's decoder-ready features. `features` tensors have batch 1."""

    image: ImageInfo
    features: ImageFeatures
    cached: bool = False
    stage_ms: dict[str, float] = field(default_factory=dict)


def image_info(image: RgbImage) -> ImageInfo:
    """What results say of an image, and all the feature cache needs to find its features: size and hash."""
    return ImageInfo(width=image.width, height=image.height, sha256=image.sha256)


def check_prompt_texts(texts: list[str]) -> None:
    """At least one prompt, none blank: the check every entry point and the core share."""
    if not texts:
        raise PromptError("at least one prompt is needed", code="empty_prompt")
    for text in texts:
        if not normalize_prompt(text):  # "\u200b" is blank whoever builds the Prompt
            raise PromptError("a prompt is empty; write a noun phrase such as 'dog' or 'red car'", code="empty_prompt")


class Segmenter:
    def __init__(self, model: LoadedModel, image_cache: int = 8, text_cache: int = 1024) -> None:
        self.model = model
        self.engine = model.engine
        self.image_cache: LruCache[ImageFeatures] = LruCache(image_cache)
        self.text_cache: LruCache[tuple[torch.Tensor, torch.Tensor, bool]] = LruCache(text_cache)
        self._png_pool = ThreadPoolExecutor(PNG_THREADS, thread_name_prefix="sam3fn-png")
        self.info = ModelInfo(
            name=model.model_dir.name, random_weights=model.model_dir.random_weights,
            backend=self.engine.backend, device=str(model.device), precision=model.precision,
            cuda_graphs=getattr(self.engine, "cuda_graphs", False),
        )

    # -- image side ------------------------------------------------------------------------------
    def set_image(self, image: RgbImage) -> ImageState:
        """Features for `image`, from the cache when the same pixels were seen recently."""
        return self.cached_state(image_info(image)) or self.set_images([image])[0]

    def cached_state(self, info: ImageInfo) -> ImageState | None:
        """The state of an image whose features are still cached, from its ImageInfo alone: a caller that
        remembers which bytes decoded to which image can skip decoding them again. None once evicted."""
        features = self.image_cache.get(info.sha256)
        return None if features is None else ImageState(image=info, features=features, cached=True)

    def set_images(self, images: list[RgbImage]) -> list[ImageState]:
        """Encode several images in one batch (list in, list out, same length), filling the cache."""
        watch = Stopwatch(self.model.device)
        with watch.stage("preprocess_ms"):
            pixels = torch.cat([to_pixels(im, self.model.spec, self.model.device, self.engine.dtype) for im in images])
        with watch.stage("image_encode_ms"):
            batch = self.engine.encode_image(pixels)
        states = []
        for i, image in enumerate(images):
            features = batch.select(i)
            self.image_cache.put(image.sha256, features)
            states.append(ImageState(image=image_info(image), features=features, stage_ms=dict(watch.ms)))
        if len(states) != len(images):  # the engine must answer one feature set per image
            raise RuntimeError(f"encoded {len(states)} images for {len(images)} inputs")
        return states

    # -- text side -------------------------------------------------------------------------------
    def _tokenize(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, list[bool]]:
        tok = self.model.tokenizer
        full_lengths = [len(ids) for ids in tok(texts, verbose=False)["input_ids"]]
        enc = tok(texts, padding="max_length", max_length=TEXT_TOKENS, truncation=True, return_tensors="pt")
        dev = self.model.device
        return enc["input_ids"].to(dev), enc["attention_mask"].to(dev), [n > TEXT_TOKENS for n in full_lengths]

    def text_features(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, list[bool], int]:
        """(P, L, D) features, (P, L) mask, truncated flags and the cache-hit count for `texts`."""
        found = {t: self.text_cache.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t, v in found.items() if v is None]
        if missing:
            ids, mask, truncated = self._tokenize(missing)
            feats = self.engine.encode_text(ids, mask)
            for i, text in enumerate(missing):
                found[text] = (feats[i], mask[i], truncated[i])
                self.text_cache.put(text, found[text])
        rows = [found[t] for t in texts]
        hits = sum(1 for t in texts if t not in missing)
        return torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows]), [r[2] for r in rows], hits

    # -- query -----------------------------------------------------------------------------------
    def segment(self, state: ImageState, prompts: list[Prompt], options: SegmentOptions) -> SegmentResult:
        """Decode every prompt against one image in a single batched pass and build the result."""
        start = time.perf_counter()
        check_prompt_texts([p.model for p in prompts])
        texts = [normalize_prompt(p.model) for p in prompts]  # what the tokenizer gets
        watch = Stopwatch(self.model.device)
        with watch.stage("text_encode_ms"):
            text, text_mask, truncated, hits = self.text_features(texts)
        with watch.stage("mask_decode_ms"):
            raw = self.engine.decode(state.features, text, text_mask)
        with watch.stage("postprocess_ms"):
            height, width = state.image.height, state.image.width
            kept = select_instances(raw, height, width, options.threshold)
            instances = encode_instances(raw, kept, height, width, options)
            results = [
                PromptResult(prompt=p.sent, model_prompt=t, instances=found, translation=p.translation, truncated=tr)
                for p, t, found, tr in zip(prompts, texts, instances, truncated)
            ]
            if options.candidate_floor is not None:
                found = select_candidates(raw, height, width, options.candidate_floor)
                for result, cands in zip(results, found):
                    result.candidates = _candidate_list(cands, self._png_pool)
        warnings = [
            f"prompt {p.sent!r} is longer than the text encoder's {TEXT_TOKENS} tokens and was truncated"
            for p, tr in zip(prompts, truncated) if tr
        ]
        if self.info.random_weights:
            warnings.insert(0, "random weights: this output is noise, not a segmentation")
        timings = Timings(
            **state.stage_ms, **watch.ms, image_cached=state.cached, text_cached=hits,
            total_ms=sum(state.stage_ms.values()) + (time.perf_counter() - start) * 1000.0,
        )
        return SegmentResult(
            image=state.image, results=results, timings=timings, model=self.info, threshold=options.threshold,
            mask_threshold=options.mask_threshold, refine=options.refine, warnings=warnings,
            candidate_floor=options.candidate_floor,
        )

    def run(self, image: RgbImage, prompts: list[Prompt], options: SegmentOptions) -> SegmentResult:
        """set_image + segment in one call."""
        return self.segment(self.set_image(image), prompts, options)

    def warm_up(self, image: RgbImage, max_prompts: int) -> list[int]:
        """Run everything once before serving, so no request pays for lazy initialisation; returns the
        prompt batch sizes the text and decoder stages ran at.

        One full pass (one prompt), then, where the engine replays CUDA graphs, one text + decode pass per
        graph batch a request of up to `max_prompts` prompts can use: capturing costs tens of ms each, and
        the first request with 2..16 prompts would otherwise pay for it. Those extra passes call the engine
        directly, so they add nothing to the text cache.
        """
        state = self.set_image(image)
        self.segment(state, [Prompt.plain("object")], SegmentOptions())
        batches = warm_up_batches(getattr(self.engine, "graph_batches", ()), max_prompts)
        for batch in batches[1:]:
            ids, mask, _ = self._tokenize(["object"] * batch)
            self.engine.decode(state.features, self.engine.encode_text(ids, mask), mask)
        return batches


def warm_up_batches(graph_batches: tuple[int, ...], max_prompts: int) -> list[int]:
    """[1] plus every graph batch that some request of 1..max_prompts prompts runs in, ascending."""
    used = {bucket_for(n, graph_batches) for n in range(1, max_prompts + 1)}  # None: beyond every graph batch
    return sorted({1} | (used - {None}))


def encode_instances(raw, kept: list[Kept], height: int, width: int, options: SegmentOptions) -> list[list[Instance]]:
    """Per prompt, its instances with encoded masks, one chunk of masks at a time.

    On the CPU, only the window around each mask is made, and encoded, refined and traced for polygons
    there (`instance_windows`): whole-image work was most of the cost. On a GPU, masks are made whole and
    run-length encoded there (`instance_masks`); refinement and polygons are OpenCV work on the host, so
    for them each mask's bounding box comes to the host as its window.
    """
    on_host = raw.masks.device.type == "cpu"
    make = instance_windows if on_host else instance_masks
    out: list[list[Instance]] = [[] for _ in kept]
    for k, start, masks in make(raw, kept, height, width, options.mask_threshold, options.non_overlapping):
        if on_host or options.refine > 0 or options.polygons:  # host work, on windows
            windows = masks if on_host else bounding_windows(masks)
            if options.refine > 0:
                windows = [refine_window(m, options.refine, height, width) for m in windows]
            rles, areas = [encode_rle_window(m, height, width) for m in windows], [m.area for m in windows]
            polygons = [mask_to_polygons(m.pixels, offset=(m.left, m.top)) if options.polygons else None
                        for m in windows]
        else:
            rles, areas = encode_rle_tensor(masks), masks.flatten(1).sum(dim=1).cpu().numpy()
            polygons = [None] * len(rles)
        for i, (rle, area, poly) in enumerate(zip(rles, areas, polygons)):
            if not area:  # refinement drops islands smaller than a speck: a small mask can go whole
                continue
            out[k.prompt].append(Instance(score=round(float(k.scores[start + i]), 6),
                                          box=[round(float(v), 2) for v in k.boxes[start + i]],
                                          area=int(area), mask=rle, polygons=poly))
    return out


def _candidate_list(cands: Candidates, pool: Executor) -> list[Candidate]:
    pngs = pool.map(probs_to_png, cands.probs)
    return [
        Candidate(score=round(float(s), 6), box=[round(float(v), 2) for v in b],
                  probs=ProbMap(size=[int(p.shape[0]), int(p.shape[1])], png=base64.b64encode(png).decode()))
        for s, b, p, png in zip(cands.scores, cands.boxes, cands.probs, pngs)
    ]
