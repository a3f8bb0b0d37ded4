"""Rule-based translation of simple Chinese noun phrases built from glossary words.

Chinese puts every modifier before the noun: 左边 穿蓝色夹克 的 小 狗. The parser reads a prompt as

    phrase   := quantity? modifier* head          (quantity: 一只, 两辆, 3个, 这些, 一群, 所有的 ...)
    modifier := colour 的? | size 的? | side 的? | verb phrase 的 | 在? phrase place 的
    head     := glossary word (longest first) | latin word

where a verb phrase is 穿/戴/拿着/骑... + phrase, and verb phrases in a row may share one 的
(穿着外套戴着帽子的人).
and answers only when the rules cover the whole prompt; anything else is left to Argos. English order:
size, colour, head, then "wearing ..." / "on ..." clauses, then "on the left".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .glossary import Glossary

COLOURS = {
    "红": "red", "橙": "orange", "橘色": "orange", "黄": "yellow", "绿": "green", "青": "cyan", "蓝": "blue",
    "紫": "purple", "粉": "pink", "粉红": "pink", "黑": "black", "白": "white", "灰": "gray", "棕": "brown",
    "褐": "brown", "咖啡色": "brown", "金": "golden", "金黄": "golden", "银": "silver", "米色": "beige",
    "深蓝": "dark blue", "浅蓝": "light blue", "天蓝": "sky blue", "深绿": "dark green", "浅绿": "light green",
}  # fmt: skip
SIZES = {"大": "big", "小": "small", "巨大": "huge", "高": "tall", "矮": "short", "长": "long", "短": "short"}
SIDES = {
    "左边": "on the left", "左侧": "on the left", "左面": "on the left", "右边": "on the right",
    "右侧": "on the right", "右面": "on the right", "中间": "in the middle",
}  # fmt: skip
VERBS = {
    "穿": "wearing", "穿着": "wearing", "戴": "wearing", "戴着": "wearing", "拿": "holding", "拿着": "holding",
    "手拿": "holding", "手持": "holding", "握着": "holding", "抱着": "holding", "提着": "carrying",
    "背着": "carrying", "骑": "riding", "骑着": "riding", "推着": "pushing", "拉着": "pulling", "牵着": "walking",
}  # fmt: skip
PLACES = {
    "上": "on", "上面": "on", "里": "in", "里面": "in", "中": "in", "旁": "next to", "旁边": "next to",
    "下": "under", "下面": "under", "前面": "in front of", "后面": "behind",
}  # fmt: skip
CLASSIFIERS = set("个只辆条把件顶张头匹本台块位棵朵双副座架艘支根盏颗粒片栋间名")
_NUMERALS = set("一二两三四五六七八九十百几多这那每各某")  # before a classifier: 一只, 两辆, 十几个, 这个, 每张
# quantities without a classifier of their own, longest first (一群 before 一)
_GROUPS = sorted("一群 一堆 一排 一对 一些 一片 这些 那些 所有 全部 许多 很多 好多 各种 多个".split(), key=len, reverse=True)

# "红色" and "红色的" mean the same as "红": accept the colour word with or without 色.
for _word, _english in list(COLOURS.items()):
    if not _word.endswith("色"):
        COLOURS.setdefault(_word + "色", _english)

_LATIN = re.compile(r"[a-z0-9][a-z0-9'\-]*(?: [a-z0-9][a-z0-9'\-]*)*")
_RANK = {"size": 0, "colour": 1, "clause": 2, "side": 3}


@dataclass(frozen=True)
class Modifier:
    kind: str  # size | colour | clause | side
    english: str


@dataclass(frozen=True)
class NounPhrase:
    head: str
    modifiers: tuple[Modifier, ...] = ()

    def english(self) -> str:
        ordered = sorted(self.modifiers, key=lambda m: _RANK[m.kind])  # stable: Chinese order within a kind
        before = [m.english for m in ordered if m.kind in ("size", "colour")]
        after = [m.english for m in ordered if m.kind in ("clause", "side")]
        return " ".join([*before, self.head, *after])


class PhraseRules:
    """Translates prompts the glossary and the rules above cover completely; None otherwise."""

    def __init__(self, glossary: Glossary, max_chars: int = 40, max_nesting: int = 2):
        self.glossary = glossary
        self.max_chars = max_chars  # the search is cheap on prompts, not on paragraphs
        self.max_nesting = max_nesting  # "on the table next to the sofa": deeper is not a prompt

    def translate(self, text: str) -> str | None:
        whole = self.glossary.get(text)
        if whole is not None:
            return whole
        if len(text) > self.max_chars:
            return None
        parser = _Parser(self, text)
        for phrase, end in parser.phrases(0, 0):
            if end == len(text):
                return phrase.english()
        return None


class _Parser:
    """One prompt's parse: every phrase starting at each position, memoised, best reading first."""

    def __init__(self, rules: PhraseRules, text: str):
        self.rules, self.s = rules, text
        self.memo: dict[tuple[int, int], list[tuple[NounPhrase, int]]] = {}

    def phrases(self, i: int, depth: int) -> list[tuple[NounPhrase, int]]:
        """Every phrase starting at s[i:], an optional 一只 / 这个 first."""
        i = _skip_space(self.s, i)
        found = self._modified(i, depth)
        after_quantity = _skip_quantity(self.s, i)
        return found + self._modified(after_quantity, depth) if after_quantity != i else found

    def _modified(self, i: int, depth: int) -> list[tuple[NounPhrase, int]]:
        """A head here, or a modifier followed by the rest of a phrase."""
        key = (i, depth)
        if key not in self.memo:
            self.memo[key] = []  # a phrase cannot begin with itself: guards against left recursion
            found = [(NounPhrase(head), end) for head, end in self._heads(i)]
            for mod, end in self._modifiers(i, depth):
                for rest, rest_end in self._modified(_skip_space(self.s, end), depth):
                    found.append((NounPhrase(rest.head, (mod, *rest.modifiers)), rest_end))
            self.memo[key] = found
        return self.memo[key]

    def _heads(self, i: int) -> list[tuple[str, int]]:
        heads = self.rules.glossary.matches_at(self.s, i)
        latin = _LATIN.match(self.s, i)
        if latin:
            heads.append((latin.group(), latin.end()))
        return sorted(heads, key=lambda h: -h[1])

    def _modifiers(self, i: int, depth: int) -> list[tuple[Modifier, int]]:
        s, found = self.s, []
        for kind, table in (("colour", COLOURS), ("size", SIZES), ("side", SIDES)):
            found += [(Modifier(kind, english), _after_de(s, end)) for english, end in _words_at(table, s, i)]
        if depth >= self.rules.max_nesting:
            return found
        for verb, end in _words_at(VERBS, s, i):  # 穿蓝色夹克的 -> "wearing blue jacket"
            for obj, obj_end in self.phrases(end, depth + 1):
                clause = Modifier("clause", f"{verb} {obj.english()}")
                if _after_de(s, obj_end) != obj_end:
                    found.append((clause, _after_de(s, obj_end)))
                elif _words_at(VERBS, s, _skip_space(s, obj_end)):  # 穿着外套戴着帽子的: one 的 for both
                    found.append((clause, obj_end))
        start = i + 1 if s.startswith("在", i) else i
        for ground, end in self.phrases(start, depth + 1):  # 在桌子上的 -> "on table"
            for place, place_end in _words_at(PLACES, s, end):
                if _after_de(s, place_end) != place_end:
                    found.append((Modifier("clause", f"{place} {ground.english()}"), _after_de(s, place_end)))
        return found


def _words_at(table: dict[str, str], s: str, i: int) -> list[tuple[str, int]]:
    """(english, end) for each word of `table` at s[i:], longest first."""
    return [(table[w], i + len(w)) for w in sorted(table, key=len, reverse=True) if s.startswith(w, i)]


def _after_de(s: str, i: int) -> int:
    """Index after a 的 at s[i:] (spaces allowed); i itself when there is none."""
    j = _skip_space(s, i)
    return j + 1 if s.startswith("的", j) else i


def _skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i] == " ":
        i += 1
    return i


def _skip_quantity(s: str, i: int) -> int:
    """一只 / 两辆 / 3个 / 几头 / 这些 / 一群 / 所有的: SAM 3 finds every instance of a noun phrase, so how many
    the prompt mentions changes nothing it can do; skip the quantity and keep the noun ("两只狗" -> "dog")."""
    for word in _GROUPS:
        if s.startswith(word, i):
            return _after_de(s, i + len(word))
    j = i
    while j < len(s) and (s[j] in _NUMERALS or s[j].isdigit()):
        j += 1
    if j > i and j < len(s) and s[j] in CLASSIFIERS:
        return j + 1
    return i
