"""Translator: English passes through, Chinese goes glossary/rules first, then Argos, never to the model as is."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .argos import ArgosBackend
from ..core.caches import LruCache
from ..core.errors import several_things_message
from .glossary import Glossary
from .phrases import CONJUNCTIONS, PhraseRules
from .script import simplified
from ..core.prompt_text import control_character, excerpt, normalize_prompt
from .text import clean_source, contains_cjk, noun_phrase
from .translation import SeveralThings, Translation, TranslationUnavailable

# Where an Argos package is unpacked when no argos_home is given: the temp dir is writable even in
# containers whose home directory is not.
DEFAULT_ARGOS_HOME = Path(tempfile.gettempdir()) / "sam3fn-argos"


class Translator:
    def __init__(
        self,
        glossary_path: Path | None = None,
        argos_model: Path | None = None,
        argos_home: Path | None = None,
        cache_size: int = 4096,
    ):
        """`glossary_path` None = the packaged glossary; `argos_model` None = glossary and rules only."""
        self.glossary = Glossary.load(glossary_path)
        self._rules = PhraseRules(self.glossary)
        home = DEFAULT_ARGOS_HOME if argos_home is None else Path(argos_home)
        self._argos = None if argos_model is None else ArgosBackend(Path(argos_model), home)
        self._cache: LruCache[Translation] = LruCache(cache_size)

    @property
    def argos_available(self) -> bool:
        return self._argos is not None and self._argos.available

    def warm_up(self) -> None:
        """Install and load the Argos package now, so the first Chinese prompt is not the slow one."""
        if self._argos is not None:
            self._argos.load()

    def translate(self, text: str) -> Translation:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = self._translate(text)
        self._cache.put(text, result)
        return result

    def describe(self) -> dict:
        return {
            "glossary": {"entries": len(self.glossary), "source": self.glossary.source},
            "argos": None if self._argos is None else self._argos.describe(),
            "cache": self._cache.stats(),
        }

    def _translate(self, sent: str) -> Translation:
        """`sent` as the caller has it (echoed back as `source`); what is translated is its normalised
        form (`normalize_prompt`, the pipeline's own), so "狗\u200b" is "狗" whoever calls."""
        if control_character(sent) is not None:
            raise TranslationUnavailable(f"{excerpt(sent)} holds a control character; a prompt is plain text")
        text = normalize_prompt(sent)
        if not text:
            raise TranslationUnavailable(f"{excerpt(sent)} is empty once invisible characters and spaces are dropped")
        if not contains_cjk(text):
            return Translation(sent, text.lower(), "none")
        source = clean_source(text)
        if not contains_cjk(source):  # only CJK punctuation around English
            return Translation(sent, source, "none")
        (english, characters), method = self._by_rules(source), "glossary"
        if english is None:
            self._refuse_several_things(text, source)  # before Argos, which would join them ("dogs and cats")
            english, method = self._argos_translate(text, characters), "argos"
        english = noun_phrase(english)
        if not english or contains_cjk(english):
            raise TranslationUnavailable(
                f"{method} translated {excerpt(text)} to {excerpt(english)}, which is empty or still holds CJK text; "
                "Chinese text is never sent to the model"
            )
        return Translation(sent, english, method)

    def _by_rules(self, source: str) -> tuple[str | None, str]:
        """(the glossary and rules' English for `source`, as written or in Simplified, or None if they cannot;
        `source` in Simplified characters, for what reads it next). OpenCC runs only if the first try fails."""
        english = self._rules.translate(source)
        if english is not None:
            return english, source
        characters, words = simplified(source)  # Traditional Chinese: see script.py for why in this order
        english = self._rules.translate(characters) if characters != source else None
        if english is None and words not in (source, characters):
            english = self._rules.translate(words)
        return english, characters

    def _refuse_several_things(self, text: str, source: str) -> None:
        """Raise SeveralThings if `source` (`text` cleaned) joins phrases the rules read each on its own (狗和猫)."""
        pieces = [piece.strip() for piece in CONJUNCTIONS.split(source)]
        if len(pieces) < 2 or not all(pieces):
            return
        if len({"的" in piece for piece in pieces}) > 1:  # 桌子和椅子上的书: a 的 on one side may bind both
            return
        parts = []
        for piece in pieces:
            english, characters = self._by_rules(piece)
            if english is None or not self._rules.names_a_thing(characters):
                return
            parts.append((piece, english))
        raise SeveralThings(several_things_message([(text, parts)]), parts)

    def _argos_translate(self, text: str, simplified_text: str) -> str:
        if self._argos is None:
            raise TranslationUnavailable(
                f"cannot translate {excerpt(text)}: the glossary does not cover it and no Argos zh->en model is configured; "
                "set argos_model (SAM3FN_ARGOS_MODEL, --argos-model) to a translate-zh_en .argosmodel file"
            )
        return self._argos.translate(simplified_text)
