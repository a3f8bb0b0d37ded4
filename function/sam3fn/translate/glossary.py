"""The zh->en glossary: a TSV of Chinese words and their English, with longest-match lookup.

The packaged default is derived from the RAM tag lists of xinyu1205/recognize-anything (Apache-2.0);
see build_glossary.py for how it is made.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_GLOSSARY = "data/glossary_zh_en.tsv"  # inside the sam3fn.translate package


class Glossary:
    def __init__(self, entries: dict[str, str], source: str):
        self.entries = entries
        self.source = source
        self.longest = max(map(len, entries), default=0)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """Read a `chinese<TAB>english` file (`#` lines are comments); None = the packaged glossary."""
        if path is None:
            name = f"sam3fn/translate/{DEFAULT_GLOSSARY}"
            content = resources.files(__package__).joinpath(DEFAULT_GLOSSARY).read_text(encoding="utf-8")
        else:
            name, content = str(path), Path(path).read_text(encoding="utf-8")
        return cls(parse_tsv(content, name), name)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, chinese: str) -> str | None:
        return self.entries.get(chinese)

    def matches_at(self, text: str, start: int) -> list[tuple[str, int]]:
        """(english, end) for every entry that `text[start:]` begins with, longest first."""
        found = []
        for end in range(min(len(text), start + self.longest), start, -1):
            english = self.entries.get(text[start:end])
            if english is not None:
                found.append((english, end))
        return found


def parse_tsv(content: str, name: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{name}:{number}: expected 'chinese<TAB>english', got {line!r}")
        entries[parts[0].strip().lower()] = " ".join(parts[1].split()).lower()
    return entries
