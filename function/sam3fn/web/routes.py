"""The HTTP routes. Decoding and validation here, at the edge; inference on the worker; I/O in threads."""

from __future__ import annotations

import asyncio
import base64
import logging

import msgspec
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.datastructures import UploadFile
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..core.encodings import decode_rle, mask_to_png, merge_rles
from ..core.errors import InputError, Sam3fnError
from ..core.images import decode_image, to_png
from ..core.overlay import overlay_png
from ..core.segmenter import UNIT_OPTIONS, SegmentOptions
from ..events import parse_events
from ..storage import StorageUnavailable, is_s3_url, valid_bucket_name
from ..triggers import Job, Outcome
from .auth import API_KEY, EVENTS_TOKEN, api_key_guard, events_token_guard
from .errors import RETRY_AFTER
from .imagesource import from_base64, from_local_path, from_s3
from .openapi import EventsOperation, PredictOperation, PreviewOperation, SegmentOperation
from .runtime import Runtime
from .schemas import (ErrorBody, EventOutcome, EventsResponse, Health, Info, PredictRequest, PredictResponse,
                      SegmentRequest, SegmentResponse, SweepResponse)

log = logging.getLogger("sam3fn.web")


_ERROR_MEANINGS = {400: "invalid input (see `error.code`)", 401: "missing or wrong token",
                   403: "path, bucket or object not allowed", 404: "image, object or bucket not found",
                   413: "body or image too large, or too many records in one event delivery",
                   415: "a Content-Encoding other than identity", 422: "a Chinese prompt could not be translated",
                   502: "the object store refused the request",
                   503: "loading, overloaded or storage unavailable (Retry-After); "
                        "`model_unavailable`: startup failed (no Retry-After)"}


def _errors(*statuses: int) -> dict[int, ResponseSpec]:
    """Each error status a route answers, with the body it really has ({"error": {code, message,
    request_id}}); left alone, the document shows Litestar's {status_code, detail, extra} for 400."""
    return {s: ResponseSpec(data_container=ErrorBody, generate_examples=False, description=_ERROR_MEANINGS[s])
            for s in statuses}


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def _gone(request: Request):
    """A watch, for the worker, that ends when the client disconnects: a job still queued then is dropped
    rather than run for nobody (an abandoned upload kept others out with 503s). Called once the body is read,
    so the next ASGI message is the disconnect."""
    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
    return disconnected


def _note(request: Request, rt: Runtime, result) -> None:
    request.scope["state"]["timings"] = msgspec.to_builtins(result.timings)
    rt.metrics.observe_timings(result.timings)
    if rt.notice:
        result.warnings.insert(0, rt.notice)


# -- health and info -------------------------------------------------------------------------------
@get("/healthz", sync_to_thread=False, tags=["health"])
def healthz() -> Health:
    """Alive: the process answers. Says nothing about the model."""
    return Health(status="ok")


@get("/readyz", sync_to_thread=False, tags=["health"],
     responses={503: ResponseSpec(data_container=Health, description="loading, or startup failed")})
def readyz(request: Request) -> Response[Health]:
    """Ready: the model is loaded and warmed up. 503 until then (and if startup failed)."""
    rt = runtime_of(request)
    if rt.ready:
        return Response(Health(status="ready"))
    if rt.error:  # for good in this process: nothing to come back for
        return Response(Health(status="failed"), status_code=503)
    return Response(Health(status="loading"), status_code=503, headers={"Retry-After": RETRY_AFTER["not_ready"]})


@get("/v1/info", guards=[api_key_guard], security=API_KEY, sync_to_thread=False, tags=["health"],
     responses=_errors(401, 503))
def info(request: Request) -> Info:
    """Model, backend, precision, device and versions; the notice says when random weights are served."""
    rt = runtime_of(request)
    rt.require_ready()
    model = rt.pipeline.segmenter.info
    s = rt.settings
    return Info(
        model=model.name, random_weights=model.random_weights, backend=model.backend, precision=model.precision,
        device=model.device, cuda_graphs=model.cuda_graphs, model_dir=str(rt.model_dir), versions=rt.versions(),
        translation=rt.translator.describe() if rt.translator else {},
        storage={"s3_endpoint": s.s3_endpoint, "results_store": "s3" if rt.processor.results is rt.store else "local",
                 "input_prefix": s.input_prefix, "output_prefix": s.output_prefix},
        limits={"max_body_bytes": s.max_body_bytes, "max_pixels": s.max_pixels, "max_prompts": s.max_prompts,
                "queue_depth": s.queue_depth},
        notice=rt.notice,
    )


@get("/metrics", sync_to_thread=False, tags=["health"], include_in_schema=False)
def metrics(request: Request) -> Response[bytes]:
    # As a header, not as media_type: Litestar appends "; charset=utf-8" to a text/* media type, and a second
    # charset makes the header unparseable to Go's mime.ParseMediaType, which Prometheus 3 scrapes with.
    body = generate_latest(runtime_of(request).metrics.registry)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})


# -- request bodies --------------------------------------------------------------------------------
def refuse_encoded_body(request: Request) -> None:
    """Every route reads its body as sent: a gzip (br, deflate, ...) body would be read as its compressed
    bytes and fail as "not JSON" or "not an image". Say what is wrong instead, with a 415 (RFC 7694).
    Runs after the guards (a Litestar before_request hook), so a caller without the key still gets a 401."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    header = request.headers.get("content-encoding", "")
    encoded = [c for c in (c.strip().lower() for c in header.split(",")) if c not in ("", "identity")]
    if encoded:
        raise InputError(f"the request body is {'+'.join(encoded)}-encoded (Content-Encoding: {header[:60]}); this "
                          "server reads only unencoded bodies: send the body without Content-Encoding",
                          code="unsupported_encoding")


# -- segmentation ----------------------------------------------------------------------------------
def _decode_json(body: bytes, type=Any):
    """`body` as JSON of `type`: broken JSON, or a string in it that is not UTF-8 (msgspec raises
    UnicodeDecodeError for that), is `invalid_json`; JSON of another shape is `invalid_request`."""
    try:
        return msgspec.json.decode(body, type=type)
    except msgspec.ValidationError as exc:  # a DecodeError too: caught first
        raise InputError(f"the request body is not valid: {exc}", code="invalid_request") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise InputError("the request body is not valid JSON", code="invalid_json") from None


def _checked_options(rt: Runtime, req: SegmentRequest) -> SegmentOptions:
    """The request's options, its prompts checked as far as they can be without translating: done before an
    image is fetched from S3 or the model queued for, so a request that can only fail does neither (nor
    gets a 503 or a 404 for an image it could never have used)."""
    options = SegmentOptions(threshold=req.threshold, mask_threshold=req.mask_threshold, refine=req.refine,
                             non_overlapping=req.non_overlapping, polygons="polygons" in req.formats,
                             candidate_floor=req.candidate_floor)
    rt.pipeline.check_prompts(req.prompts)
    return options


async def _segment_request(request: Request, rt: Runtime) -> tuple[bytes, SegmentRequest, SegmentOptions]:
    """Decode JSON or multipart into (image bytes, request, options) without touching the model."""
    s = rt.settings
    # Media types are case-insensitive; Litestar's parse (which request.form() uses too) lowercases them.
    if request.content_type[0] == "multipart/form-data":
        try:
            form = await request.form()
        except UnicodeDecodeError:
            # Litestar decodes every part without a filename as UTF-8 text: a prompt from a GBK console,
            # or an image part sent with filename="", would otherwise end in a 500.
            raise InputError("a multipart text field is not UTF-8: send prompts and options as UTF-8 (or give the "
                             "part a charset), and the image as a file part with a filename",
                             code="invalid_request") from None
        except ClientException as exc:
            # A body over request_max_body_size is a RequestEntityTooLarge (413: body_too_large, as for JSON);
            # Litestar's part limit is a plain ClientException (a 400 until 3.0) with the same words.
            if isinstance(exc, RequestEntityTooLarge) or exc.detail != "Request Entity Too Large":
                raise
            raise InputError(f"the form has more than {request.app.multipart_form_part_limit} parts: send one image "
                             f"and at most {s.max_prompts} prompts", code="invalid_request") from None
        data, raw = await _form_fields(form)
        try:
            req = msgspec.convert(raw, SegmentRequest, strict=False)
        except msgspec.ValidationError as exc:
            raise InputError(f"the form is not valid: {exc}", code="invalid_request") from None
        return data, req, _checked_options(rt, req)
    req = _decode_json(await request.body(), SegmentRequest)
    if (req.image.base64 is None) == (req.image.s3 is None):
        raise InputError("give exactly one of image.base64 or image.s3", code="invalid_request")
    options = _checked_options(rt, req)
    if req.image.base64 is not None:
        return from_base64(req.image.base64, s.max_body_bytes), req, options
    return await asyncio.to_thread(from_s3, req.image.s3, rt.store, s.max_body_bytes), req, options


_FORM_FLAGS = ("non_overlapping", "return_overlay")
_FORM_LISTS = ("prompts", "prompt", "formats")  # repeated once per value; `prompt` is an alias of `prompts`
_FORM_FIELDS = ("image", *_FORM_LISTS, *UNIT_OPTIONS, *_FORM_FLAGS)  # the numbers are the [0, 1] options
_TRUE, _FALSE = ("true", "1", "on", "yes"), ("false", "0", "off", "no")


async def _form_fields(form) -> tuple[bytes, dict]:
    """The image's bytes and the request's fields from a multipart form, refused as JSON would refuse them:
    an unknown field, a field given twice that takes one value, a flag that is not a yes or a no."""
    given: dict[str, list] = {}
    for name, value in form.multi_items():
        given.setdefault(name, []).append(value)
    unknown = sorted(set(given) - set(_FORM_FIELDS))
    if unknown:
        raise InputError(f"unknown multipart field {unknown[0]!r}; the fields are {', '.join(_FORM_FIELDS)}",
                         code="invalid_request")
    for name, values in given.items():
        if name not in _FORM_LISTS and len(values) > 1:
            raise InputError(f"multipart field {name!r} is given {len(values)} times; it takes one "
                             + ("image" if name == "image" else "value"), code="invalid_request")
        if name != "image" and any(isinstance(v, UploadFile) for v in values):
            raise InputError(f"multipart field {name!r} must be text, not a file", code="invalid_request")
    if "prompts" in given and "prompt" in given:
        raise InputError("multipart fields 'prompts' and 'prompt' are both given: repeat 'prompts' once per prompt",
                         code="invalid_request")
    upload = given.get("image", [None])[0]
    if not isinstance(upload, UploadFile):
        raise InputError("multipart field 'image' must be a file", code="invalid_request")
    raw: dict = {"image": {}, "prompts": given.get("prompts") or given.get("prompt") or [],
                 "formats": given.get("formats") or ["rle"]}
    for name in UNIT_OPTIONS:
        if name in given and given[name][0] != "":  # an empty field is the default, as a form leaves it
            raw[name] = given[name][0]
    for name in _FORM_FLAGS:
        value = given.get(name, [""])[0].strip().lower()
        if value in _TRUE or value in _FALSE:
            raw[name] = value in _TRUE
        elif value:
            raise InputError(f"multipart field {name!r} must be true or false (or 1/0, on/off, yes/no), "
                             f"not {given[name][0][:40]!r}", code="invalid_request")
    return await upload.read(), raw


def _run_segment(rt: Runtime, data: bytes, req: SegmentRequest, options: SegmentOptions):
    """On the worker: translate, segment, and render what the request asked for."""
    pipeline = rt.pipeline
    prompts = pipeline.prompts(req.prompts)
    image, result = pipeline.segment_bytes(data, prompts, options, need_pixels=req.return_overlay)
    overlay = None
    if req.return_overlay:  # drawn at the image's own size, which a large JPEG was not decoded at for the model
        overlay = base64.b64encode(overlay_png(image.full_pixels(pipeline.max_pixels), result)).decode()
    pngs = None
    if "png" in req.formats:
        pngs = [[base64.b64encode(mask_to_png(decode_rle(i.mask))).decode() for i in r.instances] for r in result.results]
    return result, overlay, pngs


@post("/v1/segment", guards=[api_key_guard], security=API_KEY, status_code=200, operation_class=SegmentOperation,
      tags=["segment"],
      responses=_errors(400, 401, 403, 404, 413, 415, 422, 502, 503))
async def segment(request: Request) -> SegmentResponse:
    """Segment one image with one or more prompts (English or Chinese); masks as COCO RLE, boxes pixel xyxy."""
    rt = runtime_of(request)
    rt.require_ready()
    data, req, options = await _segment_request(request, rt)
    result, overlay, pngs = await rt.worker.submit(_run_segment, rt, data, req, options, gone=_gone(request))
    _note(request, rt, result)
    return SegmentResponse(
        request_id=request.scope["state"]["request_id"], results=result.results, timings=result.timings,
        model=result.model, image=result.image, threshold=result.threshold, mask_threshold=result.mask_threshold,
        refine=result.refine, warnings=result.warnings, candidate_floor=result.candidate_floor,
        overlay_png_base64=overlay, instance_pngs=pngs,
    )


def _preview_png(data: bytes, max_pixels: int) -> bytes:
    return to_png(decode_image(data, max_pixels))


@post("/v1/preview", guards=[api_key_guard], security=API_KEY, status_code=200, media_type="image/png",
      tags=["segment"],
      operation_class=PreviewOperation, responses=_errors(400, 401, 413, 415, 503))
async def preview(request: Request) -> Response[bytes]:
    """The image in the body (any format the server reads) as PNG: upright, 8-bit RGB, full size, the
    pixels the model sees. For a page whose browser cannot show the original (TIFF, say). No model
    needed; it queues with segmentation, so a flood of large images is refused (503) rather than piled up."""
    rt = runtime_of(request)
    if request.content_type[0] in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise InputError("send the image file's bytes as the body (curl --data-binary @photo.png), not a form",
                         code="invalid_request")
    data = await request.body()
    png = await rt.worker.submit(_preview_png, data, rt.settings.max_pixels, gone=_gone(request))
    return Response(png, media_type="image/png")


def _run_predict(rt: Runtime, data: bytes, req: PredictRequest, options: SegmentOptions):
    prompts = rt.pipeline.prompts([req.prompt])
    _, result = rt.pipeline.segment_bytes(data, prompts, options, need_pixels=False)
    rles = [i.mask for i in result.results[0].instances]
    return result, merge_rles(rles, result.image.height, result.image.width)


@post("/api/predict", guards=[api_key_guard], security=API_KEY, status_code=200, operation_class=PredictOperation,
      tags=["segment"],
      responses=_errors(400, 401, 403, 404, 413, 415, 422, 502, 503))
async def predict(request: Request) -> PredictResponse:
    """The request existing SAM 3 deployments take: `{prompt, image_path, threshold, refine_edges}`.

    `image_path` is `s3://bucket/key` or a path inside the configured image root. `mask` is the union of
    all instances as COCO RLE.
    """
    rt = runtime_of(request)
    rt.require_ready()
    # Decoded here, once, as /v1/segment's JSON is: the same codes for broken JSON, an empty body or a
    # string that is not UTF-8 (Litestar's own parse answers 500 for the last).
    data = _decode_json(await request.body(), PredictRequest)
    # Checked before the image is read, as /v1/segment's are (_checked_options).
    options = SegmentOptions(threshold=data.threshold, refine=0.5 if data.refine_edges else 0.0)
    rt.pipeline.check_prompts([data.prompt])
    s = rt.settings
    if is_s3_url(data.image_path):
        image = await asyncio.to_thread(from_s3, data.image_path, rt.store, s.max_body_bytes)
    else:
        image = await asyncio.to_thread(from_local_path, data.image_path, s.image_root, s.max_body_bytes)
    result, union = await rt.worker.submit(_run_predict, rt, image, data, options, gone=_gone(request))
    _note(request, rt, result)
    r = result.results[0]
    return PredictResponse(
        request_id=request.scope["state"]["request_id"], prompt=r.prompt, model_prompt=r.model_prompt,
        translation=r.translation, mask=union, instances=r.instances, scores=[i.score for i in r.instances],
        boxes=[i.box for i in r.instances], timings=result.timings, model=result.model, warnings=result.warnings,
    )


# -- object-storage events -------------------------------------------------------------------------
@post("/v1/events", guards=[events_token_guard], security=EVENTS_TOKEN, status_code=200, tags=["events"],
      responses=_errors(400, 401, 403, 413, 415, 502, 503), operation_class=EventsOperation)
async def events(request: Request) -> EventsResponse:
    """Object-storage triggers: AWS S3, MinIO, CloudEvents (binary/structured) and SeaweedFS payloads.

    2xx once every event is handled (processed, duplicate, skipped or its error recorded); 503 when the
    store or the worker failed transiently, so the producer redelivers.
    """
    rt = runtime_of(request)
    rt.require_ready()
    found = parse_events(request.headers, await request.body())
    for event in found:
        if rt.processor.skip_reason(event) is None:
            rt.store.check_bucket(event.bucket)
    outcomes = await _handle(request, rt, found)
    return EventsResponse(request_id=request.scope["state"]["request_id"], outcomes=outcomes)


@post("/v1/events/sweep", guards=[events_token_guard], security=EVENTS_TOKEN, status_code=200, tags=["events"],
      responses=_errors(400, 401, 403, 404, 415, 502, 503))
async def sweep(
    request: Request,
    bucket: Annotated[str, QueryParameter(description="the bucket to sweep")],
    limit: Annotated[int, QueryParameter(description="objects handled per call", ge=1, le=10_000)] = 1000,
) -> SweepResponse:
    """Process every object under the input prefix that has no up-to-date result (a backstop for lost events).

    Call it periodically (a CronJob or Knative PingSource). It lists the input and output prefixes (one
    LIST per 1000 keys) and handles the inputs whose result is missing or older, at most `limit` of them;
    `remaining` counts the rest, left for the next call. An object that fails (one the store will not
    serve, say) is reported as `failed` with its error code, and `<output prefix><key>.failed` says why; the
    next sweeps try it again, after the objects that have not failed, so a run of such objects cannot fill
    every sweep's `limit`. A store failure (5xx, throttling, unreachable) is recorded the same way and stops
    the sweep with a 503.
    """
    rt = runtime_of(request)
    rt.require_ready()
    if not valid_bucket_name(bucket):  # botocore would refuse it before sending; name the mistake here
        raise InputError(f"{bucket!r} is not a valid bucket name", code="invalid_bucket")
    found, remaining = await asyncio.to_thread(rt.processor.sweep_events, bucket, limit)
    outcomes = await _handle(request, rt, found, keep_going=True)
    return SweepResponse(request_id=request.scope["state"]["request_id"], outcomes=outcomes, remaining=remaining)


async def _handle(request: Request, rt: Runtime, found, keep_going: bool = False) -> list[EventOutcome]:
    """Each event in turn. A delivery stops at the first failure, so its producer redelivers it; a sweep
    (`keep_going`) reports that object as failed and goes on, or one unreadable object would stop every
    sweep at the same key, and the next sweep retries it. A sweep stops at a store outage, though."""
    outcomes = []
    for event in found:
        try:
            prepared = await asyncio.to_thread(rt.processor.prepare, event)
            if isinstance(prepared, Job):
                prepared = await _process(rt, prepared)
        except Exception as exc:  # noqa: BLE001 - not only ours: an object can break the pipeline unforeseen
            if not keep_going:
                raise
            ours = isinstance(exc, Sam3fnError)
            code, message = ((exc.code, str(exc)) if ours
                             else ("internal_error", f"{type(exc).__name__} (see the function's log)"))
            log.warning("sweep: %s/%s failed (%s: %s)", event.bucket, event.key, code, exc, exc_info=not ours)
            await asyncio.to_thread(rt.processor.record_failure, event, code, message)
            if isinstance(exc, StorageUnavailable):
                # The store is failing (5xx, throttling, unreachable): each object left would wait out the
                # same retries, so stop with a 503. The record puts this object last in the next sweep.
                raise
            prepared = Outcome(event.bucket, event.key, "failed", code)
        outcomes.append(EventOutcome(bucket=prepared.bucket, key=prepared.key, status=prepared.status,
                                     reason=prepared.reason, result_key=prepared.result_key))
        rt.metrics.events.labels(prepared.status).inc()
    request.scope["state"]["outcomes"] = [f"{o.status}:{o.key}" for o in outcomes]
    return outcomes


async def _process(rt: Runtime, job: Job):
    renewing = asyncio.create_task(_keep_claim(rt, job))
    try:
        # Events wait for the worker instead of being refused: SeaweedFS, for one, never redelivers.
        inferred = await rt.worker.submit(rt.processor.infer, job, wait=True)
    except BaseException:
        renewing.cancel()
        await asyncio.to_thread(rt.processor.release, job.token)  # may delete the claim object: off the loop
        raise
    renewing.cancel()
    return await asyncio.to_thread(rt.processor.finish, job, inferred)


async def _keep_claim(rt: Runtime, job: Job) -> None:
    """Renew the job's claim while it queues for and holds the worker, which can take longer than the claim's
    TTL when many events arrive at once; a lapsed claim is taken over, and the object processed twice."""
    period = rt.processor.claim_renewal_s
    if period is None:
        return
    while True:
        await asyncio.sleep(period)
        try:
            if not await asyncio.to_thread(rt.processor.renew_claim, job):
                return
        except Exception as exc:  # noqa: BLE001 - the lease still has two periods to run: try again next time
            log.warning("could not renew the claim on %s (%s); retrying in %.0f s", job.source,
                        getattr(exc, "code", type(exc).__name__), period, exc_info=not isinstance(exc, Sam3fnError))


ROUTES = [healthz, readyz, info, metrics, segment, preview, predict, events, sweep]
