#!/usr/bin/env bash
# Sets up .venv from nothing and runs the whole test suite. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser tests drive Debian's chromium (never a downloaded browser); CJK fonts make Chinese readable
# in their screenshots; the page's modules are unit-tested under Node's built-in runner.
need=""
dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || need="chromium fonts-noto-cjk"
command -v node >/dev/null || need="$need nodejs"
command -v gdb >/dev/null || need="$need gdb"  # the AOTInductor probe's native-backtrace test
if [ -n "$need" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  # shellcheck disable=SC2086 # $need is a list of package names
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
python3 -m venv .venv
# torch first, pinned: on the dev machines `torch==2.13.0` is a local CPU wheel; any other way of
# installing torch pulls gigabytes of CUDA packages. Every later install keeps this torch.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
