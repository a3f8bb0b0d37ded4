"""The slow image check: build the CPU image without a daemon, start it, and use it like a platform would.

    sudo .venv/bin/python infra/check_image.py            # ~10 min on 2 cores; more the first time (downloads)
    sudo .venv/bin/python infra/check_image.py --help

Not part of `bash tests/run.sh` (it needs root, buildah, debootstrap or a base image, and minutes). Steps:

1. Base image: `--base IMAGE` if given; else a Debian bookworm made with `debootstrap --variant=minbase`
   and imported into buildah's storage (image registries are out of reach on the dev machines).
2. Build context: the working tree's files (tracked and untracked, not ignored) copied to a scratch
   folder, plus the optional inputs the Containerfile reads: a local CPU torch wheel in `.whl/` when pip
   finds one, and the tiny test Argos package as `models/translate-zh_en.argosmodel` (no download).
3. `buildah bud --isolation chroot --storage-driver vfs --format docker --build-arg VARIANT=cpu ...`
   (the exact command is printed and recorded). Image size and config (user, healthcheck, volumes) checked.
4. Run A, as `buildah run` starts it (podman run does not work on these machines): the image's entrypoint
   and command; cold start = from `buildah run` to the first 200 from /readyz. Then /healthz, /v1/info,
   /v1/segment (English and a Chinese prompt that only Argos translates), and the image's HEALTHCHECK
   command run inside the container.
5. Run B, with the root filesystem read-only (what `readOnlyRootFilesystem: true` and `docker run
   --read-only` do): the image mounted read-only, tmpfs on each VOLUME the image declares, the image's
   user and environment. A real SeaweedFS sends its filer webhook to the function: an image uploaded
   under inputs/ must get results/<name>.json and an overlay; /v1/events/sweep with the events token
   then finds nothing left to do.
6. A report in infra/results/image-check-<date>.md (and .json): build time, image size, both cold starts.

Every step that fails stops the check with the reason and the log's tail; exit 0 means all passed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "function")]

BASE_TAG = "localhost/sam3fn-debian:bookworm"
IMAGE_TAG = "localhost/sam3fn:cpu"
EVENTS_TOKEN = "image-check-events-token"


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[check_image {datetime.now():%H:%M:%S}] {message}", flush=True)


def run(cmd: list[str], log: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure raise CheckFailed with its output's tail."""
    say("$ " + shlex.join(cmd))
    if log is None:
        proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
        out = proc.stdout + proc.stderr
    else:
        with open(log, "w") as f:
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, text=True, **kwargs)
        out = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise CheckFailed(f"{shlex.join(cmd[:4])} ... exited {proc.returncode}:\n{out[-4000:]}")
    proc.stdout = out
    return proc


class Buildah:
    """buildah with its own storage under the work folder (vfs: no overlay or fuse needed)."""

    def __init__(self, workdir: Path) -> None:
        self.storage = ["--root", str(workdir / "storage"), "--runroot", str(workdir / "run"),
                        "--storage-driver", "vfs"]

    def __call__(self, *args: str, log: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
        return run(["buildah", *self.storage, *args], log=log, **kwargs)

    def has_image(self, ref: str) -> bool:
        proc = subprocess.run(["buildah", *self.storage, "images", "-q", ref], capture_output=True, text=True)
        return proc.returncode == 0 and bool(proc.stdout.strip())


# -- 1. base ---------------------------------------------------------------------------------------------
def debootstrap_base(buildah: Buildah, workdir: Path, mirror: str) -> str:
    if buildah.has_image(BASE_TAG):
        say(f"base {BASE_TAG} already in the store")
        return BASE_TAG
    rootfs = workdir / "debootstrap-rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), mirror], log=workdir / "debootstrap.log")
    ctr = buildah("from", "scratch").stdout.strip().splitlines()[-1]
    try:
        buildah("add", ctr, str(rootfs), "/")
        buildah("config", "--cmd", "/bin/bash", "--label", "org.opencontainers.image.description="
                f"Debian bookworm minbase from debootstrap ({mirror}), made by infra/check_image.py", ctr)
        buildah("commit", "-q", ctr, BASE_TAG)
    finally:
        buildah("rm", ctr)
    shutil.rmtree(rootfs, ignore_errors=True)
    return BASE_TAG


# -- 2. context ------------------------------------------------------------------------------------------
def make_context(workdir: Path, torch_version: str, argos_model: Path | None) -> tuple[Path, dict]:
    context = workdir / "context"
    shutil.rmtree(context, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():  # deleted-but-tracked files are listed too
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, context / name)
    facts: dict = {}
    # A local CPU torch wheel (what `pip install torch==X` resolves to on the dev machines) goes in .whl/,
    # since pip inside the build sees neither this machine's pip config nor its wheel folder.
    wheels = context / ".whl"
    wheels.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                           "--dest", str(wheels), f"torch=={torch_version}+cpu"], capture_output=True, text=True)
    facts["torch_wheel"] = next((p.name for p in wheels.glob("torch-*.whl")), None)
    say(f"local torch wheel: {facts['torch_wheel'] or 'none (the build uses the PyTorch CPU index)'}")
    if argos_model is None:
        from support.tiny_argos import build_tiny_argos_model

        argos_model = build_tiny_argos_model(workdir / "tiny-argos")
        facts["argos_package"] = "tiny test package (tests/support/tiny_argos.py)"
    else:
        facts["argos_package"] = str(argos_model)
    (context / "models").mkdir(exist_ok=True)
    shutil.copyfile(argos_model, context / "models" / "translate-zh_en.argosmodel")
    return context, facts


# -- 3. build --------------------------------------------------------------------------------------------
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def build_command(base: str, cpu_backend: str, torch_from_context: bool, layers: bool = False) -> list[str]:
    """The build command docs/deploy.md shows for the CPU image, with this machine's base image.

    Without --layers each stage is one container committed once. With the vfs driver every layer is a
    full copy of the root filesystem, so caching every instruction's layer takes tens of GB of disk."""
    cmd = ["bud", "--isolation", "chroot", *(["--layers"] if layers else []), "--format", "docker", "--pull=never",
           "--build-arg", "VARIANT=cpu", "--build-arg", f"CPU_IMAGE={base}",
           "--build-arg", f"CPU_BACKEND={cpu_backend}"]
    if torch_from_context:
        cmd += ["--build-arg", "TORCH_INDEX="]  # the wheel in .whl/ is the only torch needed
    if HOST_CA_BUNDLE.is_file():
        # The host's trust store, for hosts whose HTTPS goes through a TLS-inspecting proxy (these do):
        # the debootstrapped base only trusts Debian's CAs.
        cmd += ["--secret", f"id=ca_bundle,src={HOST_CA_BUNDLE}"]
    return cmd + ["-f", "Containerfile", "-t", IMAGE_TAG]


def image_facts(buildah: Buildah) -> dict:
    info = json.loads(buildah("inspect", "--type", "image", IMAGE_TAG).stdout)
    layers = json.loads(info["Manifest"])["layers"]  # uncompressed tar sizes in local storage
    return {"config": info["Docker"]["config"], "size_bytes": sum(layer["size"] for layer in layers)}


def check_config(config: dict) -> dict[str, str]:
    env = dict(item.split("=", 1) for item in config.get("Env") or [])
    problems = []
    if config.get("User") in (None, "", "0", "root"):
        problems.append(f"runs as {config.get('User')!r}, not a non-root user")
    if not (config.get("Healthcheck") or {}).get("Test"):
        problems.append("has no HEALTHCHECK (built without --format docker?)")
    if set(config.get("Volumes") or {}) != {"/tmp", "/var/lib/sam3fn"}:
        problems.append(f"declares volumes {sorted(config.get('Volumes') or {})}")
    if env.get("SAM3FN_HOST") != "0.0.0.0" or "PORT" not in env:
        problems.append("does not listen on 0.0.0.0:$PORT")
    if problems:
        raise CheckFailed("image config: " + "; ".join(problems))
    return env


# -- 4./5. running it --------------------------------------------------------------------------------------
def free_port() -> int:
    from support.server import free_port as pick

    return pick()


def wait_ready(url: str, proc: subprocess.Popen, started: float, log: Path, timeout: float = 600) -> float:
    import httpx

    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise CheckFailed(f"the function exited with {proc.returncode} before ready:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise CheckFailed(f"not ready after {timeout:.0f} s:\n{log.read_text()[-4000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the runner and the server it started
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def exercise(url: str, headers: dict | None = None) -> dict:
    """/healthz, /v1/info, /v1/segment with an English and a Chinese prompt; returns what was seen."""
    import httpx
    from support.images import encode, scene_pixels

    if httpx.get(url + "/healthz", timeout=10).status_code != 200:
        raise CheckFailed("/healthz is not 200")
    info = httpx.get(url + "/v1/info", timeout=10, headers=headers).json()
    if not info.get("random_weights") or not info.get("notice"):
        raise CheckFailed(f"/v1/info does not say the tiny random model is served: {info}")
    started = time.monotonic()
    response = httpx.post(url + "/v1/segment", timeout=120, headers=headers,
                          files={"image": ("scene.png", encode(scene_pixels()), "image/png")},
                          data={"prompts": ["dog", "蓝莓飞船"], "threshold": "0"})
    seconds = time.monotonic() - started
    if response.status_code != 200:
        raise CheckFailed(f"/v1/segment answered {response.status_code}: {response.text[:1000]}")
    body = response.json()
    results = {r["prompt"]: r for r in body["results"]}
    argos = results.get("蓝莓飞船", {})
    if argos.get("translation") != "argos" or argos.get("model_prompt") != "blueberry spaceship":
        raise CheckFailed(f"the Chinese prompt did not go through the image's Argos package: {argos}")
    if not any("RANDOM" in w for w in body.get("warnings", [])):
        raise CheckFailed(f"the response does not warn about random weights: {body.get('warnings')}")
    if not results["dog"]["instances"] or "counts" not in results["dog"]["instances"][0]["mask"]:
        raise CheckFailed("threshold 0 returned no instances with an RLE mask")
    return {"backend": info["backend"], "device": info["device"], "segment_seconds": round(seconds, 3),
            "instances": {p: len(r["instances"]) for p, r in results.items()}, "timings": body["timings"]}


def run_a(buildah: Buildah, workdir: Path, config: dict, expect_backend: str) -> dict:
    """Start the image with `buildah run` (host network under chroot isolation) and use it."""
    port = free_port()
    ctr = buildah("from", "--pull=never", "--name", f"sam3fn-check-{os.getpid()}", IMAGE_TAG).stdout.split()[-1]
    log = workdir / "run-a.log"
    try:
        uid = buildah("run", "--isolation", "chroot", ctr, "--", "id", "-u").stdout.strip().splitlines()[-1]
        if uid != str(config["User"]):
            raise CheckFailed(f"buildah run runs as uid {uid}, the image says {config['User']}")
        command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
        runner = ["buildah", *buildah.storage, "run", "--isolation", "chroot", "--env", f"PORT={port}", ctr,
                  "--", *command]
        say("$ " + shlex.join(runner) + "  (cold start measured from here)")
        with open(log, "wb") as out:
            started = time.monotonic()
            proc = subprocess.Popen(runner, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            cold = wait_ready(url, proc, started, log)
            say(f"run A ready in {cold:.1f} s")
            seen = exercise(url)
            if seen["backend"] != expect_backend:
                raise CheckFailed(f"/v1/info says backend {seen['backend']}, expected {expect_backend}")
            health = config["Healthcheck"]["Test"]
            if health[0] != "CMD":
                raise CheckFailed(f"HEALTHCHECK is {health}, expected the exec form")
            buildah("run", "--isolation", "chroot", "--env", f"PORT={port}", ctr, "--", *health[1:])
        finally:
            stop(proc)
    finally:
        buildah("rm", ctr)
    return {"cold_start_seconds": round(cold, 2), "command": shlex.join(runner), **seen}


READ_ONLY_RUNNER = r"""
set -eu
root=$1; shift; uid=$1; shift
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
for volume in $VOLUMES; do mount -t tmpfs -o mode=1777 tmpfs "$root$volume"; done
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
# The root filesystem must refuse writes before the function starts on it: even root's (file permissions
# alone would stop the function's user).
if chroot "$root" /bin/sh -c 'echo x > /opt/sam3fn/probe' 2>/dev/null; then
    echo "root filesystem is writable" >&2; exit 97
fi
exec chroot --userspec="$uid:0" "$root" /usr/bin/env -i "$@"
"""


def scratch_files(session: int, volume: str = "/tmp") -> dict[str, int]:
    """The files under `volume` as the function itself sees it (its chroot and its mount namespace, through
    /proc/PID/root) -> {path: bytes}. The function is the process of `session` with a root of its own."""
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            if os.getsid(int(proc_dir.name)) != session or os.readlink(proc_dir / "root") == "/":
                continue
            base = proc_dir / "root" / volume.lstrip("/")
            return {"/" + str(f.relative_to(proc_dir / "root")): f.stat().st_size for f in base.rglob("*") if f.is_file()}
        except (OSError, ValueError):
            continue  # gone, or not ours to read
    raise CheckFailed("the function's process was not found to read its /tmp")


def run_b(buildah: Buildah, workdir: Path, config: dict, env: dict) -> dict:
    """Read-only root, tmpfs volumes, the image's user; SeaweedFS events end to end."""
    import httpx
    from support.images import encode, scene_pixels
    from support.seaweed import SeaweedFS

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ctr = buildah("from", "--pull=never", "--name", f"sam3fn-check-ro-{os.getpid()}", IMAGE_TAG).stdout.split()[-1]
    log = workdir / "run-b.log"
    try:
        root = buildah("mount", ctr).stdout.strip().splitlines()[-1]
        shutil.rmtree(workdir / "seaweedfs", ignore_errors=True)  # an empty bucket: no result of an earlier run
        with SeaweedFS(workdir / "seaweedfs", webhook_url=f"{url}/v1/events", webhook_token=EVENTS_TOKEN,
                       webhook_event_types=["create", "update", "rename"],
                       webhook_path_prefixes=["/buckets/images/inputs/"]) as sw:
            run_env = {**env, "PORT": str(port), "SAM3FN_S3_ENDPOINT": sw.endpoint, "SAM3FN_EVENTS_TOKEN": EVENTS_TOKEN,
                       "AWS_ACCESS_KEY_ID": sw.access_key, "AWS_SECRET_ACCESS_KEY": sw.secret_key,
                       "AWS_DEFAULT_REGION": sw.region}
            command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
            runner = ["unshare", "--mount", "--fork", "sh", "-c", READ_ONLY_RUNNER, "read-only", root,
                      str(config["User"]), *(f"{k}={v}" for k, v in run_env.items()), *command]
            with open(log, "wb") as out:
                started = time.monotonic()
                proc = subprocess.Popen(runner, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                        env={**os.environ, "VOLUMES": " ".join(config["Volumes"])})
            try:
                cold = wait_ready(url, proc, started, log)
                say(f"run B (read-only root) ready in {cold:.1f} s")
                # The engines ship unpacked and load in place: torch's package loader, which extracts
                # packages under /tmp for the process's life, must not have run.
                scratch = scratch_files(proc.pid)
                if any("aotinductor" in name for name in scratch):
                    raise CheckFailed(f"an AOTInductor package was extracted into /tmp: {sorted(scratch)[:5]}")
                seen = exercise(url)
                s3 = sw.client()
                if s3.list_objects_v2(Bucket="images").get("KeyCount"):
                    raise CheckFailed("the bucket is not empty before the upload")
                uploaded = time.monotonic()
                put = s3.put_object(Bucket="images", Key="inputs/scene.png", Body=encode(scene_pixels()),
                                    ContentType="image/png",
                                    Metadata={"prompts": "dog,%E8%93%9D%E8%8E%93%E9%A3%9E%E8%88%B9"})
                result = None
                while time.monotonic() - uploaded < 120 and result is None:
                    try:
                        result = json.loads(s3.get_object(Bucket="images", Key="results/scene.png.json")["Body"].read())
                    except s3.exceptions.NoSuchKey:
                        time.sleep(0.2)
                if result is None:
                    raise CheckFailed(f"no results/scene.png.json 120 s after the upload:\n{log.read_text()[-3000:]}"
                                      f"\n{sw.log_tail(30)}")
                event_seconds = time.monotonic() - uploaded
                s3.head_object(Bucket="images", Key="results/scene.png.overlay.png")
                if result["source"]["etag"].strip('"') != put["ETag"].strip('"'):
                    raise CheckFailed(f"the result is for another upload: {result['source']}")
                prompts = [r["prompt"] for r in result["results"]]
                if prompts != ["dog", "蓝莓飞船"]:
                    raise CheckFailed(f"the event result has prompts {prompts}")
                if httpx.post(url + "/v1/events/sweep", params={"bucket": "images"}, timeout=60).status_code != 401:
                    raise CheckFailed("/v1/events/sweep answered without the events token")
                swept = httpx.post(url + "/v1/events/sweep", params={"bucket": "images"}, timeout=120,
                                   headers={"authorization": f"Bearer {EVENTS_TOKEN}"}).json()
                statuses = {o["status"] for o in swept["outcomes"]}
                if statuses - {"duplicate"}:
                    raise CheckFailed(f"the sweep found work the webhook had done: {swept['outcomes']}")
            finally:
                stop(proc)
    finally:
        buildah("umount", ctr)
        buildah("rm", ctr)
    if "root filesystem is writable" in log.read_text():
        raise CheckFailed("the read-only root accepted a write")
    return {"cold_start_seconds": round(cold, 2), "event_to_result_seconds": round(event_seconds, 2),
            "sweep_outcomes": sorted(statuses), "tmp_bytes_when_ready": sum(scratch.values()), **seen}


# -- 6. report -------------------------------------------------------------------------------------------
def write_report(results_dir: Path, report: dict) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = results_dir / f"image-check-{report['date']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    a, b = report["run_a"], report["run_b"]
    mib = report["image"]["size_bytes"] / 2**20
    lines = [
        f"# CPU image check, {report['date']}",
        "",
        f"Produced by `sudo .venv/bin/python {report['invocation']}` on {report['machine']}, {report['buildah']}.",
        "",
        f"Base: {report['base']}. Build (`buildah {shlex.join(report['build_command'])} CONTEXT`): "
        + (f"{report['build_seconds']:.0f} s {'with' if report['cached_layers'] else 'without'} cached layers "
           "(pip's download cache, a build cache mount, is kept between runs)."
           if report["build_seconds"] is not None else "not run (--reuse-image: an image built earlier)."),
        f"Image `{IMAGE_TAG}`: {mib:.0f} MiB uncompressed"
        + (f", {report['image']['compressed_bytes'] / 2**20:.0f} MiB as a gzip OCI archive" if report["image"].get("compressed_bytes") else "")
        + f"; torch wheel from the context: {report['context']['torch_wheel'] or 'none'}; Argos: {report['context']['argos_package']}.",
        "",
        "| run | how | cold start: container start to /readyz 200 | /v1/segment (2 prompts) | backend |",
        "|---|---|---|---|---|",
        f"| A | `buildah run`, the image's entrypoint | {a['cold_start_seconds']:.2f} s | {a['segment_seconds']:.2f} s | {a['backend']} ({a['device']}) |",
        f"| B | read-only root, tmpfs volumes, uid {report['image']['user']}, SeaweedFS events | {b['cold_start_seconds']:.2f} s | {b['segment_seconds']:.2f} s | {b['backend']} ({b['device']}) |",
        "",
        f"Run B event flow: upload to inputs/ -> results/scene.png.json in {b['event_to_result_seconds']:.2f} s "
        f"(filer webhook with the events token); the sweep afterwards: {', '.join(b['sweep_outcomes']) or 'nothing left to do'}.",
        f"Run B's /tmp when ready: {b['tmp_bytes_when_ready'] / 1024:.0f} KiB (no AOTInductor package extracted there: "
        "the engines ship unpacked and load in place).",
        "The model is the tiny random one (no weights in the context): these times measure the image, Python and",
        "library start-up and the warm-up pass, not SAM 3. Real weights add their load time (3.4 GB) on top.",
        "",
    ]
    stem.with_suffix(".md").write_text("\n".join(lines))
    return stem.with_suffix(".md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/sam3fn-image"),
                        help="buildah storage, build context, logs (kept between runs for the layer cache)")
    parser.add_argument("--base", help="base image for both CPU stages (default: debootstrap bookworm)")
    parser.add_argument("--mirror", default="http://deb.debian.org/debian", help="Debian mirror for debootstrap")
    parser.add_argument("--cpu-backend", choices=["aoti", "eager"], default="aoti")
    parser.add_argument("--torch-version", default="2.13.0")
    parser.add_argument("--argos-model", type=Path, help="a real translate-zh_en package instead of the tiny one")
    parser.add_argument("--results", type=Path, default=ROOT / "infra" / "results")
    parser.add_argument("--no-compressed-size", action="store_true", help="skip writing a gzip OCI archive")
    parser.add_argument("--reuse-image", action="store_true",
                        help="skip the build when the image exists (to re-run the checks; the report says so)")
    parser.add_argument("--layers", action="store_true",
                        help="cache every instruction's layer (fast rebuilds; vfs needs ~60 GB free for it)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("error: run as root (buildah vfs storage and chroot isolation, mounts for the read-only run)",
              file=sys.stderr)
        return 2
    for tool in ["buildah", "unshare", "chroot"] + ([] if args.base else ["debootstrap"]):
        if not shutil.which(tool):
            print(f"error: {tool} not found (apt-get install -y buildah debootstrap)", file=sys.stderr)
            return 2
    workdir = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    buildah = Buildah(workdir)
    report: dict = {"date": date.today().isoformat(), "invocation": shlex.join(["infra/check_image.py", *(argv or sys.argv[1:])]),
                    "machine": f"{os.cpu_count()} CPUs, {platform.platform()}",
                    "buildah": run(["buildah", "--version"]).stdout.strip()}
    try:
        base = args.base or debootstrap_base(buildah, workdir, args.mirror)
        report["base"] = (f"`{base}` (debootstrap --variant=minbase bookworm, {args.mirror})" if not args.base
                          else f"`{base}`")
        context, report["context"] = make_context(workdir, args.torch_version, args.argos_model)
        cmd = build_command(base, args.cpu_backend, bool(report["context"]["torch_wheel"]), args.layers)
        report["cached_layers"] = args.layers and buildah.has_image(IMAGE_TAG)
        subprocess.run(["buildah", *buildah.storage, "rm", "--all"], capture_output=True)  # leftovers of a failed run
        report["build_command"] = cmd
        if args.reuse_image and buildah.has_image(IMAGE_TAG):
            report["build_seconds"] = None  # not built by this run
            say(f"reusing {IMAGE_TAG} (--reuse-image)")
        else:
            started = time.monotonic()
            buildah(*cmd, str(context), log=workdir / "build.log", cwd=context)
            report["build_seconds"] = round(time.monotonic() - started, 1)
            say(f"built {IMAGE_TAG} in {report['build_seconds']:.0f} s")
            # vfs keeps full copies: drop this build's leftover stage containers and the untagged images of
            # earlier builds, or every run costs another ~10 GB of disk.
            buildah("rm", "--all")
            buildah("rmi", "--prune")
        facts = image_facts(buildah)
        env = check_config(facts["config"])
        report["image"] = {"size_bytes": facts["size_bytes"], "user": facts["config"]["User"],
                           "healthcheck": facts["config"]["Healthcheck"]["Test"],
                           "volumes": sorted(facts["config"]["Volumes"])}
        if not args.no_compressed_size:
            archive = workdir / "sam3fn-cpu.oci.tar"
            archive.unlink(missing_ok=True)
            buildah("push", IMAGE_TAG, f"oci-archive:{archive}")
            report["image"]["compressed_bytes"] = archive.stat().st_size
            archive.unlink()
        expect = "aoti" if args.cpu_backend == "aoti" else "eager"
        report["run_a"] = run_a(buildah, workdir, facts["config"], expect)
        report["run_b"] = run_b(buildah, workdir, facts["config"], env)
    except CheckFailed as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    path = write_report(args.results, report)
    say(f"all passed; report: {path}")
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
