"""What a translation returns, and the error when none is possible."""

from __future__ import annotations

import msgspec


class Translation(msgspec.Struct, frozen=True):
    source: str  # prompt as sent
    english: str  # what the model receives
    method: str  # "none" | "glossary" | "argos"


class TranslationUnavailable(Exception):
    """A prompt with Chinese (or other CJK) text could not be turned into English; the message says why."""


class SeveralThings(TranslationUnavailable):
    """A prompt that joins things SAM 3 finds apart (狗和猫, 桌子与椅子): it looks for one kind of thing per prompt,
    and one joined prompt would put both kinds under one category. `parts` are (Chinese, English) for each,
    the prompts to send instead."""

    def __init__(self, message: str, parts: list[tuple[str, str]]):
        super().__init__(message)
        self.parts = parts
