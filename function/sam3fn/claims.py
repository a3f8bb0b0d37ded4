"""Claims on one version of one object, shared by every replica through the bucket itself.

Bucket events arrive at least once, and with more than one pod the copies can land on different pods at
the same time (a producer that redelivers after a slow answer, a sweep racing a webhook). A pod's own
in-flight set cannot see the other pods, so before doing the work a pod writes a small claim object beside
the result with an S3 conditional write (`If-None-Match: *`): exactly one writer wins. The claim is a
lease: a pod that dies holding one must not strand the object, so a claim older than its TTL is taken
over, again conditionally (`If-Match` on the stale claim's ETag), so that of two takers only one wins.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .storage import ObjectNotFound, ObjectRef, ObjectStore, PreconditionFailed, StorageError, StorageUnavailable

log = logging.getLogger(__name__)

_CLAIM_MAX_BYTES = 4096
_ATTEMPTS = 3  # a claim can vanish (released) or change between our read and our write; retry a few times


@dataclass(frozen=True)
class Lease:
    ref: ObjectRef
    source_etag: str
    expires_at: float  # wall-clock seconds: the only clock replicas share


class ClaimStore:
    """Acquire and release leases held as objects in an S3-compatible store (needs conditional writes)."""

    def __init__(self, store: ObjectStore, ttl_s: float, owner: str, clock: Callable[[], float] = time.time) -> None:
        if ttl_s <= 0:
            raise ValueError("a claim needs a positive TTL")
        self.store, self.ttl_s, self.owner, self.clock = store, ttl_s, owner, clock
        self.enabled = True

    def acquire(self, ref: ObjectRef, source_etag: str) -> Lease | None:
        """A lease on `ref` for this source version, or None while another holder's lease is live.

        Raises StorageUnavailable when the store fails transiently (the event is then redelivered).
        """
        for _ in range(_ATTEMPTS):
            lease = Lease(ref, source_etag, self.clock() + self.ttl_s)
            if not self.enabled or self._write(lease, if_none_match=True):
                return lease
            held = self._read(ref)
            if held is None:
                continue  # released between our write and our read: try to create it again
            claim, claim_etag = held
            if claim.get("source_etag") == source_etag and claim["expires_at"] > self.clock():
                return None
            # Stale (its holder died) or for an older version of the object: take it over.
            if self._write(lease, if_match=claim_etag):
                log.info("took over the claim %s from %s", ref, claim.get("owner", "?"))
                return lease
        return None

    def release(self, lease: Lease) -> None:
        """Delete the claim, unless the lease has run out (another replica may hold it by now). Never raises:
        a claim left behind only expires."""
        if not self.enabled or self.clock() >= lease.expires_at:
            return
        try:
            self.store.delete(lease.ref)
        except StorageError as exc:
            log.warning("could not release the claim %s (%s); it expires in %.0f s", lease.ref, exc.code,
                        lease.expires_at - self.clock())

    def _write(self, lease: Lease, *, if_none_match: bool = False, if_match: str | None = None) -> bool:
        body = json.dumps({"source_etag": lease.source_etag, "owner": self.owner,
                           "expires_at": lease.expires_at}).encode()
        try:
            self.store.put(lease.ref, body, "application/json", if_none_match=if_none_match, if_match=if_match)
        except PreconditionFailed:
            return False
        except StorageUnavailable:
            raise
        except StorageError as exc:
            # A store without conditional writes (or a policy that forbids the claim key): fall back to each
            # pod's own in-flight guard rather than refusing every event.
            log.warning("the store refused a claim on %s (%s: %s); cross-replica claims are off, each pod "
                        "only guards its own deliveries", lease.ref, exc.code, exc)
            self.enabled = False
        return True

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
