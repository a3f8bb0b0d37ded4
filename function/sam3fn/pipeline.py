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
        self.check_prompts(texts)
        return [self._prompt(text) for text in texts]

    def check_prompts(self, texts: list[str]) -> None:
        """Refuse, without translating, what no translation could mend: no prompt or too many, a blank one,
        one with a control character or one too long. Cheap, so the web layer checks before it fetches an
        image or queues for the model: a request that can only fail is refused first, with its own code."""
        check_prompt_texts(texts)
        if len(texts) > self.max_prompts:
            raise PromptError(f"{len(texts)} prompts sent; at most {self.max_prompts} per request", code="too_many_prompts")
        for position, sent in enumerate(texts, start=1):
            bad = control_character(sent)
            if bad is not None:
                raise PromptError(f"prompt {position} holds a control character (U+{ord(bad):04X}); a prompt is "
                                  "plain text such as 'dog' or 'red car'", code="invalid_prompt")
            length = len(normalize_prompt(sent))
            if length > MAX_PROMPT_CHARS:
                raise PromptError(f"prompt {position} is {length:,} characters long; at most {MAX_PROMPT_CHARS} are "
                                  "accepted (SAM 3 reads 32 tokens): write a short noun phrase", code="prompt_too_long")

    def _prompt(self, sent: str) -> Prompt:
        from .translate import TranslationUnavailable, contains_cjk

        text = normalize_prompt(sent)  # checked by check_prompts: not blank, no control character, not too long
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
