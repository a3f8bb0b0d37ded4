"""Installed library versions, read one way for the engine checks, the engine manifest and /v1/info."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def installed_version(library: str) -> str | None:
    """The installed version of `library`, or None where it is not installed."""
    if library == "torch":
        import torch  # already loaded wherever this is asked

        return torch.__version__  # what the running torch says, local build tags included
    try:
        return version(library)
    except PackageNotFoundError:
        return None
