#!/bin/sh
# build_engines.sh DEVICE PRECISION BACKEND... : compile the engines the image ships, from the weights it
# ships (the real ones when present, else the CPU variant's tiny model), into /opt/sam3fn/engines.
# engine_build gates every stage on parity with float32 eager and exits non-zero on a failure, which
# fails the image build: an engine that disagrees with the model never reaches the runtime image.
set -eu
device=$1 precision=$2
shift 2
weights=/opt/sam3fn/models/sam3
[ -f "$weights/config.json" ] || weights=/opt/sam3fn/tiny-random
if [ "$device" = cuda ] && ! python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    echo "error: no GPU in this build step: build with --device nvidia.com/gpu=all (podman/buildah)" \
         "or VARIANT=gpu-buildkit on a GPU builder with --allow device (docker buildx)" >&2
    exit 1
fi
mkdir -p /opt/sam3fn/engines
cd /src  # engine_build is a top-level package of the repository, not part of the installed wheel
for backend in "$@"; do
    python -m engine_build --weights "$weights" --out /opt/sam3fn/engines --backend "$backend" \
        --precision "$precision" --device "$device"
done
# The function loads each AOTInductor stage from the directory engine_build unpacked its package into
# (no extraction into /tmp at start-up); a package beside its unpacked form would only double the image.
for package in /opt/sam3fn/engines/aoti/*.pt2; do
    if [ -d "${package%.pt2}" ]; then rm "$package"; fi
done
