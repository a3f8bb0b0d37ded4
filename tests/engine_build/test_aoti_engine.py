"""engine_build on CPU with the tiny model: export, AOTInductor compile, parity gate, manifest; then the
function serves through the engine, and refuses (falling back) an engine that does not fit the host."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from engine_build.backends import aoti_options
from sam3fn.core.aot_engine import AotiEngine, EngineUnusable, check_manifest, file_sha256, missing_cpu_instructions
from sam3fn.core.aoti_stage import load_aoti_package, load_unpacked
from sam3fn.core.encodings import decode_rle
from sam3fn.core.images import from_array
from sam3fn.core.loader import load_model
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions
from support.images import scene_pixels

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine_dir(bench_smoke):
    """The tiny fp32 CPU engines the GPU benchmark's smoke run built with `python -m engine_build`."""
    assert bench_smoke.returncode == 0, bench_smoke.output[-3000:]
    return bench_smoke.work / "engines"


def test_build_writes_packages_and_a_manifest_with_parity(engine_dir):
    manifest = json.loads((engine_dir / "aoti" / "manifest.json").read_text())
    assert manifest["backend"] == "aoti" and manifest["precision"] == "fp32"
    assert manifest["device"]["type"] == "cpu" and manifest["versions"]["torch"] == torch.__version__
    assert set(manifest["stages"]) == {"image", "text", "decoder"}
    for name, stage in manifest["stages"].items():
        assert stage["passed"] and (engine_dir / "aoti" / stage["file"]).is_file()
        assert stage["parity"]["mask_cosine"] >= 0.999 and stage["parity"]["mask_iou_top20"] >= 0.98
        # ... and unpacked beside it, every file checksummed: what the function loads.
        unpacked = stage["unpacked"]
        assert unpacked["dir"] == name and unpacked["library"].endswith(".so") and unpacked["library"] in unpacked["files"]
        for file, sha in unpacked["files"].items():
            assert file_sha256(engine_dir / "aoti" / name / file) == sha
    assert manifest["model"]["random_weights"] is True
    assert manifest["options"]["autotune"] == "default" and manifest["build_seconds"] > 0  # as the bench asked
    assert [manifest["stages"][s]["max_batch"] for s in ("image", "text", "decoder")] == [8, 16, 16]
    # Moved in from its staging directory, with the mode the umask gives (readable by the serving user).
    assert [p.name for p in engine_dir.iterdir()] == ["aoti"]
    umask = os.umask(0)
    os.umask(umask)
    assert (engine_dir / "aoti").stat().st_mode & 0o777 == 0o777 & ~umask


def test_autotune_max_benchmarks_kernels_on_a_gpu_only():
    assert aoti_options(torch.device("cuda"), "max") == {"max_autotune": True}
    assert aoti_options(torch.device("cuda"), "max", {"aot_inductor.embed_kernel_binary": True}) == {
        "max_autotune": True, "aot_inductor.embed_kernel_binary": True}
    assert aoti_options(torch.device("cuda"), "default") == aoti_options(torch.device("cpu"), "max") == {}
    with pytest.raises(ValueError, match="autotune"):
        aoti_options(torch.device("cuda"), "fast")


def test_function_serves_through_the_aoti_engine_like_eager(engine_dir, tiny_model_dir):
    aoti = Segmenter(load_model(tiny_model_dir, "cpu", "fp32", backend="auto", engine_dir=engine_dir))
    eager = Segmenter(load_model(tiny_model_dir, "cpu", "fp32", backend="eager"))
    assert aoti.info.backend == "aoti"
    image = from_array(scene_pixels())
    prompts = [Prompt.plain("dog"), Prompt.plain("red car"), Prompt.plain("tree")]  # prompt batch 3, built at 2
    got, want = (s.run(image, prompts, SegmentOptions(threshold=0.3)).results for s in (aoti, eager))
    for g, w in zip(got, want):
        assert len(g.instances) == len(w.instances) > 0
        for a, b in zip(g.instances, w.instances):
            assert abs(a.score - b.score) < 1e-4
            ma, mb = decode_rle(a.mask), decode_rle(b.mask)
            assert (ma & mb).sum() / max(1, (ma | mb).sum()) > 0.99
    single = aoti.run(image, prompts[:1], SegmentOptions(threshold=0.3)).results[0]  # prompt batch 1
    assert [i.score for i in single.instances] == [i.score for i in got[0].instances]


def test_more_prompts_than_the_stages_take_are_run_in_slices(engine_dir, tiny_model_dir, tmp_path):
    """SAM3FN_MAX_PROMPTS can be set above the prompt batch the stages were compiled for (16), which a TensorRT
    profile refuses outright: the engine must never call a stage with more, and the slices must add up to
    what one call gives. Here the manifest says 2, so 5 prompts make slices of 2, 2 and 1."""
    engines = tmp_path / "engines"
    copy = _copy(engine_dir, engines)
    manifest = json.loads((copy / "manifest.json").read_text())
    for name in ("text", "decoder"):
        manifest["stages"][name]["max_batch"] = 2
    (copy / "manifest.json").write_text(json.dumps(manifest))
    sliced = Segmenter(load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=engines))
    whole = Segmenter(load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=engine_dir))
    engine = sliced.engine
    assert engine.backend == "aoti" and engine.max_prompts == 2
    batches = []

    def recording(stage, index):
        def run(*args):
            batches.append(args[index].shape[0])
            return stage(*args)
        return run

    engine._text, engine._decoder = recording(engine._text, 0), recording(engine._decoder, 6)
    prompts = [Prompt.plain(p) for p in ("dog", "red car", "tree", "person", "bicycle")]
    image = from_array(scene_pixels())
    got, want = (s.run(image, prompts, SegmentOptions(threshold=0.3)).results for s in (sliced, whole))
    assert batches and max(batches) <= 2 and sorted(batches) == [1, 1, 2, 2, 2, 2]
    for g, w in zip(got, want):
        assert [round(i.score, 4) for i in g.instances] == [round(i.score, 4) for i in w.instances]
        assert [i.mask.counts for i in g.instances] == [i.mask.counts for i in w.instances]


def test_an_engine_for_another_precision_is_refused_and_the_loader_falls_back(engine_dir, tiny_model_dir, caplog):
    with pytest.raises(EngineUnusable, match="built for fp32, running bf16"):
        check_manifest(engine_dir / "aoti", "aoti", torch.device("cpu"), "bf16")
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        loaded = load_model(tiny_model_dir, "cpu", "bf16", backend="auto", engine_dir=engine_dir)
    assert loaded.engine.backend == "eager"
    assert any("aoti not used" in r.getMessage() and "bf16" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("other", ["another-seed", "one-tensor-changed", "real-weights-mounted"])
def test_an_engine_compiled_from_other_weights_is_refused_and_the_loader_falls_back(engine_dir, tiny_model_dir,
                                                                                    tmp_path, caplog, other):
    # The weights are compiled into the engine: served beside other weights it would answer with its own
    # model under their name (the CPU image's tiny engines with real weights mounted later, say).
    from safetensors.torch import load_file, save_file

    from sam3fn.core.model_dir import RANDOM_WEIGHTS_MARKER
    from sam3fn.core.tiny_model import write_tiny_model

    if other == "another-seed":
        model = write_tiny_model(tmp_path / "model", seed=1)
    else:
        model = Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))
        if other == "one-tensor-changed":
            tensors = load_file(model / "model.safetensors")
            name = sorted(tensors)[len(tensors) // 2]
            tensors[name] = tensors[name] + 0.01
            save_file(tensors, model / "model.safetensors", metadata={"format": "pt"})
        else:  # same bytes, but no longer labelled random: what a real checkpoint in its place would look like
            (model / RANDOM_WEIGHTS_MARKER).unlink()
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        loaded = load_model(model, "cpu", "fp32", backend="auto", engine_dir=engine_dir)
    assert loaded.engine.backend == "eager"
    assert any("aoti not used" in r.getMessage() and "compiled from other weights" in r.getMessage()
               for r in caplog.records)


def test_a_backend_asked_for_without_an_engine_directory_says_why_eager_runs(tiny_model_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        loaded = load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=None)
    assert loaded.engine.backend == "eager"
    assert any("aoti not used" in r.getMessage() and "SAM3FN_ENGINE_DIR" in r.getMessage() for r in caplog.records)


def test_auto_tries_only_the_backends_that_were_built_and_says_when_none_was(engine_dir, tiny_model_dir, tmp_path,
                                                                             caplog):
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        assert load_model(tiny_model_dir, "cpu", "fp32", backend="auto", engine_dir=engine_dir).engine.backend == "aoti"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # no tensorrt/ is no news
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):  # pointed at aoti/ itself, say
        load_model(tiny_model_dir, "cpu", "fp32", backend="auto", engine_dir=engine_dir / "aoti")
    assert any("no engines in" in r.getMessage() for r in caplog.records)


def test_the_engine_is_hashed_while_the_tokenizer_loads(engine_dir, tiny_model_dir, monkeypatch):
    # Each side waits until the other has begun: done one after the other, in either order, one times out.
    import sam3fn.core.aot_engine as aot_engine
    import sam3fn.core.loader as loader

    hashing, tokenizing = threading.Event(), threading.Event()
    file_sha256, load_tokenizer = aot_engine.file_sha256, loader.load_tokenizer

    def hash_file(path):
        hashing.set()
        assert tokenizing.wait(30), "the engine was hashed before the tokenizer started loading"
        return file_sha256(path)

    def tokenizer(path):
        tokenizing.set()
        assert hashing.wait(30), "the tokenizer loaded before the engine started hashing"
        return load_tokenizer(path)

    monkeypatch.setattr(aot_engine, "file_sha256", hash_file)
    monkeypatch.setattr(loader, "load_tokenizer", tokenizer)
    assert load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=engine_dir).engine.backend == "aoti"


def _copy(engine_dir, tmp_path, keep: str = "both"):
    """A copy of the aoti engine with both forms of each stage, or only the `packages` or `unpacked` ones."""
    copy = tmp_path / "aoti"
    shutil.copytree(engine_dir / "aoti", copy)
    for name in ("image", "text", "decoder"):
        if keep == "packages":
            shutil.rmtree(copy / name)
        elif keep == "unpacked":
            (copy / f"{name}.pt2").unlink()
    return copy


@pytest.mark.parametrize("tamper", ["torch-version", "device", "unpacked-library", "package", "older-format",
                                    "escaping-name", "unpacked-metadata", "max-batch"])
def test_mismatched_or_tampered_engines_are_refused(engine_dir, tmp_path, tamper):
    copy = _copy(engine_dir, tmp_path, keep="packages" if tamper == "package" else "both")
    manifest = json.loads((copy / "manifest.json").read_text())
    text = manifest["stages"]["text"]
    if tamper == "torch-version":
        manifest["versions"]["torch"] = "0.0.1"
    elif tamper == "device":
        manifest["device"]["type"] = "cuda"
    elif tamper == "older-format":  # format 1 decoders took P copies of the image features
        manifest["format"] = 1
    elif tamper == "unpacked-library":
        (copy / "text" / text["unpacked"]["library"]).write_bytes(b"not the engine")
    elif tamper == "max-batch":  # 0 would slice the prompts into nothing
        text["max_batch"] = 0
    elif tamper == "escaping-name":
        text["unpacked"]["files"]["../decoder.pt2"] = text["sha256"]
    elif tamper == "unpacked-metadata":  # gone from disk and manifest alike: the checksums cannot notice
        name = Path(text["unpacked"]["library"]).stem + "_metadata.json"
        (copy / "text" / name).unlink()
        del text["unpacked"]["files"][name]
    else:
        (copy / text["file"]).write_bytes(b"not the engine")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(EngineUnusable):
        check_manifest(copy, "aoti", torch.device("cpu"), "fp32")


@pytest.mark.parametrize("keep", ["unpacked", "packages"])
def test_either_form_of_the_stages_serves_alone(engine_dir, tiny_model_dir, tmp_path, keep):
    # The image ships the unpacked stages alone; an engine directory with only packages still loads.
    copy = _copy(engine_dir, tmp_path / "engines", keep)
    loaded = load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=copy.parent)
    assert loaded.engine.backend == "aoti"
    ids, mask = torch.randint(0, 100, (2, 32)), torch.ones(2, 32, dtype=torch.int64)
    reference = AotiEngine(engine_dir / "aoti", torch.device("cpu"), torch.float32,
                           check_manifest(engine_dir / "aoti", "aoti", torch.device("cpu"), "fp32"))
    torch.testing.assert_close(loaded.engine.encode_text(ids, mask), reference.encode_text(ids, mask), rtol=0, atol=0)


def test_the_unpacked_stages_load_without_the_package_loader(engine_dir, monkeypatch):
    # The package loader extracts the whole package into /tmp on every load; unpacked stages never call it.
    def extracting(*args):
        raise AssertionError("the package loader was used")

    monkeypatch.setattr(torch._C._aoti, "AOTIModelPackageLoader", extracting)
    manifest = check_manifest(engine_dir / "aoti", "aoti", torch.device("cpu"), "fp32")
    engine = AotiEngine(engine_dir / "aoti", torch.device("cpu"), torch.float32, manifest)
    assert engine.encode_text(torch.randint(0, 100, (1, 32)), torch.ones(1, 32, dtype=torch.int64)).shape[0] == 1


_CRASH = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"  # what the H200's AOTI CUDA loader did


def _child_runs(monkeypatch, code: str) -> None:
    import engine_build.load_check as load_check

    monkeypatch.setattr(load_check, "_child_command", lambda device, package, library: [sys.executable, "-c", code])


@pytest.mark.parametrize("failure", ["refused", "different-outputs", "crashes-a-fresh-process"])
def test_a_stage_whose_unpacked_form_is_not_usable_is_built_from_its_package(engine_dir, tmp_path, monkeypatch, failure):
    import engine_build.build as build

    def unusable(library, device):
        if failure == "refused":
            raise RuntimeError("the runner refused the library")
        return lambda ids, mask: torch.zeros(ids.shape[0], 32, 64)

    if failure == "crashes-a-fresh-process":
        _child_runs(monkeypatch, f"print('package loaded', flush=True); {_CRASH}")
    else:
        monkeypatch.setattr(build, "load_unpacked", unusable)
    example = (torch.randint(0, 100, (2, 32)), torch.ones(2, 32, dtype=torch.int64))
    stage, unpacked = build._load_aoti(engine_dir / "aoti" / "text.pt2", tmp_path / "text", torch.device("cpu"), example)
    assert unpacked is None and not (tmp_path / "text").exists()  # so the manifest sends the function to the package
    features = stage(*example)
    assert features.shape[0] == 2 and features.abs().sum() > 0


def test_each_compiled_stage_is_loaded_in_a_fresh_process_first(engine_dir):
    from engine_build.load_check import check_in_child

    stage = json.loads((engine_dir / "aoti" / "manifest.json").read_text())["stages"]["text"]
    package = engine_dir / "aoti" / stage["file"]
    assert check_in_child("cpu", package, engine_dir / "aoti" / stage["unpacked"]["dir"] / stage["unpacked"]["library"])
    assert not check_in_child("cpu", package)  # no unpacked form asked about


def test_a_loader_that_crashes_its_process_stops_the_build_and_says_so(engine_dir, tiny_model_dir, tmp_path,
                                                                         monkeypatch, capsys):
    import engine_build.backends
    from engine_build.__main__ import main

    monkeypatch.setattr(engine_build.backends, "compile_aoti",  # the fixture's package: no second compile
                        lambda program, out, device, autotune="max", extra=None: shutil.copy(engine_dir / "aoti" / "image.pt2", out))
    _child_runs(monkeypatch, _CRASH)
    code = main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "engines"), "--backend", "aoti",
                 "--precision", "fp32", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 1 and "image.pt2: the loader crashed (SIGSEGV)" in err and "cannot run these engines" in err
    assert list((tmp_path / "engines").iterdir()) == []  # nothing published, no staging left


def test_inductor_options_asked_for_reach_the_compiler_and_the_manifest(engine_dir, tiny_model_dir, tmp_path,
                                                                       monkeypatch):
    import engine_build.backends
    from engine_build.__main__ import main

    asked = []

    def compiled(program, out, device, autotune="max", extra=None):  # the fixture's packages: no compiling
        asked.append(engine_build.backends.aoti_options(device, autotune, extra))
        shutil.copy(engine_dir / "aoti" / out.name, out)

    monkeypatch.setattr(engine_build.backends, "compile_aoti", compiled)
    code = main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "engines"), "--backend", "aoti",
                 "--precision", "fp32", "--device", "cpu", "--inductor-option", "aot_inductor.force_mmap_weights=true"])
    assert code == 0
    # ... beside the C++ compiler the toolchain check chose (engine_build.toolchain)
    [compiler] = asked[0]["cpp.cxx"]
    assert asked == [{"aot_inductor.force_mmap_weights": True, "cpp.cxx": [compiler]}] * 3
    manifest = json.loads((tmp_path / "engines" / "aoti" / "manifest.json").read_text())
    assert manifest["options"]["inductor"] == {"aot_inductor.force_mmap_weights": True, "cpp.cxx": [compiler]}
    assert manifest["options"]["autotune"] == "max"  # engine_build's default: the fastest engine


def _stage(engine_dir, name, form="unpacked"):
    manifest = json.loads((engine_dir / "aoti" / "manifest.json").read_text())
    stage = manifest["stages"][name]
    if form == "package":
        return load_aoti_package(engine_dir / "aoti" / stage["file"], torch.device("cpu")), stage["inputs"]
    library = engine_dir / "aoti" / stage["unpacked"]["dir"] / stage["unpacked"]["library"]
    return load_unpacked(library, torch.device("cpu")), stage["inputs"]


@pytest.mark.parametrize("form", ["unpacked", "package"])
def test_a_loaded_stage_returns_what_its_exported_module_returned(engine_dir, form):
    text, _ = _stage(engine_dir, "text", form)
    features = text(torch.randint(0, 100, (3, 32)), torch.ones(3, 32, dtype=torch.int64))
    assert isinstance(features, torch.Tensor) and features.shape[:2] == (3, 32)
    image, inputs = _stage(engine_dir, "image", form)
    image = image(torch.randn(1, *inputs[0][1:]))
    assert isinstance(image, tuple) and len(image) == 6  # three feature maps, three position encodings


def test_a_loaded_stage_lets_one_caller_in_at_a_time(engine_dir):
    # Stages load single-threaded (no instance pool, no CUDA event queries: what CUDA-graph capture
    # needs), which is safe only for one caller at a time, so the stage itself must queue the others.
    stage, _ = _stage(engine_dir, "text")
    runner, inside, most, guard = stage._runner, 0, 0, threading.Lock()

    class Counted:
        def run(self, tensors):
            nonlocal inside, most
            with guard:
                inside += 1
                most = max(most, inside)
            try:
                time.sleep(0.02)  # long enough for every other thread to arrive while this one is inside
                return runner.run(tensors)
            finally:
                with guard:
                    inside -= 1

    stage._runner = Counted()
    ids = torch.randint(0, 100, (3, 32))
    mask = torch.ones(3, 32, dtype=torch.int64)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: stage(ids, mask), range(8)))
    assert most == 1
    for out in outs[1:]:
        torch.testing.assert_close(out, outs[0], rtol=0, atol=0)


def test_cpu_packages_need_the_instruction_sets_they_were_compiled_for():
    assert missing_cpu_instructions("AVX512 AVX512_VNNI", ["avx2"]) == ["avx512", "avx512_vnni"]
    assert missing_cpu_instructions("AVX2", ["avx2", "avx512"]) == []
    # Names that are not x86 instruction sets (other architectures, no vector ISA) are the machine check's.
    assert missing_cpu_instructions("NEON", []) == missing_cpu_instructions("INVALID_VEC_ISA", []) == []


def test_this_cpus_instruction_sets_are_read_as_inductor_reads_them():
    from torch._inductor.cpu_vec_isa import x86_isa_checker

    from sam3fn.core.aot_engine import host_cpu_instructions

    assert host_cpu_instructions() == x86_isa_checker()


def test_a_cpu_engine_is_refused_on_a_cpu_without_its_instructions(engine_dir, monkeypatch):
    import sam3fn.core.aot_engine as aot_engine

    text = engine_dir / "aoti" / "text.pt2"
    compiled_for = torch._C._aoti.AOTIModelPackageLoader.load_metadata_from_package(str(text), "model")["AOTI_CPU_ISA"]
    if not missing_cpu_instructions(compiled_for, []):
        pytest.skip(f"this host compiled for no x86 vector extension ({compiled_for})")
    check_manifest(engine_dir / "aoti", "aoti", torch.device("cpu"), "fp32")  # this host: its own engine fits
    monkeypatch.setattr(aot_engine, "host_cpu_instructions", lambda: [])  # an x86-64 CPU without AVX2 or AVX-512
    with pytest.raises(EngineUnusable, match="CPU instructions this CPU lacks"):
        check_manifest(engine_dir / "aoti", "aoti", torch.device("cpu"), "fp32")


def test_loading_an_engine_starts_no_process_and_imports_no_compiler(engine_dir):
    # torch's aoti_load_package probes the CPU with a compiler and a Python process per instruction set
    # (seconds of cold start); the function's loader must not. A fresh process: torch caches that probe.
    code = f"""
import subprocess, torch
started = []
popen = subprocess.Popen.__init__
def record(self, args, *rest, **kw):
    started.append(args)
    return popen(self, args, *rest, **kw)
subprocess.Popen.__init__ = record
from sam3fn.core.aot_engine import AotiEngine, check_manifest
manifest = check_manifest({str(engine_dir / "aoti")!r}, "aoti", torch.device("cpu"), "fp32")
engine = AotiEngine({str(engine_dir / "aoti")!r}, torch.device("cpu"), torch.float32, manifest)
import sys
print("started", started, "compiler modules", sorted(m for m in sys.modules if m in ("torch._dynamo", "torch._inductor")))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "function")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "started [] compiler modules []" in proc.stdout, proc.stdout  # Inductor's import alone takes ~1 s


def test_a_tensorrt_engine_is_refused_without_the_tensorrt_it_was_built_with(engine_dir, tmp_path):
    copy = tmp_path / "tensorrt"
    shutil.copytree(engine_dir / "aoti", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["backend"] = "tensorrt"
    manifest["versions"].update(tensorrt="0.0.1", torch_tensorrt="0.0.2")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(EngineUnusable, match="built with tensorrt 0.0.1, this host has"):
        check_manifest(copy, "tensorrt", torch.device("cpu"), "fp32")


def test_tensorrt_backend_builds_where_tensorrt_imports(tiny_model_dir, tmp_path):
    pytest.importorskip("tensorrt", reason="TensorRT's builder is not installable on these machines")
    pytest.importorskip("torch_tensorrt")
    if not torch.cuda.is_available():
        pytest.skip("TensorRT needs a CUDA GPU")
    from engine_build.build import build

    stages = build(tiny_model_dir, tmp_path / "tensorrt", "tensorrt", "fp16", "cuda")
    assert all(s["passed"] for s in stages.values())
    loaded = load_model(tiny_model_dir, "cuda", "fp16", backend="tensorrt", engine_dir=tmp_path)
    assert loaded.engine.backend == "tensorrt"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs and a CUDA engine need a CUDA GPU")
def test_cuda_engine_replayed_from_graphs_equals_it_uncaptured(tiny_model_dir, tmp_path):
    from engine_build.build import build

    build(tiny_model_dir, tmp_path / "aoti", "aoti", "fp16", "cuda", autotune="default")  # GPU minutes are scarce
    graphed, plain = (Segmenter(load_model(tiny_model_dir, "cuda", "fp16", backend="aoti", engine_dir=tmp_path,
                                           cuda_graphs=on)) for on in (True, False))
    assert graphed.info.cuda_graphs and not plain.info.cuda_graphs
    state = plain.set_image(from_array(scene_pixels()))
    words = ["dog", "red car", "tree", "cup", "bench"]
    for count in (1, 3, 1, 5):  # buckets 1, 4 and 8 (padded), and bucket 1 replayed after the others
        text, mask, _, _ = plain.text_features(words[:count])
        g_text = graphed.engine.encode_text(*plain._tokenize(words[:count])[:2])
        # Padding changes the batch the kernels see, so equal up to half-precision rounding, not bitwise.
        torch.testing.assert_close(g_text, text, atol=2e-3, rtol=2e-3)
        got = graphed.engine.decode(state.features, text, mask)
        want = plain.engine.decode(state.features, text, mask)
        for name in ("logits", "presence", "boxes", "masks"):
            torch.testing.assert_close(getattr(got, name), getattr(want, name), atol=2e-2, rtol=2e-2)
    assert not graphed.engine._decoder.disabled and sorted(graphed.engine._decoder.graphs) == [1, 4, 8]
    assert sorted(graphed.engine._text.graphs) == [1, 4, 8]
    assert graphed.warm_up(from_array(scene_pixels()), 16) == [1, 2, 4, 8, 16]  # the server's warm-up
    assert sorted(graphed.engine._decoder.graphs) == sorted(graphed.engine._text.graphs) == [1, 2, 4, 8, 16]
