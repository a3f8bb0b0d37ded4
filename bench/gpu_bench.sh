#!/usr/bin/env bash
# The whole GPU measurement of #6 in one command, on a CUDA machine:
#
#   bash bench/gpu_bench.sh [RESULTS_DIR]        # default bench/results
#   bash bench/gpu_bench.sh --smoke RESULTS_DIR  # the same steps, tiny model on the CPU (CI runs this)
#
# 1. writes the full-size SAM 3 architecture with random weights (the real weights are gated; latency
#    does not depend on weight values);
# 2. times eager in the engine's precision (bench/model_latency.py), before the long build, so a run cut
#    short still has its baseline;
# 3. probes in which package form this machine's torch can load AOTInductor packages, if any
#    (bench/aoti_load_probe.py, seconds; the engine steps are skipped where none loads), then builds
#    AOTInductor fp16 engines in that form with engine_build (Inductor's default heuristics, the parity
#    gate running), then times the aoti engine into the same results file. The device tool lends 30 minutes in
#    all, and max-autotune (engine_build's own default, what infra/image/build_engines.sh uses) benchmarks
#    kernels for minutes per stage; set SAM3FN_BENCH_AUTOTUNE=max where time allows;
# 4. serves through the aoti engine and times it over HTTP (bench/serve_latency.py);
# 5. runs the GPU-only tests (CUDA-graph replay, COCO RLE built on the GPU, the GPU mask path against
#    the CPU window path, the CUDA aoti engine),
#    times mask encoding on the device (bench/mask_encoding.py; at 1008 px and for a 12 MP photo), and
#    times eager in the other precisions;
# 6. times loading each aoti stage from its package and from its unpacked form (bench/aoti_stage_load.py).
# Each step's log and result lands in RESULTS_DIR as soon as the step ends. GPU time is scarce, so a
# failed engine build, latency configuration, serving run, GPU test, mask-encoding or stage-load timing
# is logged and the run goes on (eager only without an engine); a failure to set up (no model, no
# interpreter, no serving stack) stops it.
# Where the serving stack is not installed (the device tool's H200), it comes from .whl/, filled here
# beforehand by bench/device_wheels.sh. Work files (model, engines) go to $SAM3FN_BENCH_WORK or a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
if [ "${1:-}" = "--smoke" ]; then smoke=true; shift; fi
if $smoke; then
  config=tiny device=cpu precision=fp32 model_flags="" latency_flags="--iterations 3" serve_flags="--side 256 --runs 2"
  mask_flags="--size 256 --counts 1 10 --runs 1" load_runs=1 probe_flags="--variants default"
else
  config=full device=cuda precision=fp16 model_flags="--full-size" latency_flags="--iterations 30" serve_flags=""
  mask_flags="" load_runs=3 probe_flags=""
fi
results=$(realpath -m "${1:-bench/results}")
work=${SAM3FN_BENCH_WORK:-$(mktemp -d)}
mkdir -p "$results" "$work"
py=${PYTHON:-python3}  # the interpreter that has torch; the H200 image's is python3
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD/function:$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c "import litestar, msgspec, pycocotools, boto3, uvicorn, pluralizer, opencc" 2>/dev/null; then
  [ -d .whl ] || { echo "the serving stack is missing and there is no .whl/ (run bench/device_wheels.sh)" >&2; exit 1; }
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$work/site" .whl/*.whl
  export PYTHONPATH="$PYTHONPATH:$work/site"
fi
stamp=$(date -u +%Y%m%dT%H%M%S)
step() { echo; echo "== $(date -u +%H:%M:%S) $*"; }

step "environment"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$results/gpu-$stamp.txt"
fi
"$py" -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda, \
'transformers', transformers.__version__)" | tee -a "$results/gpu-$stamp.txt"

step "$config random-weights model"
# (a write cut short leaves a directory tiny-model refuses to overwrite: start it again from nothing)
# shellcheck disable=SC2086 # flags are deliberately word-split
if [ ! -f "$work/model/model.safetensors" ]; then
  rm -rf "$work/model"
  "$py" -m sam3fn.cli tiny-model $model_flags "$work/model"
fi

latency="$results/model-latency-$config-$stamp.json"
measure() {  # backend:precision pairs, into the one latency file; a failed configuration is recorded there
  # shellcheck disable=SC2086 # flags are deliberately word-split
  "$py" bench/model_latency.py --config "$config" --device "$device" --model-dir "$work/model" \
    --engine-dir "$work/engines" --runs "$@" $latency_flags --into "$latency" \
    || echo "A LATENCY CONFIGURATION FAILED: continuing (its error is in $latency)"
}

step "model latency: eager $precision, the baseline, before the long build"
measure "eager:$precision"

step "AOTInductor load probe: a two-layer module compiled and loaded on $device, in fresh processes"
# Seconds, where the engine build takes minutes: on a machine whose torch cannot load any AOTInductor
# package (the H200 of 2026-11-25 crashed every load: its C++ compiler linked libstdc++ statically, which
# engine_build/toolchain.py, used by the probe too, now refuses) the build is skipped and the run goes on eager.
engines=true
# shellcheck disable=SC2086 # flags are deliberately word-split
"$py" bench/aoti_load_probe.py --device "$device" --out "$results" --options-out "$work/inductor-options" $probe_flags \
  || { engines=false; echo "AOTINDUCTOR CANNOT LOAD PACKAGES HERE: no engine build, eager only (see the probe)"; }
# The Inductor settings of the package form the probe found loadable (none for the default form).
inductor_flags=()
if $engines; then
  while IFS= read -r option; do inductor_flags+=(--inductor-option "$option"); done <"$work/inductor-options"
fi

autotune=${SAM3FN_BENCH_AUTOTUNE:-default}
$engines && step "engine_build aoti $precision on $device (autotune $autotune, parity gate)"
$engines && { [ -f "$work/engines/aoti/manifest.json" ] || "$py" -m engine_build --weights "$work/model" --out "$work/engines" \
  --backend aoti --precision "$precision" --device "$device" --autotune "$autotune" \
  ${inductor_flags[@]+"${inductor_flags[@]}"} 2>&1 \
  | tee "$results/engine-build-aoti-$precision-$stamp.log" \
  || { engines=false; echo "ENGINE BUILD FAILED: continuing with eager only (see the log)"; }; }
$engines && cp "$work/engines/aoti/manifest.json" "$results/engine-manifest-aoti-$precision-$stamp.json"

backend=eager
if $engines; then
  backend=aoti
  step "model latency: aoti $precision"
  measure "aoti:$precision"
fi

step "serving through the $backend backend"
# shellcheck disable=SC2086
"$py" bench/serve_latency.py --model-dir "$work/model" --engine-dir "$work/engines" --backend "$backend" \
  --device "$device" --precision "$precision" $serve_flags --out "$results" \
  || echo "SERVING FAILED: continuing (the server's log is in $results)"

step "GPU-only tests"
"$py" -m pytest -q -p no:cacheprovider tests/core/test_cuda_graphs.py tests/core/test_postprocess.py \
  tests/core/test_encodings.py tests/core/test_device_rle.py tests/core/test_windows.py "tests/engine_build/test_aoti_engine.py::test_cuda_engine_replayed_from_graphs_equals_it_uncaptured" \
  2>&1 | tee "$results/gpu-tests-$stamp.log" || echo "GPU TESTS FAILED: continuing (see the log)"

step "mask encoding (100 instances: upsample, threshold, RLE)"
# shellcheck disable=SC2086
"$py" bench/mask_encoding.py --device "$device" $mask_flags --out "$results" \
  || echo "MASK ENCODING FAILED: continuing (its error is above)"
if ! $smoke; then  # a 12 MP photo: 12 times the pixels the 100-instance target is stated at
  "$py" bench/mask_encoding.py --device "$device" --size 3024x4032 --masks objects --counts 10 100 --runs 3 \
    --out "$results" || echo "12 MP MASK ENCODING FAILED: continuing (its error is above)"
fi

if ! $smoke && [ "${SAM3FN_BENCH_OTHER_PRECISIONS:-1}" = 1 ]; then  # 0: skip them (a re-run that has them)
  step "model latency: eager in the other precisions"
  measure eager:bf16 eager:fp32
fi

if $engines; then
  step "aoti stage load: package (extracted into /tmp) vs unpacked in place, fresh processes"
  "$py" bench/aoti_stage_load.py --engine-dir "$work/engines/aoti" --device "$device" --runs "$load_runs" --label "$config" \
    --out "$results" || echo "STAGE LOAD TIMING FAILED: continuing"
fi
step "done: $results"
