"""Traditional Chinese in Simplified, so prompts typed in Taiwan and Hong Kong translate too.

The glossary (from RAM's Chinese tag list), the phrase rules and the zh->en translation model all read
Simplified Chinese with mainland words: 紅色的汽車 would otherwise miss every glossary word. OpenCC, the
converter the field uses, does it with word-level tables; Hong Kong's variant characters (衞, 綫) are first
brought to the standard Traditional its Taiwan tables read.

Two forms, because OpenCC's Taiwan phrase table (tw2sp) also swaps words that differ across the strait,
mostly computing ones: it turns 滑鼠 into 鼠标 (mouse) and 計程車 into 出租车 (taxi), but 桌布 (a tablecloth
to most people) into 壁纸 (wallpaper) and 文件 into 文档. So the translator tries the prompt as typed, then
the characters converted (tw2s), and only then the words swapped too.

OpenCC lacks a few things a photo prompt needs, put in before its tables run: 揹 (to carry on the back,
揹著書包) it keeps as a character of its own, where Simplified writes 背, and 背著 it leaves as 背著 (著 is
Simplified too, for zhù), where Simplified writes 背着; and Taiwan's 機車 (motorcycle, scooter), which its
phrase table leaves as 机车, the mainland's locomotive. All are Traditional-only spellings, so no
Simplified prompt changes.

opencc is imported on the first conversion, so English and Simplified prompts that the glossary covers never
load it.
"""

from __future__ import annotations

import functools

# OpenCC's own configuration names.
HONG_KONG_TO_TRADITIONAL = "hk2t"
TAIWAN_TO_SIMPLIFIED = "tw2s"  # characters (and their variants) only
TAIWAN_TO_MAINLAND = "tw2sp"  # characters, then Taiwan words -> mainland words
# Read by the glossary in their Simplified spelling: variant characters, and Taiwan words whose OpenCC
# conversion would mean something else on the mainland.
BEFORE_OPENCC = {"揹": "背", "背著": "背着", "機車": "摩托車"}  # in this order: 揹著 -> 背著 -> 背着


@functools.cache
def _converters() -> tuple:
    import opencc

    return tuple(opencc.OpenCC(name) for name in (HONG_KONG_TO_TRADITIONAL, TAIWAN_TO_SIMPLIFIED, TAIWAN_TO_MAINLAND))


def simplified(text: str) -> tuple[str, str]:
    """(`text` in Simplified characters, `text` in Simplified with mainland words). The first is `text` itself
    where it is already Simplified or not Chinese; the second may swap words even there (桌布 -> 壁纸)."""
    variants, characters, words = _converters()
    standard = variants.convert(text)
    for traditional, read_as in BEFORE_OPENCC.items():
        standard = standard.replace(traditional, read_as)
    return characters.convert(standard), words.convert(standard)
