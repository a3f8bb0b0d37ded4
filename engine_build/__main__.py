"""python -m engine_build --weights DIR --out DIR --backend aoti|tensorrt --precision fp32|fp16|bf16"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def _device(value: str) -> str:
    # torch.device() would take "tpu" as far as the build and stop it with a traceback; argparse says it here.
    if not re.fullmatch(r"auto|cpu|cuda(:[0-9]+)?", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not auto, cpu, cuda or cuda:N")
    return value


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
    args = parser.parse_args(argv)
    from sam3fn.core.errors import Sam3fnError

    from .build import ParityFailure, build
    from .load_check import EngineUnloadable

    try:
        build(args.weights, args.out / args.backend, args.backend, args.precision, args.device, args.autotune)
    except (ParityFailure, EngineUnloadable, Sam3fnError, ImportError, OSError) as exc:  # OSError: an --out it cannot write
        print(f"engine build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
