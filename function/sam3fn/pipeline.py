"""Request -> image -> prompts -> result: the steps every entry point (HTTP, page, events, CLI) shares.

Framework-free and synchronous: the web layer runs `segment_bytes` on the inference worker thread.
"""

from __future__ import annotations

import hashlib
import time

from .core.caches import LruCache
from .core.errors import InputError, PromptError, SeveralThingsError
from .core.images import RgbImage, decode_image
from .core.prompt_text import MAX_PROMPT_CHARS, control_character, excerpt, normalize_prompt
from .core.results import ImageInfo, SegmentResult
from .core.segmenter import Prompt, Segmenter, SegmentOptions, check_prompt_texts, image_info


class TranslationRequired(InputError):
    """A Chinese prompt arrived and no translator could turn it into English."""

    code = "translation_unavailable"


# Uploads remembered by the sha256 of their bytes: a few hundred bytes each, so far more than the image
# cache holds features for (an upload whose features were evicted is simply decoded again).
KNOWN_UPLOADS = 256


class Pipeline:
    def __init__(self, segmenter: Segmenter | None, translator=None, max_pixels: int = 40_000_000,
                 max_prompts: int = 16):
        self.segmenter = segmenter  # None until the model loads: the CLI checks prompts before loading it
        self.translator = translator
        self.max_pixels = max_pixels
        self.max_prompts = max_prompts
        self.uploads: LruCache[ImageInfo] = LruCache(KNOWN_UPLOADS)  # sha256 of the bytes -> what they decode to

    def prompts(self, texts: list[str]) -> list[Prompt]:
        """Check the prompts and give each its English model prompt (Chinese is translated, never passed on).

        Each is normalised here, once, before translation and the model (`normalize_prompt`: invisible
        format characters dropped, NFKC, whitespace collapsed); `Prompt.sent` keeps it as sent.
        """
        from .translate import SeveralThings

        self.check_prompts(texts)
        prompts, joined = [], []
        for text in texts:
            try:
                prompts.append(self._prompt(text))
            except SeveralThings as exc:
                # every joined prompt is named in one refusal, so they are all split in one go, not one a request
                joined.append((text, exc.parts))
            except InputError:
                if joined:
                    break  # the first problem in the request's order is the one reported
                raise
        if joined:
            raise SeveralThingsError(joined)
        return prompts

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
        from .translate import SeveralThings, TranslationUnavailable, contains_cjk

        text = normalize_prompt(sent)  # checked by check_prompts: not blank, no control character, not too long
        if self.translator is None:
            if contains_cjk(text):
                raise TranslationRequired(f"prompt {excerpt(text)} is Chinese and no translator is configured; "
                                          "set SAM3FN_ARGOS_MODEL or send English")
            return Prompt(sent=sent, model=text.lower())
        try:
            t = self.translator.translate(text)  # English too: it comes back lowercased, method "none"
        except SeveralThings:
            raise  # Pipeline.prompts gathers them all into one refusal
        except TranslationUnavailable as exc:
            raise TranslationRequired(str(exc)) from None
        return Prompt(sent=sent, model=t.english, translation=t.method)

    def segment_bytes(self, data: bytes, prompts: list[Prompt], options: SegmentOptions,
                      need_pixels: bool = True) -> tuple[RgbImage | None, SegmentResult]:
        """Decode and segment image bytes; the image is returned for callers that draw on it (a large JPEG is
        decoded reduced for the model: draw on `image.full_pixels()`).

        Without `need_pixels`, bytes seen before whose features are still cached are not decoded again
        (the image is then None): the page sends its image with every run, and decoding a 1008 px PNG
        took 45 ms of a 113 ms request on the H200's host (`bench/results/serve-latency-20261125T174645.md`),
        where hashing the bytes takes about 1 ms. The bytes decode to the same pixels every time, so the
        features, and so the result, are the ones decoding would have led to.
        """
        start = time.perf_counter()
        digest = hashlib.sha256(data).digest()
        known = None if need_pixels else self.uploads.get(digest)
        state = None if known is None else self.segmenter.cached_state(known)
        image = None if state is not None else decode_image(data, self.max_pixels, self.segmenter.model.spec.size)
        read_ms = (time.perf_counter() - start) * 1000.0  # the hash, the look-up and any decode
        if state is None:
            self.uploads.put(digest, image_info(image))
            # A known upload's features were looked up just now and found evicted: encode, without asking again.
            state = self.segmenter.set_images([image])[0] if known is not None else self.segmenter.set_image(image)
        return image, _with_read_ms(self.segmenter.segment(state, prompts, options), read_ms)


def _with_read_ms(result: SegmentResult, ms: float) -> SegmentResult:
    """`result` with the time taken to read its image (hash, decode) as decode_image_ms, in its total."""
    result.timings.decode_image_ms = ms
    result.timings.total_ms += ms
    return result
