#!/bin/sh
# Wire a MinIO bucket to the function: a webhook target with the events token and a durable queue, then
# an event rule per image suffix under the input prefix. Needs `mc` with an alias for the deployment.
#
#   MINIO_ALIAS=prod SAM3FN_URL=https://sam3fn.example.com SAM3FN_EVENTS_TOKEN=... sh infra/minio/setup.sh
#
# queue_dir: MinIO stores each event on its own disk before delivery and retries until the function
# answers 2xx, so a function scaled to zero (or restarting) loses nothing. The path is on the MinIO
# server, not here.
set -eu
: "${MINIO_ALIAS:?mc alias of the MinIO deployment}"
: "${SAM3FN_URL:?the function URL, e.g. https://sam3fn.default.example.com}"
: "${SAM3FN_EVENTS_TOKEN:?the SAM3FN_EVENTS_TOKEN of the function}"
BUCKET=${BUCKET:-images}
INPUT_PREFIX=${INPUT_PREFIX:-inputs/}  # the function's SAM3FN_INPUT_PREFIX
QUEUE_DIR=${QUEUE_DIR:-/data/.minio-events/sam3fn}

# MinIO sends auth_token as "Authorization: Bearer <token>", which /v1/events checks.
mc admin config set "$MINIO_ALIAS" notify_webhook:sam3fn \
    endpoint="$SAM3FN_URL/v1/events" auth_token="$SAM3FN_EVENTS_TOKEN" \
    queue_dir="$QUEUE_DIR" queue_limit=100000
mc admin service restart "$MINIO_ALIAS"  # notification targets are read at start-up

# One rule per suffix (a rule has one prefix and one suffix); results/ never matches the prefix, so the
# function's own writes never trigger it.
for suffix in .jpg .jpeg .png .webp; do
    mc event add "$MINIO_ALIAS/$BUCKET" arn:minio:sqs::sam3fn:webhook \
        --event put --prefix "$INPUT_PREFIX" --suffix "$suffix"
done
mc event ls "$MINIO_ALIAS/$BUCKET" arn:minio:sqs::sam3fn:webhook
