"""python -m engine_build --weights DIR --out DIR --backend aoti|tensorrt --precision fp32|fp16|bf16"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path


def _device(value: str) -> str:
    # torch.device() would take "tpu" as far as the build and stop it with a traceback; argparse says it here.
    if not re.fullmatch(r"auto|cpu|cuda(:[0-9]+)?", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not auto, cpu, cuda or cuda:N")
    return value


def _inductor_option(value: str) -> tuple[str, object]:
    key, sep, raw = value.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", key):
        raise argparse.ArgumentTypeError(f"{value!r} is not KEY=VALUE with KEY an Inductor setting's dotted name")
    from torch._inductor import config  # only when the option is given: it imports torch

    setting = config
    for part in key.split("."):
        if not hasattr(setting, part):
            raise argparse.ArgumentTypeError(f"{key!r} is not one of this torch's Inductor settings")
        setting = getattr(setting, part)
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine_build", description=__doc__)
    parser.add_argument("--weights", type=Path, required=True, help="SAM 3 model directory (Hugging Face layout)")
    parser.add_argument("--out", type=Path, required=True, help="engine directory; the backend's folder goes inside")
    parser.add_argument("--backend", choices=["aoti", "tensorrt"], required=True)
    parser.add_argument("--precision", choices=["fp32", "fp16", "bf16"], default="fp16")
    parser.add_argument("--device", type=_device, default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument("--autotune", choices=["max", "default"], default="max",
                        help="aoti on a GPU: max benchmarks kernel choices (minutes per stage, fastest engine); "
                             "default takes Inductor's heuristics (quicker build)")
    parser.add_argument("--inductor-option", type=_inductor_option, action="append", default=[], metavar="KEY=VALUE",
                        help="aoti: one more Inductor setting (repeatable), e.g. aot_inductor.embed_kernel_binary=true; "
                             "values are read as JSON where they parse, else as text")
    args = parser.parse_args(argv)
    from sam3fn.core.errors import Sam3fnError

    from .build import ParityFailure, build
    from .load_check import EngineUnloadable
    from .toolchain import ToolchainUnusable

    try:
        build(args.weights, args.out / args.backend, args.backend, args.precision, args.device, args.autotune,
              dict(args.inductor_option))
    except (ParityFailure, EngineUnloadable, ToolchainUnusable, Sam3fnError, ImportError, OSError) as exc:  # OSError: an --out it cannot write
        print(f"engine build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
