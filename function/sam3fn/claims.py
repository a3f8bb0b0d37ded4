"""Claims on one version of one object, shared by every replica through the bucket itself.

Bucket events arrive at least once, and with more than one pod the copies can land on different pods at
the same time (a producer that redelivers after a slow answer, a sweep racing a webhook). A pod's own
in-flight set cannot see the other pods, so before doing the work a pod writes a small claim object beside
the result with an S3 conditional write (`If-None-Match: *`): exactly one writer wins. The claim is a
lease: a pod that dies holding one must not strand the object, so a claim older than its TTL is taken
over, again conditionally (`If-Match` on the stale claim's ETag), so that of two takers only one wins. A
holder deletes its claim when done, conditionally too (`If-Match` on the ETag it wrote), so it never
deletes a claim another replica has taken over meanwhile. A holder whose work outlasts the TTL (events queue
for the one inference worker) renews its lease the same way, and checks it still holds the claim before it
writes a result: a lease it lost was taken over, and the taker writes the result.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from .storage import (ConditionalConflict, InvalidKey, ObjectNotFound, ObjectRef, ObjectStore, PreconditionFailed,
                      StorageError, StorageUnavailable)

# The object's current version (None: it is gone). Versions are opaque strings here: triggers.py's
# `source_version`, the ETag plus a digest of the prompts metadata, so a re-upload of the same bytes with other
# prompts is a version of its own.
CurrentEtag = Callable[[], str | None]

log = logging.getLogger(__name__)

_CLAIM_MAX_BYTES = 4096
_ATTEMPTS = 3  # a claim can vanish (released) or change between our read and our write; retry a few times
# After a bucket refuses a claim write outright, how long its events go without claims before one is tried
# again: a store without conditional writes costs one refused write per interval, while a refusal that
# passes (a policy being rolled out, a proxy restarting) no longer leaves claims off for the pod's life.
CLAIMS_RETRY_S = 600.0


@dataclass(frozen=True)
class Lease:
    ref: ObjectRef
    source_etag: str
    expires_at: float  # wall-clock seconds: the only clock replicas share
    claim_etag: str | None = None  # the claim object as this holder wrote it
    claimed: bool = False  # whether a claim object was written for it (False: claims were off in its bucket)


class ClaimStore:
    """Acquire and release leases held as objects in an S3-compatible store (needs conditional writes)."""

    def __init__(self, store: ObjectStore, ttl_s: float, owner: str, clock: Callable[[], float] = time.time) -> None:
        if ttl_s <= 0:
            raise ValueError("a claim needs a positive TTL")
        self.store, self.ttl_s, self.owner, self.clock = store, ttl_s, owner, clock
        self._off_until: dict[str, float] = {}  # bucket -> when to try claims there again

    def claims_on(self, bucket: str) -> bool:
        """Whether events in `bucket` are claimed across replicas now (see CLAIMS_RETRY_S)."""
        return self.clock() >= self._off_until.get(bucket, 0.0)

    def acquire(self, ref: ObjectRef, source_etag: str, current: CurrentEtag | None = None) -> Lease | None:
        """A lease on `ref` for this source version, or None while another holder's lease is live: on this
        version, or on the object's current version (`current()`) when ours is older.

        Raises StorageUnavailable when the store fails transiently (the event is then redelivered).
        """
        for _ in range(_ATTEMPTS):
            lease = Lease(ref, source_etag, self.clock() + self.ttl_s)
            if not self.claims_on(ref.bucket):
                return lease
            if written := self._contended_write(lease, if_none_match=True):
                return written
            held = self._read(ref)
            if held is None:
                continue  # released between our write and our read: try to create it again
            claim, claim_etag = held
            if claim["expires_at"] > self.clock() and self._holds_back(claim.get("source_etag"), source_etag, current):
                return None
            # Stale (its holder died) or for an older version of the object: take it over.
            if written := self._contended_write(lease, if_match=claim_etag):
                log.info("took over the claim %s from %s", ref, claim.get("owner", "?"))
                return written
        return None

    def _contended_write(self, lease: Lease, **condition) -> Lease | None:
        """`_write` while acquiring: AWS S3 answers a conditional write that meets another replica's on the
        same claim with 409 ConditionalRequestConflict, the very race claims settle. It is not the store
        refusing conditions (which would turn claims off): read the claim again and see who holds it."""
        try:
            return self._write(lease, **condition)
        except ConditionalConflict:
            return None

    @staticmethod
    def _holds_back(claimed: str | None, ours: str, current: CurrentEtag | None) -> bool:
        """Whether a live claim on version `claimed` stands against us. On our version, always. On another,
        only if that one is the object's current version: the object changed after we looked at it, so ours
        is the older one, whose result would be superseded anyway. Taking that claim over would hand the
        current version to a second replica as soon as we read it."""
        return claimed == ours or (current is not None and claimed is not None and claimed == current())

    def renew(self, lease: Lease) -> Lease | None:
        """The lease extended to a full TTL from now, or None when the claim is no longer this lease's (it ran
        out and another replica took it over). Conditional on the ETag this holder wrote, so a renewal can
        never take a claim back from its new holder.

        Raises StorageUnavailable when the store fails transiently; the lease is then as good as before.
        """
        renewed = replace(lease, expires_at=self.clock() + self.ttl_s)
        if not lease.claimed or lease.claim_etag is None:  # no claim, or no ETag to make the write conditional on
            return renewed
        return self._write(renewed, if_match=lease.claim_etag)

    def release(self, lease: Lease) -> None:
        """Delete the claim if it is still this lease's: not once the lease has run out, and never a claim
        another replica has taken over since (the delete is conditional on the ETag we wrote, so neither a
        takeover for a newer version nor a replica whose clock runs ahead of ours loses its claim to us).
        Never raises: a claim left behind only expires."""
        # Not a lease taken while claims were off: the claim there now, if any, is another replica's.
        if not lease.claimed or not self.claims_on(lease.ref.bucket) or self.clock() >= lease.expires_at:
            return
        try:
            # Where the store refuses the condition, unconditionally: better than claims that linger a whole
            # TTL after each failed event and turn its redeliveries away.
            self.store.delete_unless_changed(lease.ref, lease.claim_etag)
        except (PreconditionFailed, ObjectNotFound):
            log.info("the claim %s is no longer ours; left to its holder", lease.ref)
        except StorageError as exc:
            log.warning("could not release the claim %s (%s); it expires in %.0f s", lease.ref, exc.code,
                        lease.expires_at - self.clock())

    def _write(self, lease: Lease, *, if_none_match: bool = False, if_match: str | None = None) -> Lease | None:
        """Write the claim; the lease with the claim's ETag, or None when the condition failed."""
        # `source_etag` holds the source version; the field keeps its name so replicas of the release before
        # (which wrote the plain ETag) and of this one read each other's claims during a rolling update.
        body = json.dumps({"source_etag": lease.source_etag, "owner": self.owner,
                           "expires_at": lease.expires_at}).encode()
        try:
            etag = self.store.put(lease.ref, body, "application/json", if_none_match=if_none_match,
                                  if_match=if_match)
        except PreconditionFailed:
            return None
        except (StorageUnavailable, InvalidKey):  # InvalidKey: this one key is too long, says nothing of others
            raise
        except StorageError as exc:
            # A store without conditional writes (or a policy that forbids the claim key): fall back to each
            # pod's own in-flight guard rather than refusing every event.
            log.warning("the store refused a claim on %s (%s: %s); cross-replica claims are off in bucket %s "
                        "for %.0f s, each pod only guards its own deliveries", lease.ref, exc.code, exc,
                        lease.ref.bucket, CLAIMS_RETRY_S)
            self._off_until[lease.ref.bucket] = self.clock() + CLAIMS_RETRY_S
            return lease
        return replace(lease, claim_etag=etag, claimed=True)

    def _read(self, ref: ObjectRef) -> tuple[dict, str] | None:
        """The claim held on `ref` and its ETag, or None when there is none. An unreadable claim reads as
        expired, so it is taken over rather than blocking the object for good."""
        try:
            body, info = self.store.get(ref, _CLAIM_MAX_BYTES)
        except ObjectNotFound:
            return None
        try:
            claim = json.loads(body)
            claim["expires_at"] = float(claim["expires_at"])
        except (ValueError, TypeError, KeyError):
            claim = {"expires_at": 0.0}
        return claim, info.etag
