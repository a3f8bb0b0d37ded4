"""Prompts as sent -> prompts as the translator and the model take them: the one normalisation every path
applies (the pipeline before translation, the translator for its own callers, the core before the
tokenizer), the control characters refused, how long a prompt may be, and how much of one an error
message quotes."""

from __future__ import annotations

import unicodedata

# Control characters that are whitespace (Unicode White_Space): a prompt typed in a form or a terminal
# may hold a tab or a line break, which mean a space. Every other control character (category Cc: NUL,
# escape, DEL, the C1 set) is no part of a noun phrase and is refused by `control_character`'s callers.
_WHITESPACE_CONTROLS = frozenset("\t\n\x0b\x0c\r\x85")
EXCERPT_CHARS = 60  # how much of a prompt an error message quotes

# SAM 3's text encoder reads 32 tokens, start and end included (transformers' Sam3 text config,
# max_position_embeddings); English noun phrases average a token per 4-5 characters, so 30 tokens are
# about 120-150 characters and anything past 200 is cut by the tokenizer anyway. Prompts longer than
# this (after normalisation) are refused instead of being tokenized, translated and cached at any size.
MAX_PROMPT_CHARS = 200


def control_character(text: str) -> str | None:
    """The first control character in `text` that is not whitespace, or None."""
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in _WHITESPACE_CONTROLS:
            return char
    return None


def normalize_prompt(text: str) -> str:
    """A prompt as the translator and the model take it, the one normalisation every path applies:
    Unicode format characters (category Cf: zero-width space and joiners, BOM, soft hyphen, direction
    marks), invisible and pasted along from web pages and chat apps, dropped; NFKC (full-width latin to
    ASCII, ligatures and compatibility forms to plain letters, the ideographic space to a space); every
    run of whitespace (tabs and line breaks included) one space; trimmed. Idempotent. Case is kept:
    lowercasing belongs to what comes next (translation, English pass-through)."""
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", visible).split())  # NFKC makes no Cf character of another


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` quoted for an error message, cut to `limit` characters with an ellipsis: a message must not
    echo a whole 100k-character prompt back."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"
