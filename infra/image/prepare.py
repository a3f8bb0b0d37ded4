"""Build-time steps of the container image that are more than one shell line.

Run by the Containerfile's build stages with the image's own Python (no third-party imports before the
project's dependencies are installed, hence stdlib only at module level):

    prepare.py weights --context DIR --out DIR ...    SAM 3 weights from the build context or, with a
                                                      Hugging Face token (build secret), from the hub
    prepare.py argos --context FILE --url URL ...     the zh->en Argos package, installed ahead of time so a
                                                      read-only root filesystem never has to be written

Every failure is one line on stderr naming what to do, and a non-zero exit, so a build log says why.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

WEIGHTS_REPO = "facebook/sam3"
# What `hf download facebook/sam3` fetches that the function uses; the rest of the repo (notebooks, the
# original checkpoint format) would only make the image bigger.
WEIGHTS_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model"]


class Refused(Exception):
    """A build input is missing or wrong; the message says what to provide."""


def _has_weights(path: Path) -> bool:
    return (path / "config.json").is_file() and (
        (path / "model.safetensors").is_file() or (path / "model.safetensors.index.json").is_file()
    )


def weights(context: Path, out: Path, token_file: Path | None, revision: str, require: bool) -> str:
    """Put the weights at `out`; returns where they came from ("context", "hub" or "none")."""
    if _has_weights(context):
        shutil.copytree(context, out, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".cache", ".git*", "*.lock"))
        return "context"
    token = token_file.read_text().strip() if token_file and token_file.is_file() else ""
    if token:
        from huggingface_hub import snapshot_download  # installed with transformers

        snapshot_download(WEIGHTS_REPO, revision=revision, local_dir=out, token=token,
                          allow_patterns=WEIGHTS_PATTERNS)
        if not _has_weights(out):
            raise Refused(f"{WEIGHTS_REPO}@{revision} was downloaded to {out} but has no config.json + safetensors")
        return "hub"
    if require:
        raise Refused(
            f"no SAM 3 weights: put them in the build context at {context.name}/ (README: `hf download "
            f"{WEIGHTS_REPO} --local-dir models/sam3`) or pass your Hugging Face token as the build secret "
            "`hf_token` (--secret id=hf_token,src=$HOME/.cache/huggingface/token); accept the licence on "
            f"https://huggingface.co/{WEIGHTS_REPO} first"
        )
    return "none"


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:  # the image's Python is 3.11 or newer
        return hashlib.file_digest(f, "sha256").hexdigest()


def fetch_argos(context: Path, url: str, sha256: str, out: Path) -> str:
    """Copy the package from the build context, else download it; verify the checksum either way."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if context.is_file():
        shutil.copyfile(context, out)
        source = "context"
    elif url:
        with tempfile.NamedTemporaryFile(dir=out.parent, delete=False) as partial:
            with urllib.request.urlopen(url, timeout=120) as response:
                shutil.copyfileobj(response, partial)
        Path(partial.name).replace(out)
        source = url
    else:
        raise Refused(f"no Argos zh->en package: put it in the build context at {context} or set ARGOS_ZH_EN_URL")
    # A package from the context is whatever the builder chose (the check uses a tiny test package); the
    # pinned checksum belongs to the published package at the default URL.
    if source != "context" and sha256 and _sha256(out) != sha256:
        got = _sha256(out)
        out.unlink()
        raise Refused(f"{url} has sha256 {got}, expected {sha256} (ARGOS_ZH_EN_SHA256)")
    return source


def install_argos(model: Path, home: Path) -> dict:
    """Install and load the package exactly as the function will at startup, so it finds it ready."""
    from sam3fn.translate import Translator

    translator = Translator(argos_model=model, argos_home=home)
    translator.warm_up()
    return translator.describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prepare.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("weights")
    w.add_argument("--context", type=Path, required=True, help="weights folder in the build context")
    w.add_argument("--out", type=Path, required=True)
    w.add_argument("--token-file", type=Path, help="Hugging Face token (a build secret)")
    w.add_argument("--revision", default="main")
    w.add_argument("--variant", default="gpu", help="the image variant; all but cpu require the weights")
    a = sub.add_parser("argos")
    a.add_argument("--context", type=Path, required=True, help=".argosmodel file in the build context")
    a.add_argument("--url", default="")
    a.add_argument("--sha256", default="")
    a.add_argument("--model", type=Path, required=True, help="where the package file goes in the image")
    a.add_argument("--home", type=Path, required=True, help="SAM3FN_ARGOS_HOME of the image")
    args = parser.parse_args(argv)
    try:
        if args.command == "weights":
            require = args.variant != "cpu"  # only the CPU variant may fall back to the tiny random model
            source = weights(args.context, args.out, args.token_file, args.revision, require)
            print(f"weights: {source}" + ("" if source == "none" else f" -> {args.out}"))
        else:
            source = fetch_argos(args.context, args.url, args.sha256, args.model)
            print(f"argos: {source} -> {args.model}: {install_argos(args.model, args.home)}")
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
