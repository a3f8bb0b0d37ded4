"""The engine manifest: what was built, for which GPU and libraries, with checksums and parity results."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import torch

from sam3fn.core.aot_engine import ENGINE_FORMAT
from sam3fn.core.files import write_atomically
from sam3fn.core.versions import installed_version

MANIFEST = "manifest.json"


def device_facts(device: torch.device) -> dict:
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return {"type": "cuda", "name": torch.cuda.get_device_name(device), "capability": f"{major}.{minor}",
                "cuda": torch.version.cuda}
    return {"type": "cpu", "name": platform.processor() or platform.machine(), "capability": None, "cuda": None}


def library_versions() -> dict:
    """The versions the runtime checks (aot_engine.PINNED_LIBRARIES), read the way it reads them."""
    libraries = ("torch", "transformers", "torch_tensorrt", "tensorrt")
    return {name: installed_version(name) for name in libraries} | {"python": platform.python_version()}


def write_manifest(out: Path, *, backend: str, precision: str, device: torch.device, model: dict, stages: dict,
                   options: dict | None = None) -> Path:
    doc = {
        "format": ENGINE_FORMAT, "backend": backend, "precision": precision, "device": device_facts(device),
        "versions": library_versions(), "model": model, "built_at": datetime.now(timezone.utc).isoformat(),
        "options": options or {}, "stages": stages,
        "build_seconds": round(sum(s.get("build_seconds", 0) for s in stages.values()), 1),
    }
    path = out / MANIFEST
    write_atomically(path, json.dumps(doc, indent=2).encode())  # a build stopped mid-write leaves no half manifest
    return path

