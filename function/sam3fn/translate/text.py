"""Text helpers: spotting CJK characters, cleaning a prompt, and shaping English into a noun phrase."""

from __future__ import annotations

import re
import unicodedata

# Han ideographs (with extensions and compatibility forms), CJK punctuation, kana, bopomofo, hangul,
# and full-width forms: any of these means the prompt is not plain English.
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
    "\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uffef\U00020000-\U0003134f]"
)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+")


def contains_cjk(text: str) -> bool:
    """True if `text` holds any Chinese, Japanese or Korean character (or CJK punctuation)."""
    return _CJK.search(text) is not None


def collapse(text: str) -> str:
    return " ".join(text.split())


def _strip_edges(text: str) -> str:
    """Drop punctuation, symbols and spaces at both ends ("“红色的车。”" -> "红色的车")."""
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_edge_junk(char: str) -> bool:
    return unicodedata.category(char)[0] in "PZS" or char.isspace()


def clean_source(text: str) -> str:
    """A CJK prompt ready for lookup: NFKC (full-width latin to ASCII), lowercase, trimmed."""
    return _strip_edges(collapse(unicodedata.normalize("NFKC", text).lower()))


def noun_phrase(english: str) -> str:
    """English as SAM 3 wants it: lowercase, single spaces, no edge punctuation, no leading article."""
    text = _strip_edges(collapse(english.lower()))
    return _strip_edges(_ARTICLE.sub("", text))
