"""`sam3fn segment` and `sam3fn tiny-model` end to end, and one plain error line for each bad input."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from sam3fn.cli import main
from support.images import encode, scene_pixels

SAM3FN = str(Path(sys.executable).parent / "sam3fn")


@pytest.fixture
def cli(capsys, monkeypatch):
    """`sam3fn ARGS` run by main() in this process, with env set and cwd changed for the call, as a finished
    process (returncode, stdout, stderr). Most tests here are about what the command prints and returns;
    a fresh interpreter importing torch and transformers cost each of them about five seconds. The tests
    that use console() run the installed script in a process of its own."""
    def run(*args, env=None, cwd=None):
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)
    return run


def console(*args, env=None):
    """The installed `sam3fn` console script in a process of its own, as a user runs it."""
    return subprocess.run([SAM3FN, *map(str, args)], capture_output=True, text=True, env=env, timeout=240)


def test_segment_writes_overlay_and_json_whose_rle_decodes(tiny_model_dir, tmp_path):
    image = tmp_path / "street.jpg"
    image.write_bytes(encode(scene_pixels(260, 360), "JPEG"))  # over twice 112 a side: decoded halved for the model
    out = tmp_path / "out"
    proc = console("segment", image, "--prompt", "dog", "--prompt", "red car", "--model-dir", tiny_model_dir,
               "--threshold", "0.3", "--refine", "--polygons", "--out", out)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("dog\t-> dog\t") and lines[1].startswith("red car\t-> red car\t")
    assert "random weights" in proc.stderr
    overlay = Image.open(out / "street.jpg.overlay.png")
    assert overlay.size == (360, 260)  # drawn on the whole photo
    doc = json.loads((out / "street.jpg.json").read_text())
    assert doc["model"]["random_weights"] is True and doc["refine"] == 0.5
    instances = [i for r in doc["results"] for i in r["instances"]]
    assert instances
    for inst in instances:
        mask = coco_mask.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["counts"].encode()})
        assert mask.shape == (260, 360) and int(mask.sum()) == inst["area"]
        assert inst["polygons"]
    coco = json.loads((out / "street.jpg.coco.json").read_text())["annotations"]
    assert len(coco) == len(instances) and {d["category_id"] for d in coco} <= {1, 2}
    assert set(doc["timings"]) >= {"decode_image_ms", "preprocess_ms", "image_encode_ms", "text_encode_ms",
                                   "mask_decode_ms", "postprocess_ms"}


def test_images_with_one_stem_segmented_into_one_out_keep_their_own_outputs(cli, tiny_model_dir, tmp_path):
    """photo.jpg and photo.png went to out/photo.json alike: the second run silently replaced the first's."""
    out = tmp_path / "out"
    for name, (h, w) in {"photo.jpg": (60, 80), "photo.png": (70, 50)}.items():
        (tmp_path / name).write_bytes(encode(scene_pixels(h, w), "JPEG" if name.endswith("jpg") else "PNG"))
        proc = cli("segment", tmp_path / name, "-p", "dog", "--model-dir", tiny_model_dir, "--out", out)
        assert proc.returncode == 0, proc.stderr
    for name, (h, w) in {"photo.jpg": (60, 80), "photo.png": (70, 50)}.items():
        image = json.loads((out / f"{name}.json").read_text())["image"]
        assert (image["width"], image["height"]) == (w, h)
        assert json.loads((out / f"{name}.coco.json").read_text())["images"][0]["file_name"] == name
        assert Image.open(out / f"{name}.overlay.png").size == (w, h)


def test_tiny_model_command_writes_a_loadable_model(cli, tmp_path):
    proc = cli("tiny-model", tmp_path / "m")
    assert proc.returncode == 0 and "random" in proc.stdout
    assert {"config.json", "model.safetensors", "tokenizer.json", "processor_config.json"} <= {
        p.name for p in (tmp_path / "m").iterdir()
    }


def _bomb(path: Path) -> None:
    Image.new("1", (20000, 20000)).save(path, format="PNG")


BAD_INPUTS = {
    "missing-file": (lambda p: None, "image_unreadable"),
    "zero-bytes": (lambda p: p.write_bytes(b""), "empty_image"),
    "not-an-image": (lambda p: p.write_text("hello"), "invalid_image"),
    "truncated": (lambda p: p.write_bytes(encode(scene_pixels(), "JPEG")[:200]), "invalid_image"),
    "too-many-pixels": (_bomb, "image_too_large"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_image_exits_non_zero_with_one_plain_line(cli, tiny_model_dir, tmp_path, case):
    make, code = BAD_INPUTS[case]
    image = tmp_path / "in.png"
    make(image)
    proc = cli("segment", image, "-p", "dog", "--model-dir", tiny_model_dir, "--out", tmp_path / "o")
    assert proc.returncode == 1  # the work failed; 2 is for a command that is itself wrong
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(f"error: {code}: ")
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_empty_prompt_exits_non_zero(cli, tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    proc = cli("segment", image, "-p", " ", "--model-dir", tiny_model_dir)
    assert proc.returncode != 0 and proc.stderr.startswith("error: empty_prompt: ")


def test_incomplete_model_dir_names_the_file_and_the_fix(cli, tiny_model_dir, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.name != "model.safetensors":
            (model / f.name).write_bytes(f.read_bytes())
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    proc = cli("segment", image, "-p", "dog", "--model-dir", model)
    assert proc.returncode != 0
    assert "model.safetensors" in proc.stderr and "hf download facebook/sam3" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_setting_names_the_environment_variable(cli, tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    proc = cli("segment", image, "-p", "dog", "--model-dir", tiny_model_dir, env={"SAM3FN_MAX_PIXELS": "lots"})
    assert proc.returncode == 2 and "SAM3FN_MAX_PIXELS" in proc.stderr  # a usage error, like a bad flag


def test_chinese_prompts_are_translated_before_the_model_sees_them(cli, tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    proc = cli("segment", image, "-p", "狗", "-p", "穿蓝色夹克的人", "--model-dir", tiny_model_dir, "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("狗\t-> dog\t")
    assert proc.stdout.splitlines()[1].startswith("穿蓝色夹克的人\t-> person wearing a blue jacket\t")


def test_translate_command_prints_english_and_method(cli, tmp_path):
    proc = cli("translate", "狗", "Red Car", "蓝莓飞船", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines[0] == "狗\tdog\tglossary" and lines[1] == "Red Car\tred car\tnone"
    assert lines[2].startswith("蓝莓飞船\t-\tunavailable") and proc.returncode == 1


def test_coco_file_is_a_dataset_pycocotools_loads(cli, tiny_model_dir, tmp_path):
    # The page's download of the same name loads with COCO(); the CLI's file must too.
    image = tmp_path / "街景 photo.png"
    image.write_bytes(encode(scene_pixels(90, 130)))
    out = tmp_path / "out"
    proc = cli("segment", image, "-p", "dog", "-p", "狗", "--model-dir", tiny_model_dir, "--out", out)
    assert proc.returncode == 0, proc.stderr
    coco = COCO(str(out / "街景 photo.png.coco.json"))
    assert coco.loadImgs(coco.getImgIds()) == [{"id": 1, "file_name": "街景 photo.png", "width": 130, "height": 90}]
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["dog", "dog"]
    anns = coco.loadAnns(coco.getAnnIds())
    assert anns and len({a["id"] for a in anns}) == len(anns)
    for ann in anns:
        mask = coco.annToMask(ann)
        assert mask.shape == (90, 130) and int(mask.sum()) == ann["area"] and 0 <= ann["score"] <= 1


def _a_file(out: Path) -> Path:
    out.write_text("not a directory")
    return out


def _under_a_file(out: Path) -> Path:
    return _a_file(out) / "sub"


@pytest.mark.parametrize("make_out", [_a_file, _under_a_file], ids=["a-file", "under-a-file"])
def test_unusable_out_fails_in_one_plain_line_before_the_model_loads(cli, tmp_path, make_out):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    # No model at all: the output directory is checked first, so a typo costs no model load.
    proc = cli("segment", image, "-p", "dog", "--model-dir", tmp_path / "no-model", "--out", make_out(tmp_path / "o"))
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("error: output_unwritable: ") and "Traceback" not in proc.stderr


def test_unwritable_output_file_is_one_plain_line(cli, tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    (tmp_path / "o" / "in.png.json").mkdir(parents=True)  # in the way of out/in.png.json
    proc = cli("segment", image, "-p", "dog", "--model-dir", tiny_model_dir, "--out", tmp_path / "o")
    assert proc.returncode != 0
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith("error: output_unwritable: ") and "in.png.json" in error and "Traceback" not in proc.stderr


def test_tiny_model_never_replaces_other_files(cli, tiny_model_dir, tmp_path):
    real = tmp_path / "sam3"
    real.mkdir()
    (real / "model.safetensors").write_bytes(b"the real, gated weights")
    proc = cli("tiny-model", real)
    assert proc.returncode != 0 and proc.stderr.startswith("error: directory_not_empty: ")
    assert "model.safetensors" in proc.stderr and "Traceback" not in proc.stderr
    assert (real / "model.safetensors").read_bytes() == b"the real, gated weights"
    # An earlier tiny model may be rewritten, and a path that is a file is one plain line too.
    again = tmp_path / "tiny"
    again.mkdir()
    for f in tiny_model_dir.iterdir():
        (again / f.name).write_bytes(f.read_bytes())
    assert cli("tiny-model", again).returncode == 0
    proc = cli("tiny-model", _a_file(tmp_path / "file"))
    assert proc.returncode != 0 and proc.stderr.startswith("error: output_unwritable: ")


@pytest.mark.parametrize("flag", ["--threshold", "--mask-threshold", "--refine"])
def test_a_flag_that_is_not_a_number_says_so(cli, tmp_path, flag):
    proc = cli("segment", tmp_path / "in.png", "-p", "dog", flag, "abc")
    assert proc.returncode == 2
    assert f"argument {flag}: 'abc' is not a number between 0 and 1" in proc.stderr and "_unit" not in proc.stderr


@pytest.mark.parametrize("argv", [["segment", "in.png"], ["segment", "in.png", "-p", "dog", "--threshold", "1.5"],
                                  ["sgement"], ["serve", "--port", "x"]])
def test_argument_errors_are_one_line_with_a_code_like_every_other_error(cli, argv):
    proc = cli(*argv)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: invalid_arguments: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.rstrip().endswith("--help)")


@pytest.mark.parametrize("argv", [["translate", "狗"], ["serve"], ["segment", "in.png", "-p", "dog"],
                                  ["tiny-model", "d"]])
def test_an_unknown_flag_points_at_its_commands_own_help(cli, argv):
    command = argv[0]
    proc = cli(*argv, "--bogus")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: invalid_arguments: unrecognized arguments: --bogus")
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.rstrip().endswith(f"(see sam3fn {command} --help)"), proc.stderr


def test_prompts_with_tabs_or_newlines_keep_one_line_each(cli, tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    proc = cli("segment", image, "-p", "red\tcar", "-p", "blue\ncar", "--model-dir", tiny_model_dir,
               "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("red car\t-> red car\t") and lines[1].startswith("blue car\t-> ")


def test_backend_setting_reaches_the_model(tiny_model_dir, tmp_path):
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    env = {**os.environ, "SAM3FN_BACKEND": "aoti"}
    env.pop("SAM3FN_ENGINE_DIR", None)
    proc = console("segment", image, "-p", "dog", "--model-dir", tiny_model_dir, "--out", tmp_path / "o", env=env)
    # the loader was asked for aoti (ignored before, so nothing was said), and says why eager runs instead
    assert proc.returncode == 0 and "backend aoti not used, falling back: no engine directory" in proc.stderr


def test_serve_on_a_taken_port_fails_in_one_line_before_loading(tiny_model_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = console("serve", "--model-dir", tiny_model_dir, "--host", "127.0.0.1", "--port", port)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: address_unavailable: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in proc.stderr


BAD_PROMPTS = {
    "empty": (["  "], "empty_prompt"),
    "too-long": (["dog " * 60], "prompt_too_long"),
    "too-many": ([f"thing {n}" for n in range(17)], "too_many_prompts"),
    "untranslatable": (["蓝莓飞船"], "translation_unavailable"),
    "two-things": (["狗和猫"], "several_things"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROMPTS))
def test_bad_prompts_fail_before_the_model_loads_and_write_nothing(cli, tmp_path, case):
    prompts, code = BAD_PROMPTS[case]
    image = tmp_path / "in.png"
    image.write_bytes(encode(scene_pixels()))
    # No model at all: a prompt segment refuses costs no model load (seconds to minutes with real weights),
    # and leaves no empty --out behind.
    flags = [arg for p in prompts for arg in ("-p", p)]
    proc = cli("segment", image, *flags, "--model-dir", tmp_path / "no-model", "--out", tmp_path / "o")
    assert proc.returncode == 1 and proc.stderr.startswith(f"error: {code}: "), proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [["serve", "--port", "70000"],
                                     ["segment", "in.png", "-p", "dog", "--device", "tpu"]])
def test_a_bad_flag_value_is_named_by_its_flag_not_an_unset_variable(cli, monkeypatch, tmp_path, command):
    for key in [k for k in os.environ if k == "PORT" or k.startswith("SAM3FN_")]:
        monkeypatch.delenv(key)
    proc = cli(*command, cwd=tmp_path)
    flag = command[-2]
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: invalid_setting: {flag}: "), proc.stderr
    # The same value from the environment still names the variable.
    variable = "PORT" if flag == "--port" else "SAM3FN_DEVICE"
    proc = cli(*command[:-2], env={variable: command[-1]})
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: invalid_setting: {variable}: "), proc.stderr


def test_serve_with_a_model_dir_that_is_not_there_stops_instead_of_serving_random_weights(cli, tmp_path):
    proc = cli("serve", "--model-dir", tmp_path / "sam3-typo", "--port", "0")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: model_unavailable: ") and "Traceback" not in proc.stderr
    assert str(tmp_path / "sam3-typo") in proc.stderr


def test_an_image_file_over_the_body_limit_is_refused_without_reading_it_all(cli, tiny_model_dir, tmp_path):
    # /dev/zero given by mistake would be read until memory runs out; a big file is refused like a big upload
    for image in (Path("/dev/zero"), tmp_path / "big.png"):
        if image.name == "big.png":
            image.write_bytes(encode(scene_pixels(64, 64)) + bytes(2000))
        proc = cli("segment", image, "-p", "dog", "--model-dir", tiny_model_dir, "--out", tmp_path / "o",
                   env={"SAM3FN_MAX_BODY_BYTES": "1000"})
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("error: image_too_large: ") and "1,000 bytes" in proc.stderr
        assert not (tmp_path / "o").exists()
