"""What a translation returns, and the error when none is possible."""

from __future__ import annotations

import msgspec


class Translation(msgspec.Struct, frozen=True):
    source: str  # prompt as sent
    english: str  # what the model receives
    method: str  # "none" | "glossary" | "argos"


class TranslationUnavailable(Exception):
    """A prompt with Chinese (or other CJK) text could not be turned into English; the message says why."""
