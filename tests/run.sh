#!/usr/bin/env bash
# Sets up .venv from nothing and runs the whole test suite. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
# torch first, pinned: on the dev machines `torch==2.13.0` is a local CPU wheel; any other way of
# installing torch pulls gigabytes of CUDA packages. Every later install keeps this torch.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
