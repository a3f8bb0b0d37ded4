"""Load a compiled stage in a fresh interpreter before the build loads it in its own.

A loader that crashes takes its process with it. On the device tool's H200 (torch 2.11.0+cu130, driver
580, 2026-11-25) creating any AOTInductor model ended the process with SIGSEGV, torch's own
`aoti_load_package` on a two-layer module included (`bench/aoti_load_probe.py`): the compiler there
linked libstdc++ into the engine library (`toolchain` now refuses such compilers before a build). In
the build's process such a crash is a bare "Segmentation fault" minutes into a build; in a child it is
a clear error, and the build stops before anything is published.

    python -m engine_build.load_check DEVICE PACKAGE [LIBRARY]

loads PACKAGE (a .pt2) and then LIBRARY (the same stage unpacked), printing a line after each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import torch

PACKAGE_LOADED, UNPACKED_LOADED = "package loaded", "unpacked loaded"
_ROOT = Path(__file__).resolve().parents[1]  # so the child imports this engine_build, wherever it was started


class EngineUnloadable(RuntimeError):
    """A compiled stage that this machine's torch cannot load: the build stops, nothing is published."""


def _child_command(device: str, package: Path, library: Path | None) -> list[str]:
    return [sys.executable, "-m", "engine_build.load_check", device, str(package), *([str(library)] if library else [])]


def check_in_child(device: str, package: Path, library: Path | None = None, timeout: float = 900) -> bool:
    """Load `package` (and then `library`, its unpacked form) on `device` in a child process.

    Raises EngineUnloadable when the package does not load; -> whether `library` loaded too (False when
    none was given)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(_child_command(device, package, library), capture_output=True, text=True, env=env,
                          timeout=timeout)
    said = proc.stdout.splitlines()
    if PACKAGE_LOADED not in said:
        raise EngineUnloadable(f"{package.name}: the loader {how_it_ended(proc)} while loading the compiled package on {device} "
                               f"in a fresh process (torch {torch.__version__}); this machine cannot run these engines")
    return library is not None and UNPACKED_LOADED in said


def how_it_ended(proc: subprocess.CompletedProcess) -> str:
    """`ended`, and for an exit the last line the child wrote to stderr: "failed (exit 1): ValueError: ..."."""
    said = "" if proc.returncode < 0 else f": {last_line(proc.stderr) or 'no message'}"
    return f"{ended(proc.returncode)}{said}"


def ended(returncode: int) -> str:
    """How a child process that did not succeed ended: "crashed (SIGSEGV)" (killed by a signal, named
    where it has a name) or "failed (exit 3)"."""
    if returncode >= 0:
        return f"failed (exit {returncode})"
    try:
        return f"crashed ({signal.Signals(-returncode).name})"
    except ValueError:
        return f"crashed (signal {-returncode})"


def last_line(text: str) -> str:
    """The last line of `text` with something on it ("" if none): where a Python error says what it was."""
    return next((line for line in reversed(text.splitlines()) if line.strip()), "")


def main(argv: list[str]) -> int:
    from sam3fn.core.aoti_stage import load_aoti_package, load_unpacked

    device, package, *library = argv
    load_aoti_package(Path(package), torch.device(device))
    print(PACKAGE_LOADED, flush=True)
    if library:
        load_unpacked(Path(library[0]), torch.device(device))
        print(UNPACKED_LOADED, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
