"""Request -> image -> prompts -> result: the steps every entry point (HTTP, page, events, CLI) shares.

Framework-free and synchronous: the web layer runs `segment_bytes` on the inference worker thread.
"""

from __future__ import annotations

import time

from .core.errors import InputError, PromptError
from .core.images import RgbImage, decode_image
from .core.results import SegmentResult
from .core.segmenter import Prompt, Segmenter, SegmentOptions, check_prompt_texts


class TranslationRequired(InputError):
    """A Chinese prompt arrived and no translator could turn it into English."""

    code = "translation_unavailable"


class Pipeline:
    def __init__(self, segmenter: Segmenter, translator=None, max_pixels: int = 40_000_000, max_prompts: int = 16):
        self.segmenter = segmenter
        self.translator = translator
        self.max_pixels = max_pixels
        self.max_prompts = max_prompts

    def prompts(self, texts: list[str]) -> list[Prompt]:
        """Check the prompts and give each its English model prompt (Chinese is translated, never passed on)."""
        check_prompt_texts(texts)
        if len(texts) > self.max_prompts:
            raise PromptError(f"{len(texts)} prompts sent; at most {self.max_prompts} per request", code="too_many_prompts")
        return [self._prompt(t) for t in texts]

    def _prompt(self, text: str) -> Prompt:
        from .translate import TranslationUnavailable, contains_cjk

        if self.translator is None:
            if contains_cjk(text):
                raise TranslationRequired(f"prompt {text!r} is Chinese and no translator is configured; "
                                          "set SAM3FN_ARGOS_MODEL or send English")
            return Prompt.plain(text)
        try:
            t = self.translator.translate(text)  # English too: it comes back normalised, method "none"
        except TranslationUnavailable as exc:
            raise TranslationRequired(str(exc)) from None
        return Prompt(sent=text, model=t.english, translation=t.method)

    def segment_bytes(self, data: bytes, prompts: list[Prompt], options: SegmentOptions) -> tuple[RgbImage, SegmentResult]:
        image, decode_ms = timed_decode(data, self.max_pixels)
        return image, self.segment_image(image, prompts, options, decode_ms)

    def segment_image(self, image: RgbImage, prompts: list[Prompt], options: SegmentOptions,
                      decode_ms: float = 0.0) -> SegmentResult:
        """Segment an already decoded image; `decode_ms` is added to its timings."""
        result = self.segmenter.run(image, prompts, options)
        result.timings.decode_image_ms = decode_ms
        result.timings.total_ms += decode_ms
        return result


def timed_decode(data: bytes, max_pixels: int) -> tuple[RgbImage, float]:
    """decode_image plus its wall time in milliseconds."""
    start = time.perf_counter()
    image = decode_image(data, max_pixels)
    return image, (time.perf_counter() - start) * 1000.0
