"""What the function does for each object-storage event: at-least-once delivery, exactly-once effect.

For a created image under the input prefix: read it, segment it with the prompts from its metadata
(`x-amz-meta-prompts`) or the defaults, then write the overlay PNG and, last, the result JSON. The JSON
records the source version (its ETag and prompts: `source_version`), so a repeated delivery finds it and
does no work; the JSON is written last, so a crash half way leaves no result and the redelivery does the
work. Copies of one delivery in flight at once are done once: within a process by an in-flight set, across
replicas by a claim object in the bucket (`claims.py`), renewed while the job waits for and holds the
worker, and checked before anything is written: a delivery whose claim was taken over writes nothing. A
version overwritten while it was processed writes nothing: the result is always the current version's.
Keys under the output prefix are never processed (no trigger loops). Work is split in three so that only
`infer` holds the inference worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from urllib.parse import quote

import msgspec

from .claims import ClaimStore, Lease
from .core.errors import ImageError, InputError
from .core.overlay import overlay_png
from .core.segmenter import Prompt, SegmentOptions
from .events import CREATED, ObjectEvent
from .pipeline import Pipeline
from .storage import (InvalidKey, LocalStore, ObjectInfo, ObjectNotFound, ObjectRef, ObjectStore, ObjectTooLarge,
                      PreconditionFailed, StorageError, key_problem)

log = logging.getLogger(__name__)

FAILED = ".failed"  # beside an input's result key: a sweep could not process it (`record_failure`)
OVERLAY = ".overlay.png"  # the longest suffix an input's outputs get (.json, .claim, .failed are shorter)


@dataclass(frozen=True)
class Outcome:
    bucket: str
    key: str
    status: str  # processed | duplicate | skipped | error_recorded
    reason: str = ""
    result_key: str | None = None


@dataclass
class Job:
    event: ObjectEvent
    source: ObjectRef
    etag: str
    version: str  # source_version: what the result, the claim and the in-flight slot are for
    data: bytes
    texts: list[str]
    result_ref: ObjectRef
    overlay_ref: ObjectRef
    error: ObjectTooLarge | None = None  # known before inference: record it, do not infer
    claim_lost: bool = False  # another replica took the claim over: this delivery must not infer or write
    # One renewal at a time: a heartbeat's renewal still running in its thread (cancelling the coroutine does
    # not stop it) and finish's would both write If-Match on the same ETag, and the loser would call the
    # claim lost although this very job holds it.
    renewing: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def token(self) -> tuple[str, str, str]:
        """What the in-flight set holds: one delivery of one version of one object."""
        return (self.event.bucket, self.event.key, self.version)


def source_version(info: ObjectInfo) -> str:
    """The version of an input that a result, a claim or an in-flight slot is for: its ETag, plus a digest of
    its prompts metadata when it has some. S3 gives the same bytes the same ETag, so the same photo uploaded
    again with other prompts was 'already processed' and its new prompts never ran. Without prompts it is
    the plain ETag, which is what results written before recorded, so those stay done."""
    prompts = (info.metadata.get("prompts") or "").strip()
    if not prompts:
        return info.etag
    return f"{info.etag}+p{hashlib.sha256(prompts.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def _written_for(output: ObjectInfo | None, version: str) -> bool:
    """Whether a result or overlay (its HEAD) was written for this version of its input. Those written before
    prompts were part of the version record only the ETag: the version of an input without prompts, so those
    stay done; one with prompts is run again once, as it may be new."""
    return output is not None and output.metadata.get("source-version", output.metadata.get("source-etag")) == version


def decode_metadata_text(value: str) -> str:
    """S3 user metadata is ASCII only, so non-ASCII prompts (Chinese) arrive encoded: as percent-encoded
    UTF-8 (`%E7%8B%97`, what we document) or as an RFC 2047 word (`=?UTF-8?B?54uX?=`, what S3 itself
    returns for non-ASCII values set by some SDKs); or as raw UTF-8 read as Latin-1, where a store took it."""
    value = value.strip()
    if not value.isascii():
        # Sent raw (curl, MinIO's and SeaweedFS's clients allow it), UTF-8 comes back read as Latin-1, as HTTP
        # reads header bytes: '狗' as 'ç\x8b\x97'. Undone only where that gives valid UTF-8, which Latin-1 text
        # ('café' sent as Latin-1) practically never is.
        try:
            value = value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
    if value.startswith("=?") and value.endswith("?="):
        from email.header import decode_header, make_header

        return str(make_header(decode_header(value)))
    if "%" in value:
        from urllib.parse import unquote

        return unquote(value, errors="strict")
    return value


def parse_prompt_metadata(value: str | None) -> list[str]:
    """`x-amz-meta-prompts`: a JSON list, or prompts separated by commas / newlines / '|' (maybe encoded)."""
    if not value:
        return []
    try:
        value = decode_metadata_text(value).strip()
    except (UnicodeDecodeError, ValueError, LookupError):
        value = value.strip()
    if not value:
        return []  # blank, maybe encoded ("%20"): no prompts given, so the defaults apply
    if value.startswith("["):
        try:
            return [str(p).strip() for p in json.loads(value) if str(p).strip()]
        except ValueError:
            pass
    for sep in ("\n", "|", ","):
        if sep in value:
            return [p.strip() for p in value.split(sep) if p.strip()]
    return [value]


def _refused(exc: InvalidKey) -> str:
    """Why an object is skipped whose input or output key the store refuses."""
    return f"{exc.message}; no result can be written for this object"


class EventProcessor:
    def __init__(self, pipeline: Pipeline, store: ObjectStore, results: ObjectStore | LocalStore, *, input_prefix: str,
                 output_prefix: str, default_prompts: list[str], max_bytes: int, identity: dict,
                 claims: ClaimStore | None = None) -> None:
        if output_prefix.startswith(input_prefix) or input_prefix.startswith(output_prefix):
            raise ValueError(f"input prefix {input_prefix!r} and output prefix {output_prefix!r} must not overlap")
        self.pipeline, self.store, self.results = pipeline, store, results
        self.input_prefix, self.output_prefix = input_prefix, output_prefix
        self.default_prompts, self.max_bytes, self.identity = default_prompts, max_bytes, identity
        self.claims = claims  # cross-replica claims; None: this process's in-flight set is the only guard
        self._in_flight: dict[tuple[str, str, str], Lease | None] = {}
        self._lock = threading.Lock()

    def _stem(self, key: str) -> str:
        """Where an input's outputs go: its key moved from the input prefix to the output prefix."""
        return self.output_prefix + key[len(self.input_prefix):]

    def _result_key(self, key: str) -> str:
        return self._stem(key) + ".json"

    def result_refs(self, event: ObjectEvent) -> tuple[ObjectRef, ObjectRef]:
        return (ObjectRef(event.bucket, self._result_key(event.key)),
                ObjectRef(event.bucket, self._stem(event.key) + OVERLAY))

    def claim_ref(self, event: ObjectEvent) -> ObjectRef:
        return ObjectRef(event.bucket, self._stem(event.key) + ".claim")

    def skip_reason(self, event: ObjectEvent) -> str | None:
        """Why this event is answered `skipped` with no storage call, or None. A key no request can name (NUL,
        say) is skipped too: the store would refuse every read with a 400, and an error answer would have
        the producer redeliver the event for good."""
        if problem := key_problem(event.key):
            return f"the key {problem}: no object can have it"
        if event.key.startswith(self.output_prefix):
            return "own output (loop guard)"
        if event.kind != CREATED:
            return f"not an object creation ({event.kind})"
        if not event.key.startswith(self.input_prefix):
            return f"outside the input prefix {self.input_prefix!r}"
        if event.key.endswith("/"):
            return "a folder marker"
        if problem := self._outputs_problem(event.key):
            return problem
        return None

    def _outputs_problem(self, key: str) -> str | None:
        """Why an input's results cannot be written, or None: a key just under the store's length limit
        whose result keys are over it would be read and segmented on every delivery and sweep, and its
        result refused each time."""
        if problem := key_problem(self._stem(key) + OVERLAY):
            return f"its result key {self._stem(key)[:100]!r}... {problem}"
        return None

    def prepare(self, event: ObjectEvent) -> Job | Outcome:
        """Storage reads (run in a thread): skip, duplicate, or a job with the object's bytes.

        A key the store refuses (InvalidKey: longer than it takes, as a whole or, on SeaweedFS and MinIO,
        in one path segment, 255 bytes) is skipped with the store's reason, before the model runs: the claim
        is the first write, and its key is longer than the result's. An error answer would have the producer
        redeliver the event for good, each time to the same refusal."""
        try:
            return self._prepare(event)
        except InvalidKey as exc:
            return Outcome(event.bucket, event.key, "skipped", _refused(exc))

    def _prepare(self, event: ObjectEvent) -> Job | Outcome:
        if reason := self.skip_reason(event):
            return Outcome(event.bucket, event.key, "skipped", reason)
        source = ObjectRef(event.bucket, event.key)
        info = self.store.head(source)
        if info is None:
            return Outcome(event.bucket, event.key, "skipped", "the object no longer exists")
        version = source_version(info)
        if busy := self._claim(event, version):
            return busy
        result_ref, overlay_ref = self.result_refs(event)
        try:
            data, got = self.store.get(source, self.max_bytes)
        except ObjectTooLarge as exc:  # permanent: its error result ends the redeliveries
            return Job(event, source, info.etag, version, b"", [], result_ref, overlay_ref, error=exc)
        except ObjectNotFound:  # deleted between HEAD and GET: the same answer as gone before the HEAD
            self.release((event.bucket, event.key, version))
            return Outcome(event.bucket, event.key, "skipped", "the object no longer exists")
        except Exception:
            self.release((event.bucket, event.key, version))
            raise
        if source_version(got) != version:
            # Overwritten (or uploaded again with other prompts) between HEAD and GET: the job is for the
            # version read, so that is the one to claim, or a delivery for it could run alongside this one.
            self.release((event.bucket, event.key, version))
            version = source_version(got)
            if busy := self._claim(event, version):
                return busy
        # The prompts of the version read, never the event's: an event can be late (redelivered, or overtaken
        # by the next upload's), and its metadata that of an older version, whose prompts would then be
        # recorded as the current version's result, for good.
        texts = parse_prompt_metadata(got.metadata.get("prompts")) or self.default_prompts
        return Job(event, source, got.etag, version, data, texts, result_ref, overlay_ref)

    def _claim(self, event: ObjectEvent, version: str) -> Outcome | None:
        """Take one version of an object for this delivery; the Outcome says why not (done, or taken here
        or by another replica). Released by `release(token)`."""
        result_ref, _ = self.result_refs(event)
        if done := self._result_for(result_ref, version):
            if event.dialect == "sweep":
                self._keep_off_sweeps(result_ref, done)
            return Outcome(event.bucket, event.key, "duplicate", "already processed", result_ref.key)
        token = (event.bucket, event.key, version)
        with self._lock:
            if token in self._in_flight:
                return Outcome(event.bucket, event.key, "duplicate", "being processed by another delivery")
            self._in_flight[token] = None
        try:
            if self.claims is not None:
                lease = self.claims.acquire(self.claim_ref(event), version,
                                            current=lambda: self._current_version(event))
                if lease is None:
                    self.release(token)
                    return Outcome(event.bucket, event.key, "duplicate", "being processed by another replica")
                with self._lock:
                    self._in_flight[token] = lease
            # Another delivery (here or on another replica) may have written the result and let go of its
            # in-flight slot or claim after our first look.
            if self._result_for(result_ref, version):
                self.release(token)
                return Outcome(event.bucket, event.key, "duplicate", "already processed", result_ref.key)
        except BaseException:
            self.release(token)
            raise
        return None

    def _result_for(self, result_ref: ObjectRef, version: str) -> ObjectInfo | None:
        """The result's HEAD if it is for this version of the input (the event is done), else None."""
        done = self.results.head(result_ref)
        return done if _written_for(done, version) else None

    def _keep_off_sweeps(self, result_ref: ObjectRef, result: ObjectInfo) -> None:
        """The sweep listed an input newer than its up-to-date result: the same bytes and prompts uploaded
        again. Bring the result's time forward, or every sweep lists that input again, and enough of them
        fill each sweep's `limit` for good, so that an object whose event was lost behind them is never
        reached. Best effort: failing here costs the next sweep two HEADs, nothing else."""
        try:
            self.results.touch(result_ref, result)
        except StorageError as exc:
            log.info("could not bring %s forward for the sweep (%s)", result_ref, exc.code)

    def _current_version(self, event: ObjectEvent) -> str | None:
        info = self.store.head(ObjectRef(event.bucket, event.key))
        return source_version(info) if info is not None else None

    def _superseded(self, job: Job) -> str | None:
        """Why the version this job read is no longer the object (overwritten or deleted since), or None.

        Versions have their own in-flight slots and claims, so an overwrite's delivery runs beside the older
        one's and may finish first; the older result, written after it, would describe bytes that are gone,
        and the sweep, seeing a result newer than the input, would never look at the object again. Checked
        before writing (a version that lands after this check must still be read and segmented before its
        result is written, while ours is two PUTs away) and again after the result's PUT, which takes ours
        back if a newer version overtook it anyway (`_commit`).
        """
        version = self._current_version(job.event)
        if version is None:
            return "the object was deleted while it was processed"
        if version != job.version:
            return "the object changed while it was processed; its new version is processed on its own"
        return None

    @property
    def claim_renewal_s(self) -> float | None:
        """How often a delivery renews its claim while it waits for and holds the worker (None: no claims).
        A third of the TTL: two renewals can fail transiently before the lease runs out."""
        return self.claims.ttl_s / 3 if self.claims is not None else None

    def renew_claim(self, job: Job) -> bool:
        """Extend this delivery's claim (a storage call: run it in a thread). False once it is lost, which
        also marks the job so that it neither infers nor writes."""
        with job.renewing:
            with self._lock:
                lease = self._in_flight.get(job.token)
            if lease is None or self.claims is None or job.claim_lost:
                return not job.claim_lost
            renewed = self.claims.renew(lease)
            if renewed is None:
                job.claim_lost = True
                log.warning("event object %s: another replica took the claim over (it ran out, or the object "
                            "changed); leaving the object to it", job.source)
                return False
            with self._lock:
                if job.token in self._in_flight:
                    self._in_flight[job.token] = renewed
            return True

    def infer(self, job: Job):
        """Inference (run on the worker). Returns (image, result), the InputError to record, or None when
        the claim was lost while the job waited (`finish` then writes nothing)."""
        if job.claim_lost:
            return None
        if job.error is not None:
            return job.error
        try:
            prompts: list[Prompt] = self.pipeline.prompts(job.texts)
            return self.pipeline.segment_bytes(job.data, prompts, SegmentOptions())
        except (ImageError, InputError) as exc:
            return exc

    def finish(self, job: Job, outcome) -> Outcome:
        """Storage writes (run in a thread): overlay first, the result JSON last as the commit marker."""
        try:
            if reason := self._superseded(job):
                log.info("event object %s: %s", job.source, reason)
                return Outcome(job.event.bucket, job.event.key, "skipped", reason)
            # The lease may have run out while the job queued for the worker and been taken over: the taker
            # writes the result. Renewed here, it holds for a full TTL, longer than the writes below take.
            if not self.renew_claim(job):
                return Outcome(job.event.bucket, job.event.key, "duplicate",
                               "its claim ran out and another replica took it over")
            # S3 metadata is ASCII only: the key (Chinese, control characters) is recorded percent-encoded, as
            # the prompts are; raw, it failed every write of the result after the inference.
            meta = {"source-etag": job.etag, "source-version": job.version,
                    "source-key": quote(job.event.key, safe="/")}
            doc = {"source": {"bucket": job.source.bucket, "key": job.source.key, "etag": job.etag}, **self.identity}
            if isinstance(outcome, Exception):
                doc["error"] = {"code": outcome.code, "message": str(outcome), **outcome.details()}
                if reason := self._commit(job, json.dumps(doc).encode(), meta):
                    return Outcome(job.event.bucket, job.event.key, "skipped", reason)
                log.info("event object %s is not processable: %s", job.source, outcome.code)
                return Outcome(job.event.bucket, job.event.key, "error_recorded", outcome.code, job.result_ref.key)
            image, result = outcome
            doc.update(msgspec.to_builtins(result))
            try:
                overlay = overlay_png(image.full_pixels(self.pipeline.max_pixels), result)  # a whole decode if reduced
                self.results.put(job.overlay_ref, overlay, "image/png", meta)
                doc["overlay_key"] = job.overlay_ref.key
            except InvalidKey as exc:
                # The overlay's key is the longest (SeaweedFS and MinIO take 255 bytes a path segment): the
                # result goes without it, rather than an error each delivery and sweep repeats after the model.
                log.warning("event object %s: no overlay (%s); the result is written without one", job.source, exc)
                doc["overlay_key"] = None
                doc["warnings"] = [*doc.get("warnings", []), f"no overlay: {exc.message}"]
            if reason := self._commit(job, msgspec.json.encode(doc), meta):
                return Outcome(job.event.bucket, job.event.key, "skipped", reason)
            return Outcome(job.event.bucket, job.event.key, "processed", "", job.result_ref.key)
        finally:
            self.release(job.token)

    def _commit(self, job: Job, document: bytes, meta: dict[str, str]) -> str | None:
        """Write the result JSON, the commit marker, and look again: None if it stands, else why it was taken
        back. Between `finish`'s check and this PUT a newer version can be uploaded *and* written (the overlay
        PUT stalled on retries, say); ours would then have replaced its result, and the sweep, seeing a result
        newer than the input, would never look at the object again. Taken back, the newer version's result is
        written by its own delivery if that is still running, else by the next sweep. The newer result goes
        too when our overlay landed after its own: it would point at our picture."""
        try:
            self.results.put(job.result_ref, document, "application/json", meta)
        except InvalidKey as exc:
            return _refused(exc)  # no result can ever be written: skipped, not an error redelivered for good
        if (reason := self._superseded(job)) is None:
            return None
        log.info("event object %s: %s; taking back the result just written", job.source, reason)
        try:
            info = self.results.head(job.result_ref)
            if info is not None and (_written_for(info, job.version)
                                     or _written_for(self.results.head(job.overlay_ref), job.version)):
                # Where the store cannot make the delete conditional, at worst it deletes a newer result written
                # in between, which the sweep writes again; kept, a stale result stays for good.
                self.results.delete_unless_changed(job.result_ref, info.etag)
        except (PreconditionFailed, ObjectNotFound):
            pass  # replaced or gone since: a newer result stays
        except StorageError as exc:
            log.warning("event object %s: could not take back the stale result %s (%s); it stays until the "
                        "object is uploaded again", job.source, job.result_ref, exc.code)
        return reason

    def sweep_events(self, bucket: str, limit: int) -> tuple[list[ObjectEvent], int]:
        """Synthetic 'created' events for the inputs with no up-to-date result, at most `limit`, and how many
        more there are (storage listing, in a thread).

        Producers differ in redelivery (SeaweedFS's webhook never retries a failed delivery), so a periodic
        sweep is the backstop that makes sure no object stays unprocessed. It lists the input and output
        prefixes whole (one LIST per 1000 keys) and skips inputs whose result is not older, so a large bucket
        costs no HEAD per finished object and every key is reached, not only the first `limit`. An upload of
        the same bytes again (with other prompts, say) is newer than the result too: listed here, and
        `prepare` tells a new version from a repeat by its `source_version`; a repeat brings its result's
        time forward (`_keep_off_sweeps`), so it is listed once, not by every sweep. Listings are to the
        second and most results are written in their input's second, so a tie counts as done; what that
        misses is an overwrite landing in the very second the previous version's result was written *and*
        losing its own event.

        Inputs that failed in an earlier sweep (`record_failure`) since they were last uploaded come after
        the rest, the longest-failed first: objects that fail on every try (archived to cold storage,
        encrypted with a key we lack) would otherwise fill each sweep's `limit` for good and keep every
        sweep off the inputs listed after them.
        """
        finished, failed = {}, {}
        for o in self.results.list_objects(bucket, self.output_prefix):
            if o.key.endswith(".json"):  # overlays and claims say nothing about being done
                finished[o.key] = o.modified
            elif o.key.endswith(FAILED):
                failed[o.key] = o.modified
        never = float("-inf")
        pending: dict[str, float] = {}  # input key -> when it last failed, `never` if not since its upload
        for obj in self.store.list_objects(bucket, self.input_prefix):
            if obj.key.endswith("/") or finished.get(self._result_key(obj.key), never) >= obj.modified:
                continue
            if self._outputs_problem(obj.key):  # no result can ever be written: listing it again and again
                continue                        # would only fill each sweep's `limit`
            failed_at = failed.get(self._failure_key(obj.key), never)
            pending[obj.key] = failed_at if failed_at >= obj.modified else never
        order = sorted(pending, key=pending.__getitem__)  # stable: listing order among equals
        self._clear_failures(bucket, [k for k in failed if self._input_key(k) not in pending][:limit])
        events = [ObjectEvent(bucket=bucket, key=key, kind=CREATED, dialect="sweep") for key in order[:limit]]
        return events, len(order) - len(events)

    def _failure_key(self, key: str) -> str:
        return self._stem(key) + FAILED

    def _input_key(self, failure_key: str) -> str:
        return self.input_prefix + failure_key[len(self.output_prefix):-len(FAILED)]

    def record_failure(self, event: ObjectEvent, code: str, message: str) -> None:
        """A sweep could not process `event`'s object (the next sweep tries it again): say why beside where
        its result goes, for whoever looks, and for `sweep_events`, which tries it after the inputs that have
        not failed. Best effort (storage call, in a thread): the store may be why it failed."""
        doc = {"source": {"bucket": event.bucket, "key": event.key}, "error": {"code": code, "message": message},
               "note": "the sweep tries this object again; this file goes once it has a result or is deleted"}
        try:
            self.results.put(ObjectRef(event.bucket, self._failure_key(event.key)), json.dumps(doc).encode(),
                             "application/json", {"source-key": quote(event.key, safe="/")})
        except (StorageError, OSError) as exc:  # OSError: the local results directory
            log.info("could not record that %s/%s failed (%s)", event.bucket, event.key,
                     getattr(exc, "code", type(exc).__name__))

    def _clear_failures(self, bucket: str, failure_keys: list[str]) -> None:
        """Delete failure records whose input has a result by now, or is gone. Best effort: one left behind
        is deleted by the next sweep, and no sweep deletes more than its `limit`."""
        for key in failure_keys:
            try:
                self.results.delete(ObjectRef(bucket, key))
            except (StorageError, OSError) as exc:
                log.info("could not delete the failure record %s/%s (%s)", bucket, key,
                         getattr(exc, "code", type(exc).__name__))
                return

    def release(self, token: tuple[str, str, str]) -> None:
        """Let go of a delivery's claim (storage call when claims are shared: run it in a thread)."""
        with self._lock:
            lease = self._in_flight.pop(token, None)
        if lease is not None and self.claims is not None:
            self.claims.release(lease)
