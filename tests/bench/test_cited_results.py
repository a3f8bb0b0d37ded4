"""Every result file the documentation cites exists: a figure in the README names the file it came from."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"\b(?:bench|infra)/results/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


def _cited() -> dict[str, list[str]]:
    docs = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    cited: dict[str, list[str]] = {}
    for doc in docs:
        for path in CITATION.findall(doc.read_text(encoding="utf-8")):
            cited.setdefault(path.rstrip("."), []).append(doc.name)
    return cited


def test_the_readme_cites_result_files():
    assert any(path.startswith("bench/results/") for path in _cited())


def test_every_cited_result_file_exists():
    missing = {path: docs for path, docs in _cited().items() if not (ROOT / path).is_file()}
    assert not missing, f"cited but not committed: {missing}"
