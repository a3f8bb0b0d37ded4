"""docs/deploy.md and the README's Deploy section say what the files and the checks actually do."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex

from infra_files import INFRA, ROOT, docs_code_blocks, instructions, manifest_files

DEPLOY = ROOT / "docs" / "deploy.md"


def _check_image_module():
    spec = importlib.util.spec_from_file_location("check_image", INFRA / "check_image.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _latest_report() -> dict:
    return json.loads(max((INFRA / "results").glob("image-check-*.json")).read_text())


def test_every_repository_path_the_guide_names_exists():
    text = DEPLOY.read_text()
    paths = set(re.findall(r"(?<![\w/.])((?:infra|tests/infra|docs)/[\w./-]*[\w/])", text))
    paths |= {p for p in ("Containerfile", ".dockerignore") if p in text}
    assert len(paths) > 20
    missing = sorted(p for p in paths if not (ROOT / p.rstrip("/")).exists() and "*" not in p)
    assert missing == []


def test_manifests_the_guide_applies_are_the_validated_ones():
    applied = set()
    for block in docs_code_blocks(DEPLOY):
        for path in re.findall(r"(?:-f|--patch-file|file://|sed [^|]*?)\s*(infra/[\w./-]+\.(?:yaml|json))", block):
            applied.add(ROOT / path)
        applied |= {ROOT / p for p in re.findall(r"\b(infra/[\w./-]+\.yaml)\b", block)}
    yaml_applied = {p for p in applied if p.suffix == ".yaml" and "compose" not in p.parts}
    assert yaml_applied and yaml_applied <= set(manifest_files())
    # Everything a cluster needs is applied somewhere in the guide.
    expected = {p for p in manifest_files() if "secrets.example" not in p.name}
    assert expected <= applied, f"never applied in the guide: {sorted(map(str, expected - applied))}"


def test_the_cpu_build_command_shown_is_the_one_the_check_runs():
    module = _check_image_module()
    ran = module.build_command("localhost/sam3fn-debian:bookworm", "aoti", torch_from_context=True)
    shown = next(b for b in docs_code_blocks(DEPLOY) if "buildah --storage-driver vfs bud" in b)
    words = shlex.split(shown.replace("\\\n", " "))
    words = words[words.index("bud"):]
    assert words[-1] == "CONTEXT"
    if "--secret" not in ran:  # a host without the CA bundle; the guide shows the dev machines' command
        words = [w for i, w in enumerate(words) if w != "--secret" and (i == 0 or words[i - 1] != "--secret")]
    assert words[:-1] == ran


def test_every_build_argument_is_documented():
    args = {i.args.split("=")[0] for i in instructions() if i.keyword == "ARG"}
    table = DEPLOY.read_text().split("Build arguments:", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert args - documented == set()


def test_the_guide_quotes_the_measured_check():
    text = DEPLOY.read_text()
    report = _latest_report()
    assert "MEASURED_RESULTS" not in text
    for run in ("run_a", "run_b"):
        assert f"{report[run]['cold_start_seconds']:.1f} s" in text


def test_readme_deploy_section_links_the_guide_and_quotes_the_measured_cold_start():
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", readme, flags=re.M)
    assert "Deploy" in headings and headings.index("Deploy") + 1 == headings.index("Layout")
    section = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    assert "docs/deploy.md" in section
    report = _latest_report()
    assert f"{report['run_a']['cold_start_seconds']:.1f} s" in section
    assert re.search(r"infra/results/image-check-\d{4}-\d{2}-\d{2}\.md", section)
    assert "infra/check_image.py" in section
