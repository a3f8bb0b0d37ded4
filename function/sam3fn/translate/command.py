"""`sam3fn translate TEXT...`: print how each prompt would reach the model."""

from __future__ import annotations

import sys
from typing import TextIO

from ..core.prompt_text import MAX_PROMPT_CHARS, normalize_prompt
from .translation import TranslationUnavailable
from .translator import Translator


def run(texts: list[str], translator: Translator, out: TextIO | None = None) -> int:
    """One line per text to `out` (sys.stdout as it is at the call, so a redirected stdout gets them):
    `source<TAB>english<TAB>method`, or `source<TAB>-<TAB>unavailable: reason`.

    Returns 1 if any text could not be translated, else 0.
    """
    out = out or sys.stdout
    status = 0
    for text in texts:
        refused = _refused(text)
        if refused:  # segment refuses it before translating: a "translation" would hide that
            out.write(f"{one_line(text)}\t-\tunavailable: {refused}\n")
            status = 1
            continue
        try:
            result = translator.translate(text)
        except TranslationUnavailable as exc:
            out.write(f"{one_line(text)}\t-\tunavailable: {one_line(str(exc))}\n")
            status = 1
            continue
        out.write(f"{one_line(result.source)}\t{result.english}\t{result.method}\n")
    return status


def _refused(text: str) -> str | None:
    """Why segment refuses `text` before any translation (empty_prompt, prompt_too_long), or None."""
    if not text.strip():
        return "the prompt is empty"
    length = len(normalize_prompt(text))
    if length > MAX_PROMPT_CHARS:
        return f"the prompt is {length:,} characters long; at most {MAX_PROMPT_CHARS} are accepted"
    return None


def one_line(text: str) -> str:
    """Tabs and newlines inside a field would break the columns."""
    return " ".join(text.replace("\t", " ").splitlines())
