#!/usr/bin/env bash
# Wheels the serving stack needs on a GPU machine that has torch and transformers but no package index
# (the H200 machine of the device tool): into .whl/ (git-ignored), for CPython 3.12 on x86-64 Linux.
# Install there with: pip install --no-index --no-deps --target /tmp/site .whl/*.whl; PYTHONPATH=/tmp/site
set -euo pipefail
cd "$(dirname "$0")/.."
# Pinned to what the dev venv resolves, so the GPU run uses the versions the tests ran with.
pins=(
  pycocotools==2.0.11 msgspec==0.22.0 litestar==2.25.0 litestar-htmx==0.5.0 multipart==2.0.1
  polyfactory==3.5.0 faker==40.63.0 rich-click==1.9.9 sniffio==1.3.1 uvicorn==0.54.0
  boto3==1.44.8 botocore==1.44.8 s3transfer==0.19.3 jmespath==1.1.0 pluralizer==2.0.0 opencc==1.4.2
)
rm -rf .whl && mkdir .whl
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
  -d .whl "${pins[@]}"
du -sh .whl
