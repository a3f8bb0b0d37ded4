"""The C++ compiler AOTInductor builds engines with: one whose libraries run inside a torch process.

AOTInductor compiles each stage's wrapper with a C++ compiler into a shared library that torch then
loads into its own process, beside the libstdc++ that process already has. A compiler that links
libstdc++ into the library statically gives it a second copy of the C++ runtime whose locale facets
disagree with the first, and the model container's constructor dies on its first `std::regex` (it
parses the device string): std::bad_cast here with `g++ -static-libstdc++`, SIGSEGV on the device tool's
H200 (torch 2.11.0+cu130, 2026-11-25), where every AOTInductor package, CPU or CUDA, crashed there
(native backtrace: `bench/results/h200-20261125/aoti-load-probe-cuda-20261125T195133.md`). Nothing in
torch notices this at compile time, and a full build takes minutes before its first load.

So before a build, each candidate compiler (an explicit `cpp.cxx`, else Inductor's own choice, $CXX,
then g++, c++ and clang++ on PATH) compiles a few lines that do what that constructor does, and a
fresh interpreter that has imported torch loads and runs them: seconds, and the first that runs is the
compiler Inductor is told to use (`cpp.cxx`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .load_check import ended, last_line

# What AOTInductor's model constructor runs first (torch/csrc/inductor/aoti_runtime/model_base.h,
# parse_device_str): a std::regex over the device string, which needs the process's locale facets.
PROBE_SOURCE = r"""
#include <regex>
#include <string>
extern "C" int sam3fn_parse_device(const char* text) {
  static const std::regex pattern("(cpu|cuda|xpu|mps)(:([0-9]+))?");
  std::smatch parts;
  std::string device(text);
  return std::regex_match(device, parts, pattern) ? 1 : 0;
}
"""

# The probe library loaded where the engines will be: an interpreter with torch (and its libstdc++) loaded.
_RUN = ("import ctypes, sys, torch\n"
        "sys.exit(0 if ctypes.CDLL(sys.argv[1]).sam3fn_parse_device(b'cuda:0') == 1 else 3)")


class ToolchainUnusable(RuntimeError):
    """No C++ compiler here builds libraries that run in a torch process: an AOTInductor build would
    produce engines that cannot load, so it does not start. `checks`: what each compiler tried did."""

    def __init__(self, message: str, checks: list[CompilerCheck]):
        super().__init__(message)
        self.checks = checks


@dataclass(frozen=True)
class CompilerCheck:
    compiler: str
    outcome: str  # "ok", or what went wrong, in words

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def candidates(explicit: list[str] | None = None) -> list[str]:
    """Compilers to try, in order, each once (by the file it resolves to): only `explicit` if given."""
    found = explicit or [_inductor_default(), os.environ.get("CXX")] + [shutil.which(n) for n in ("g++", "c++", "clang++")]
    unique, seen = [], set()
    for compiler in filter(None, found):
        path = shutil.which(compiler) or compiler
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            unique.append(compiler)
    return unique


def _inductor_default() -> str | None:
    try:
        from torch._inductor.cpp_builder import get_cpp_compiler

        return get_cpp_compiler()
    except Exception:  # noqa: BLE001 - no compiler Inductor accepts: the others are still worth trying
        return None


def check(compiler: str, scratch: Path, timeout: float = 300) -> CompilerCheck:
    """Compile PROBE_SOURCE with `compiler` into a shared library and run it in a fresh torch process."""
    # The same two files for every compiler: each check's child has exited before the next compiles.
    source, library = scratch / "probe.cpp", scratch / "probe.so"
    source.write_text(PROBE_SOURCE)
    try:
        built = subprocess.run([compiler, "-std=c++17", "-O1", "-fPIC", "-shared", str(source), "-o", str(library)],
                               capture_output=True, text=True, timeout=timeout)
        if built.returncode != 0:
            return CompilerCheck(compiler, f"cannot compile a shared library: {last_line(built.stderr) or 'no message'}")
        ran = subprocess.run([sys.executable, "-c", _RUN, str(library)], capture_output=True, text=True, timeout=timeout)
    except OSError as exc:
        return CompilerCheck(compiler, f"does not run ({exc.strerror or exc})")
    except subprocess.TimeoutExpired:
        return CompilerCheck(compiler, f"timed out after {timeout:.0f} s")
    if ran.returncode == 0:
        return CompilerCheck(compiler, "ok")
    said = last_line(ran.stderr).strip()
    return CompilerCheck(compiler, f"its libraries {ended(ran.returncode)} in a torch process{_static_runtime(library)}"
                                   + (f": {said}" if said else ""))


def _static_runtime(library: Path) -> str:
    """' (libstdc++ linked in statically)' where the library carries its own C++ runtime, else ''."""
    readelf = shutil.which("readelf")
    if readelf is None:
        return ""
    dynamic = subprocess.run([readelf, "-d", str(library)], capture_output=True, text=True).stdout
    return "" if "libstdc++" in dynamic or "libc++" in dynamic else " (libstdc++ linked in statically)"


def choose(explicit: list[str] | None = None) -> tuple[str, list[CompilerCheck]]:
    """-> (the first compiler whose libraries run in a torch process, every check made up to it).

    Raises ToolchainUnusable, naming each compiler and what happened, when none does."""
    checks: list[CompilerCheck] = []
    with tempfile.TemporaryDirectory(prefix="sam3fn-cxx-") as scratch:
        for compiler in candidates(explicit):
            checks.append(check(compiler, Path(scratch)))
            if checks[-1].ok:
                return compiler, checks
    tried = "; ".join(f"{c.compiler}: {c.outcome}" for c in checks) or "no C++ compiler found (install g++)"
    raise ToolchainUnusable(f"no C++ compiler here builds libraries that run in a torch process, so AOTInductor "
                            f"engines built here could not load: {tried}", checks)
