"""The scripts the image build and the image itself run: prepare.py (weights, Argos) and healthcheck.py."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from infra_files import ROOT

PREPARE = ROOT / "infra" / "image" / "prepare.py"
HEALTHCHECK = ROOT / "infra" / "healthcheck.py"


def prepare(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PREPARE), *args], capture_output=True, text=True, timeout=120, **kwargs)


@contextmanager
def http_server(handler_class):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- weights ---------------------------------------------------------------------------------------------
def test_weights_from_the_build_context_are_copied_whole(tiny_model_dir, tmp_path):
    out = tmp_path / "image" / "models" / "sam3"
    result = prepare("weights", "--context", str(tiny_model_dir), "--out", str(out), "--variant", "gpu")
    assert result.returncode == 0, result.stderr
    assert "weights: context" in result.stdout
    from sam3fn.core.model_dir import check_model_dir

    assert check_model_dir(out).path == out  # the function's own check accepts what the image will hold
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in tiny_model_dir.iterdir())


def test_gpu_image_without_weights_or_token_fails_the_build_saying_how(tmp_path):
    result = prepare("weights", "--context", str(tmp_path / "models" / "sam3"), "--out", str(tmp_path / "out"),
                     "--token-file", str(tmp_path / "no-such-secret"), "--variant", "gpu")
    assert result.returncode == 1
    assert "hf download facebook/sam3" in result.stderr and "hf_token" in result.stderr
    assert not (tmp_path / "out").exists()


def test_cpu_image_without_weights_goes_on_to_the_tiny_model(tmp_path):
    result = prepare("weights", "--context", str(tmp_path / "models" / "sam3"), "--out", str(tmp_path / "out"),
                     "--variant", "cpu")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "weights: none" and not (tmp_path / "out").exists()


# -- Argos -----------------------------------------------------------------------------------------------
def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


TRANSLATE = """
import sys
from pathlib import Path
from sam3fn.translate import Translator
t = Translator(argos_model=Path(sys.argv[1]), argos_home=Path(sys.argv[2]))
t.warm_up()
r = t.translate("蓝莓飞船")
print(f"{r.method}: {r.english}")
"""


def test_argos_package_is_installed_at_build_so_the_function_never_writes_its_home(tiny_argos_model, tmp_path):
    model, home = tmp_path / "argos" / "translate-zh_en.argosmodel", tmp_path / "argos" / "home"
    result = prepare("argos", "--context", str(tiny_argos_model), "--model", str(model), "--home", str(home))
    assert result.returncode == 0, result.stderr
    assert "argos: context" in result.stdout and "'loaded': True" in result.stdout
    before = _snapshot(home)
    # A fresh process, as the function at startup: it must find the package ready and change nothing, which
    # is what lets the image run on a read-only root filesystem.
    run = subprocess.run([sys.executable, "-c", TRANSLATE, str(model), str(home)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "argos: blueberry spaceship"
    assert _snapshot(home) == before


def _serving(payload: bytes):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    return Handler


def test_argos_download_is_checked_against_the_pinned_sha256(tiny_argos_model, tmp_path):
    payload = tiny_argos_model.read_bytes()
    with http_server(_serving(payload)) as url:
        model = tmp_path / "bad" / "translate-zh_en.argosmodel"
        wrong = prepare("argos", "--context", str(tmp_path / "absent.argosmodel"), "--url", url + "/pkg",
                        "--sha256", "0" * 64, "--model", str(model), "--home", str(tmp_path / "bad-home"))
        assert wrong.returncode == 1 and "expected 000" in wrong.stderr
        assert not model.exists(), "a package that failed its checksum must not stay in the image"
        good = prepare("argos", "--context", str(tmp_path / "absent.argosmodel"), "--url", url + "/pkg",
                       "--sha256", hashlib.sha256(payload).hexdigest(), "--model", str(tmp_path / "ok" / "pkg.argosmodel"),
                       "--home", str(tmp_path / "ok-home"))
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "ok" / "pkg.argosmodel").read_bytes() == payload


def test_argos_without_package_or_url_fails_the_build(tmp_path):
    result = prepare("argos", "--context", str(tmp_path / "absent.argosmodel"), "--url", "",
                     "--model", str(tmp_path / "m.argosmodel"), "--home", str(tmp_path / "home"))
    assert result.returncode == 1 and "ARGOS_ZH_EN_URL" in result.stderr


# -- healthcheck -----------------------------------------------------------------------------------------
def _readyz(status: int):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(status if self.path == "/readyz" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@pytest.mark.parametrize("status, exit_code", [(200, 0), (503, 1)])
def test_healthcheck_is_healthy_only_when_readyz_answers_200(status, exit_code):
    with http_server(_readyz(status)) as url:
        port = url.rsplit(":", 1)[1]
        result = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**os.environ, "PORT": port},
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == exit_code, result.stderr


def test_healthcheck_is_unhealthy_when_nothing_listens():
    from support.server import free_port

    result = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**os.environ, "PORT": str(free_port())},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "/readyz" in result.stderr
