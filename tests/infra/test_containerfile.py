"""The Containerfile lints clean, and everything it names exists: files, scripts, modules, commands, settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra_files import (CONTAINERFILE, ROOT, build_paths_in_image, cli_commands, final_stage, image_env,
                         image_port, image_user, image_volumes, instructions, stages, unknown_env)


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)  # installed by the test extra into this venv
    if found.is_file():
        return str(found)
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return path


def hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_tool("hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_passes_on_the_containerfile():
    result = hadolint(CONTAINERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_as_run_here_does_report_problems(tmp_path):
    # The same invocation on a Containerfile with textbook mistakes must fail, so a clean result above
    # means the linter ran with its rules on, not that something silenced it.
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM debian\nRUN apt-get update && apt-get install curl\nRUN cd /tmp && echo $HOME\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert {"DL3006", "DL3008", "DL3015"} <= set(re.findall(r"DL\d{4}", result.stdout))


def test_every_rule_the_containerfile_ignores_is_explained_in_its_header():
    text = CONTAINERFILE.read_text()
    ignored = {code for codes in re.findall(r"hadolint ignore=([\w,]+)", text) for code in codes.split(",")}
    explained = dict(re.findall(r"^#\s+((?:DL|SC)\d{4})\s+(.+)$", text, flags=re.M))
    assert ignored, "expected a few justified exceptions"
    for code in ignored:
        assert len(explained.get(code, "")) > 30, f"{code} is ignored without a reason in the header"


def test_each_variant_has_every_stage_the_variant_argument_selects():
    names = set(stages())
    selected = {re.sub(r"-\$\{VARIANT\}.*", "", i.args.split()[0]) for i in instructions()
                if i.keyword == "FROM" and "${VARIANT}" in i.args}
    assert selected == {"torch", "engines", "runtime"}
    for variant in ("gpu", "gpu-buildkit", "cpu"):
        for prefix in selected:
            assert f"{prefix}-{variant}" in names, f"VARIANT={variant} has no stage {prefix}-{variant}"
    default = next(i.args for i in instructions() if i.keyword == "ARG" and i.args.startswith("VARIANT="))
    assert default == "VARIANT=gpu"


def test_repository_files_it_copies_exist_and_are_in_the_build_context():
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    included = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    for dest, source in build_paths_in_image().items():
        assert source.exists(), f"COPY {source.relative_to(ROOT)} -> {dest}: no such file in the repository"
        rel = source.relative_to(ROOT).as_posix()
        assert any(rel == inc or rel.startswith(inc + "/") for inc in included), \
            f"{rel} is copied but .dockerignore leaves it out of the build context"


def test_scripts_it_runs_from_the_build_folder_exist_and_are_executable():
    copied = build_paths_in_image()
    used = set(re.findall(r"/opt/sam3fn-build/[\w.-]+\.(?:sh|py)", CONTAINERFILE.read_text()))
    assert used, "expected the build steps to run scripts from infra/image"
    for path in used:
        dest = next(d for d in sorted(copied, key=len, reverse=True) if path == d or path.startswith(d.rstrip("/") + "/"))
        source = copied[dest] if path == dest else copied[dest] / path[len(dest.rstrip("/")) + 1:]
        assert source.is_file(), f"{path} comes from {source}, which does not exist"
        if source.suffix == ".sh":
            assert source.stat().st_mode & 0o111, f"{source} is run directly but is not executable"


def test_modules_and_commands_it_runs_exist():
    runs = " ".join(i.args for i in instructions() if i.keyword == "RUN")
    text = runs + (ROOT / "infra/image/build_engines.sh").read_text()
    for module in re.findall(r"python -m ([\w.]+)", text):
        assert (ROOT / module.replace(".", "/") / "__main__.py").is_file(), f"python -m {module}: no such module"
    used = set(re.findall(r"\bsam3fn ([a-z-]+)", text))
    entrypoint = next(i for i in final_stage() if i.keyword == "ENTRYPOINT")
    cmd = next(i for i in final_stage() if i.keyword == "CMD")
    assert entrypoint.args == '["/opt/venv/bin/sam3fn"]', "the entrypoint is the console script pyproject installs"
    used |= set(re.findall(r'"([a-z-]+)"', cmd.args))
    assert used and used <= cli_commands(), f"unknown sam3fn commands: {used - cli_commands()}"
    assert 'sam3fn = "sam3fn.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_the_environment_it_sets_is_read_by_the_function():
    env = image_env()
    assert unknown_env(env) == [], "set in the image but read by nothing"
    assert env["SAM3FN_HOST"] == "0.0.0.0", "a container must listen on all interfaces"
    assert env["SAM3FN_REQUIRE_WEIGHTS"] in ("true", "false")
    gpu_env = {i.args for i in stages()["runtime-gpu"] if i.keyword == "ENV"}
    assert any("SAM3FN_REQUIRE_WEIGHTS=true" in e for e in gpu_env), "the GPU image must never serve random weights"


def test_the_environment_check_catches_a_misspelt_setting():
    assert unknown_env(["SAM3FN_QUEUE_DEPHT", "SAM3FN_QUEUE_DEPTH", "PORT"]) == ["SAM3FN_QUEUE_DEPHT"]


def test_runs_as_a_non_root_user_with_declared_writable_places_and_a_readiness_healthcheck():
    assert image_user() != 0
    assert image_volumes() == {"/tmp", "/var/lib/sam3fn"}
    env = image_env()
    writable = [env["SAM3FN_RESULTS_DIR"], env["HOME"]]
    for path in writable:
        assert any(path == v or path.startswith(v + "/") for v in image_volumes()), f"{path} is not writable"
    (health,) = [i for i in final_stage() if i.keyword == "HEALTHCHECK"]
    assert "/opt/sam3fn/healthcheck.py" in health.args
    assert "/readyz" in (ROOT / "infra/healthcheck.py").read_text()
    assert image_port() == 8080
    expose = next(i for i in final_stage() if i.keyword == "EXPOSE")
    assert int(expose.args) == image_port()


def test_shell_scripts_pass_shellcheck():
    scripts = [*sorted((ROOT / "infra").rglob("*.sh")), *sorted((ROOT / "bench").glob("*.sh")), ROOT / "tests/run.sh",
               ROOT / ".ci/run"]
    assert len(scripts) >= 7
    result = subprocess.run([_tool("shellcheck"), "--severity=style", *map(str, scripts)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
