"""Offline Chinese -> English prompt translation: SAM 3 understands only English noun phrases.

English prompts pass through (lowercased). Chinese ones are translated by a glossary of visual object
words (derived from the RAM tag lists of xinyu1205/recognize-anything, Apache-2.0) with rules for simple
attribute phrases, and otherwise by an Argos Translate zh->en package installed from a local file.
argostranslate is imported only when that package is first used.
"""

from .text import contains_cjk
from .translation import SeveralThings, Translation, TranslationUnavailable
from .translator import Translator

__all__ = ["SeveralThings", "Translation", "TranslationUnavailable", "Translator", "contains_cjk"]
