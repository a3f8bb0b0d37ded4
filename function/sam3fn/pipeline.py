"""Request -> image -> prompts -> result: the steps every entry point (HTTP, page, events, CLI) shares.

Framework-free and synchronous: the web layer runs `segment_bytes` on the inference worker thread.
"""

from __future__ import annotations

import time

from .core.errors import InputError, PromptError
from .core.images import RgbImage, decode_image
from .core.prompt_text import MAX_PROMPT_CHARS, control_character, excerpt, normalize_prompt
from .core.results import SegmentResult
from .core.segmenter import Prompt, Segmenter, SegmentOptions, check_prompt_texts


class TranslationRequired(InputError):
    """A Chinese prompt arrived and no translator could turn it into English."""

    code = "translation_unavailable"


class Pipeline:
    def __init__(self, segmenter: Segmenter | None, translator=None, max_pixels: int = 40_000_000,
                 max_prompts: int = 16):
        self.segmenter = segmenter  # None until the model loads: the CLI checks prompts before loading it
        self.translator = translator
        self.max_pixels = max_pixels
        self.max_prompts = max_prompts

    def prompts(self, texts: list[str]) -> list[Prompt]:
        """Check the prompts and give each its English model prompt (Chinese is translated, never passed on).

        Each is normalised here, once, before translation and the model (`normalize_prompt`: invisible
        format characters dropped, NFKC, whitespace collapsed); `Prompt.sent` keeps it as sent.
        """
        check_prompt_texts(texts)
        if len(texts) > self.max_prompts:
            raise PromptError(f"{len(texts)} prompts sent; at most {self.max_prompts} per request", code="too_many_prompts")
        return [self._prompt(position, text) for position, text in enumerate(texts, start=1)]

    def _prompt(self, position: int, sent: str) -> Prompt:
        from .translate import TranslationUnavailable, contains_cjk

        bad = control_character(sent)
        if bad is not None:
            raise PromptError(f"prompt {position} holds a control character (U+{ord(bad):04X}); a prompt is plain "
                              "text such as 'dog' or 'red car'", code="invalid_prompt")
        text = normalize_prompt(sent)  # not empty: `prompts` refused blank ones (check_prompt_texts normalises)
        if len(text) > MAX_PROMPT_CHARS:
            raise PromptError(f"prompt {position} is {len(text):,} characters long; at most {MAX_PROMPT_CHARS} are "
                              "accepted (SAM 3 reads 32 tokens): write a short noun phrase", code="prompt_too_long")
        if self.translator is None:
            if contains_cjk(text):
                raise TranslationRequired(f"prompt {excerpt(text)} is Chinese and no translator is configured; "
                                          "set SAM3FN_ARGOS_MODEL or send English")
            return Prompt(sent=sent, model=text.lower())
        try:
            t = self.translator.translate(text)  # English too: it comes back lowercased, method "none"
        except TranslationUnavailable as exc:
            raise TranslationRequired(str(exc)) from None
        return Prompt(sent=sent, model=t.english, translation=t.method)

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
