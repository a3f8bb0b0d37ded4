"""The engine manifest: what was built, for which GPU and libraries, with checksums and parity results."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def device_facts(device: torch.device) -> dict:
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return {"type": "cuda", "name": torch.cuda.get_device_name(device), "capability": f"{major}.{minor}",
                "cuda": torch.version.cuda}
    return {"type": "cpu", "name": platform.processor() or platform.machine(), "capability": None, "cuda": None}


def library_versions() -> dict:
    return {"torch": torch.__version__, "transformers": _version("transformers"),
            "torch_tensorrt": _version("torch_tensorrt"), "tensorrt": _version("tensorrt"),
            "python": platform.python_version()}


def write_manifest(out: Path, *, backend: str, precision: str, device: torch.device, model: dict, stages: dict) -> Path:
    doc = {
        "format": 1, "backend": backend, "precision": precision, "device": device_facts(device),
        "versions": library_versions(), "model": model, "built_at": datetime.now(timezone.utc).isoformat(),
        "stages": stages,
    }
    path = out / MANIFEST
    path.write_text(json.dumps(doc, indent=2))
    return path
