"""Request -> image -> prompts -> result: the steps every entry point (HTTP, page, events, CLI) shares.

Framework-free and synchronous: the web layer runs `segment_bytes` on the inference worker thread.
"""

from __future__ import annotations

import time

from .core.errors import InputError, PromptError
from .core.images import RgbImage, decode_image
from .core.results import SegmentResult
from .core.segmenter import Prompt, Segmenter, SegmentOptions


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
        if not texts:
            raise PromptError("at least one prompt is needed", code="empty_prompt")
        if len(texts) > self.max_prompts:
            raise PromptError(f"{len(texts)} prompts sent; at most {self.max_prompts} per request", code="too_many_prompts")
        return [self._prompt(t) for t in texts]

    def _prompt(self, text: str) -> Prompt:
        if not text or not text.strip():
            raise PromptError("a prompt is empty; write a noun phrase such as 'dog' or 'red car'", code="empty_prompt")
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
        start = time.perf_counter()
        image = decode_image(data, self.max_pixels)
        decode_ms = (time.perf_counter() - start) * 1000.0
        result = self.segmenter.run(image, prompts, options)
        result.timings.decode_image_ms = decode_ms
        result.timings.total_ms += decode_ms
        return image, result
