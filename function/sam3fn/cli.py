"""The `sam3fn` command: segment images, make the tiny test model, translate prompts, serve the API.

Errors print one plain line (`error: <code>: <message>`); set SAM3FN_DEBUG=1 for a traceback. Exit
status: 0 done; 1 the work failed (a bad image, an unwritable output, a prompt that cannot be translated,
a taken port), so retrying with other input may help; 2 the command itself is wrong (arguments, or a
SAM3FN_* setting); argparse's own errors take the same one-line form (`invalid_arguments`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import msgspec

from .core.coco import coco_categories, coco_results
from .core.errors import ImageTooLargeError, Sam3fnError
from .core.results import SegmentResult
from .settings import SettingsError, env_name, load_settings, setting_choices

EXIT_FAILED, EXIT_USAGE = 1, 2


def _unit(value: str) -> float:
    # Raised as ArgumentTypeError for text too: a ValueError makes argparse name this function to the user.
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number between 0 and 1") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


def _output_dir(path: Path) -> Path:
    """`mkdir -p path`; a path that cannot be a directory is the user's to fix, said in one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Sam3fnError(f"cannot use {path} as the output directory: {exc.strerror}", code="output_unwritable") from None
    return path


def _write(path: Path, data: bytes) -> None:
    from .core.files import write_atomically

    try:
        write_atomically(path, data)  # a full disk leaves the old file or none, never a cut-off one
    except OSError as exc:
        raise Sam3fnError(f"cannot write {path}: {exc.strerror}", code="output_unwritable") from None


def _read_image_file(path: Path, limit: int) -> bytes:
    """The file's bytes, at most `limit` (SAM3FN_MAX_BODY_BYTES, the server's limit too): a device or a pipe
    given by mistake (/dev/zero) would otherwise be read until memory runs out."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise Sam3fnError(f"cannot read {path}: {exc.strerror}", code="image_unreadable") from None
    if len(data) > limit:
        raise ImageTooLargeError(f"{path} is larger than {limit:,} bytes (SAM3FN_MAX_BODY_BYTES)")
    return data


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in the one-line form every other error takes (its subcommands' too)."""

    commands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: invalid_arguments: {message} (see {self.prog} --help)\n")

    def parse_args(self, args=None, namespace=None):
        # argparse reports a subcommand's unknown flag from the top parser, pointing at `sam3fn --help`,
        # which does not list that command's flags; point at the command's own help instead.
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self.commands.get(getattr(parsed, "command", None), self).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sam3fn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    parser.commands = sub.choices

    seg = sub.add_parser("segment", help="segment one image with one or more text prompts")
    seg.add_argument("image", type=Path)
    seg.add_argument("--prompt", "-p", action="append", required=True, help="noun phrase; repeat for more")
    seg.add_argument("--model-dir", type=Path, help=f"SAM 3 weights (env {env_name('model_dir')})")
    seg.add_argument("--threshold", type=_unit, default=0.5, help="keep instances scoring at least this")
    seg.add_argument("--mask-threshold", type=_unit, default=0.5, help="mask probability cut-off")
    seg.add_argument("--refine", type=_unit, nargs="?", const=0.5, default=0.0,
                     help="smooth edges, fill holes, drop specks: level 0..1 (0.5 if given without a value)")
    seg.add_argument("--non-overlapping", action="store_true", help="give each pixel to its best instance")
    seg.add_argument("--polygons", action="store_true", help="add polygons to the JSON")
    seg.add_argument("--argos-model", type=Path, help=f"a translate-zh_en .argosmodel (env {env_name('argos_model')})")
    seg.add_argument("--device", help="auto | cpu | cuda | cuda:N")
    seg.add_argument("--precision", choices=setting_choices("precision"))
    seg.add_argument("--out", type=Path, default=Path("out"), help="output directory (default ./out)")

    srv = sub.add_parser("serve", help="run the HTTP function (API, page and bucket events)")
    srv.add_argument("--model-dir", type=Path, help=f"SAM 3 weights (env {env_name('model_dir')})")
    srv.add_argument("--host", help=f"listen address (env {env_name('host')}, default 127.0.0.1)")
    srv.add_argument("--port", type=int, help="listen port (env PORT, default 7860)")

    tr = sub.add_parser("translate", help="show the English the model would receive for each prompt")
    tr.add_argument("texts", nargs="+")
    tr.add_argument("--argos-model", type=Path, help=f"a translate-zh_en .argosmodel (env {env_name('argos_model')})")

    tiny = sub.add_parser("tiny-model", help="write a tiny random-weights SAM 3 (for tests and demos)")
    tiny.add_argument("directory", type=Path)
    tiny.add_argument("--seed", type=int, default=0)
    tiny.add_argument("--full-size", action="store_true",
                      help="the real SAM 3 architecture with random weights (3.4 GB), for latency benchmarks")
    return parser


def cmd_segment(args: argparse.Namespace) -> int:
    from .core.loader import load_model
    from .core.overlay import overlay_png
    from .core.segmenter import Segmenter, SegmentOptions
    from .core.images import decode_image
    from .pipeline import Pipeline
    from .translate import Translator
    from .translate.command import one_line

    settings = load_settings(model_dir=args.model_dir, device=args.device, precision=args.precision,
                             argos_model=args.argos_model)
    options = SegmentOptions(threshold=args.threshold, mask_threshold=args.mask_threshold, refine=args.refine,
                             non_overlapping=args.non_overlapping, polygons=args.polygons)
    data = _read_image_file(args.image, settings.max_body_bytes)
    image = decode_image(data, settings.max_pixels)  # bad images fail before the model loads; drawn on below
    translator = Translator(argos_model=settings.argos_model, argos_home=settings.argos_home)
    # So do bad prompts (empty, too long, too many, Chinese it cannot translate), which need no model.
    pipeline = Pipeline(None, translator, max_pixels=settings.max_pixels, max_prompts=settings.max_prompts)
    prompts = pipeline.prompts(args.prompt)
    out = _output_dir(args.out)  # and so does an --out that cannot be a directory
    pipeline.segmenter = Segmenter(load_model(settings.model_dir, settings.device, settings.precision,
                                              settings.backend, settings.engine_dir, cuda_graphs=settings.cuda_graphs))
    # Decoded again, as every entry point decodes for the model (a large JPEG reduced), so the command's result
    # for a file is the server's. For any other file this repeats the decode above: up to a quarter of a second
    # for a 9 MP PNG on the dev CPU, beside seconds of loading the model.
    _, result = pipeline.segment_bytes(data, prompts, options, need_pixels=False)

    # Named after the whole file name, as bucket results are (results/photo.jpg.json): photo.jpg and
    # photo.png segmented into one --out must not overwrite each other's outputs.
    name = args.image.name
    overlay_path, json_path, coco_path = (out / f"{name}{ext}" for ext in (".overlay.png", ".json", ".coco.json"))
    _write(overlay_path, overlay_png(image.pixels, result))
    document = msgspec.to_builtins(result)
    document["categories"] = coco_categories(result)
    _write(json_path, msgspec.json.format(msgspec.json.encode(document), indent=1))
    _write(coco_path, msgspec.json.encode(_coco_dataset(result, args.image.name)))

    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for r in result.results:
        best = f"best {r.instances[0].score:.2f}" if r.instances else "none above threshold"
        print(f"{one_line(r.prompt)}\t-> {r.model_prompt}\t{len(r.instances)} instances\t{best}")
    print(f"wrote {overlay_path}, {json_path}, {coco_path} ({result.timings.total_ms:.0f} ms, {result.model.device})")
    return 0


def _coco_dataset(result: SegmentResult, file_name: str) -> dict:
    """The image as a COCO dataset, as the page downloads it: pycocotools' COCO() loads it as is, and its
    annotations, which keep their scores, are also a results list for COCO.loadRes."""
    annotations = [{"id": n, **d, "iscrowd": 0} for n, d in enumerate(coco_results(result, image_id=1), start=1)]
    image = {"id": 1, "file_name": file_name, "width": result.image.width, "height": result.image.height}
    return {"images": [image], "categories": coco_categories(result), "annotations": annotations}


def cmd_tiny_model(args: argparse.Namespace) -> int:
    from .core.model_dir import RANDOM_WEIGHTS_MARKER
    from .core.tiny_model import write_tiny_model

    # `tiny-model models/sam3` must never overwrite the real (gated, 3.4 GB) weights, nor anything else.
    directory = args.directory
    others = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
    if others and not (directory / RANDOM_WEIGHTS_MARKER).is_file():
        raise Sam3fnError(f"{directory} already holds other files ({', '.join(others[:5])}); "
                          "choose a new or empty directory", code="directory_not_empty")
    try:
        path = write_tiny_model(_output_dir(directory), seed=args.seed, full_size=args.full_size)
    except OSError as exc:
        raise Sam3fnError(f"cannot write the model to {directory}: {exc.strerror}", code="output_unwritable") from None
    kind = "the full-size SAM 3 architecture with random weights" if args.full_size else "a tiny random-weights SAM 3"
    print(f"wrote {kind} to {path} (for tests, demos and benchmarks; its output is noise)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .core.model_dir import check_model_dir
    from .web.app import serve

    if args.model_dir is not None:
        # Without weights the server serves a tiny random model (a first run, a CPU demo image); a directory
        # typed on the command line is meant, so a missing or incomplete one stops it instead.
        check_model_dir(args.model_dir)
    serve(load_settings(model_dir=args.model_dir, host=args.host, port=args.port))
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from .translate import Translator
    from .translate.command import run

    settings = load_settings(argos_model=args.argos_model)
    translator = Translator(argos_model=settings.argos_model, argos_home=settings.argos_home)
    return run(args.texts, translator)


COMMANDS = {"segment": cmd_segment, "serve": cmd_serve, "translate": cmd_translate, "tiny-model": cmd_tiny_model}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except Sam3fnError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
    except SettingsError as exc:
        print(f"error: invalid_setting: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one plain line instead of a traceback
        if os.environ.get("SAM3FN_DEBUG"):
            raise
        print(f"error: internal_error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
