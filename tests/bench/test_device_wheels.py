"""The H200 machine has torch and transformers but no package index: every serving dependency its image lacks
must travel as a wheel (bench/device_wheels.sh) and be checked before bench/gpu_bench.sh uses the image's own
packages, or the benchmark's serving step dies on an import, minutes into a short GPU lease."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# On the H200 image already, as .library/device/KINDS.md lists it ("Python packages already there").
ON_IMAGE = {"torch", "transformers", "safetensors", "tokenizers", "numpy", "pillow", "opencv-python-headless",
            "prometheus-client"}
# Imported only when an Argos model is configured (translate/argos.py imports them lazily); the benchmark
# configures none.
LAZY = {"argostranslate", "ctranslate2"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def _pins() -> set[str]:
    script = (ROOT / "bench/device_wheels.sh").read_text()
    block = re.search(r"pins=\((.*?)\)", script, re.S).group(1)
    return {pin.split("==")[0].lower() for pin in block.split() if "==" in pin}


def test_every_serving_dependency_the_h200_image_lacks_is_carried_as_a_wheel():
    needed = {_name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert needed - ON_IMAGE - LAZY - _pins() == set()


def test_gpu_bench_installs_the_wheels_unless_every_carried_dependency_imports():
    needed = {_name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    check = re.search(r'-c "import ([^"]+)"', (ROOT / "bench/gpu_bench.sh").read_text()).group(1)
    assert (needed & _pins()) - {m.strip() for m in check.split(",")} == set()
