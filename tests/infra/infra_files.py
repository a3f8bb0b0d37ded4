"""Reading the deployment files (Containerfile, infra/) and the facts of the function they must agree with."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = INFRA / "compose" / "compose.yaml"

# Environment variables the deployment files may set that are not sam3fn settings, and who reads them.
NOT_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "boto3",
    "AWS_SECRET_ACCESS_KEY": "boto3",
    "AWS_DEFAULT_REGION": "boto3",
    "NVIDIA_DRIVER_CAPABILITIES": "the NVIDIA container toolkit (which driver libraries to mount)",
    "PATH": "the shell and exec (the venv's bin first)",
    "HOME": "Python's Path.home() in argostranslate, torch and huggingface_hub caches",
    "PYTHONUNBUFFERED": "Python (logs reach the platform at once)",
    "PYTHONDONTWRITEBYTECODE": "Python (no .pyc writes on a read-only root)",
}


# -- the function ------------------------------------------------------------------------------------------
@cache
def setting_env_names() -> frozenset[str]:
    from sam3fn.settings import Settings, env_name

    return frozenset(env_name(f) for f in Settings.__struct_fields__)


@cache
def setting_defaults():
    from sam3fn.settings import load_settings

    return load_settings({})


@cache
def routes() -> dict[str, set[str]]:
    """path -> HTTP methods of the function's routes."""
    from sam3fn.web.routes import ROUTES

    out: dict[str, set[str]] = {}
    for handler in ROUTES:
        for path in handler.paths:
            out.setdefault(path, set()).update(handler.http_methods)
    return out


@cache
def cli_commands() -> frozenset[str]:
    from sam3fn.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return frozenset(subparsers.choices)


def unknown_env(names) -> list[str]:
    """The names no sam3fn setting and no known consumer reads."""
    return sorted(n for n in names if n not in setting_env_names() and n not in NOT_SETTINGS)


# -- the Containerfile -------------------------------------------------------------------------------------
@dataclass
class Instruction:
    keyword: str
    args: str
    line: int
    flags: list[str] = field(default_factory=list)


def instructions(text: str | None = None) -> list[Instruction]:
    """The Containerfile's instructions, continuation lines joined and comments dropped."""
    text = CONTAINERFILE.read_text() if text is None else text
    out: list[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, rest = buffer.partition(" ")
        flags = []
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            flags.append(flag)
            rest = rest.strip()
        out.append(Instruction(keyword.upper(), rest, start, flags))
        buffer = ""
    return out


def stages() -> dict[str, list[Instruction]]:
    """Stage name (or the index of an unnamed stage) -> its instructions, FROM first."""
    out: dict[str, list[Instruction]] = {}
    current = None
    for ins in instructions():
        if ins.keyword == "FROM":
            words = ins.args.split()
            current = words[2] if len(words) == 3 and words[1].upper() == "AS" else f"#{len(out)}"
            out[current] = []
        if current is not None:
            out[current].append(ins)
    return out


def image_env() -> dict[str, str]:
    """ENV of the final image, with the runtime stage ENV of each variant merged in (both are set)."""
    env: dict[str, str] = {}
    for name, body in stages().items():
        if not (name.startswith("runtime-") or name.startswith("#")):
            continue
        for ins in body:
            if ins.keyword == "ENV":
                for pair in shlex.split(ins.args):
                    key, _, value = pair.partition("=")
                    env[key] = value
    return env


def final_stage() -> list[Instruction]:
    return list(stages().values())[-1]


def image_port() -> int:
    return int(image_env()["PORT"])


def image_volumes() -> set[str]:
    import json

    (volume,) = [i for i in final_stage() if i.keyword == "VOLUME"]
    return set(json.loads(volume.args))


def image_user() -> int:
    (user,) = [i for i in final_stage() if i.keyword == "USER"]
    return int(user.args.split(":")[0])


def build_paths_in_image() -> dict[str, Path]:
    """Image paths under which the build stages find repository files (COPY destination -> source)."""
    out = {}
    for ins in instructions():
        if ins.keyword == "COPY" and not any(f.startswith("--from") for f in ins.flags):
            *sources, dest = ins.args.split()
            for source in sources:
                out[dest if len(sources) == 1 else f"{dest.rstrip('/')}/{Path(source).name}"] = ROOT / source
    return out


# -- manifests ---------------------------------------------------------------------------------------------
def yaml_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def manifest_files() -> list[Path]:
    """Every YAML file under infra/ except compose.yaml, which is not a Kubernetes manifest."""
    return sorted(p for p in INFRA.rglob("*.yaml") if p != COMPOSE and "results" not in p.parts)


def knative_containers(doc: dict) -> list[dict]:
    return doc["spec"]["template"]["spec"]["containers"]


def env_of(container: dict) -> dict[str, str | None]:
    """Literal env of a container (None for values from secrets/config maps)."""
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def docs_code_blocks(path: Path) -> list[str]:
    return re.findall(r"```(?:bash|sh|console)?\n(.*?)```", path.read_text(), flags=re.S)
