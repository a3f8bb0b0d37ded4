"""Where a request's image bytes come from: inline base64, an s3:// object, or a file under the image root."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from ..core.errors import InputError
from ..storage import ObjectStore, parse_s3_url


def from_base64(text: str, max_bytes: int) -> bytes:
    if len(text) > max_bytes * 4 // 3 + 4:
        raise InputError("the base64 image is larger than this server accepts", code="image_too_large")
    if text.startswith("data:") and "," in text:  # a data: URL as browsers produce it
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("image.base64 is not valid base64", code="invalid_base64") from None


def from_s3(url: str, store: ObjectStore, max_bytes: int) -> bytes:
    data, _ = store.get(parse_s3_url(url), max_bytes)
    return data


def from_local_path(path: str, root: Path | None, max_bytes: int) -> bytes:
    """Read a file only if it really lies inside `root`: no '..', no symlink leading out."""
    if root is None:
        raise InputError("local image paths are disabled on this server (set SAM3FN_IMAGE_ROOT)", code="path_not_allowed")
    if "\x00" in path:
        raise InputError("the image path may not contain a NUL character", code="path_not_allowed")
    if ".." in Path(path).parts:
        raise InputError("the image path may not contain '..'", code="path_not_allowed")
    root = root.resolve()
    candidate = Path(path) if os.path.isabs(path) else root / path
    try:
        real = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"no image at {path!r} under the image root", code="path_not_found") from None
    except (OSError, RuntimeError):
        raise InputError(f"the image path {path!r} cannot be resolved", code="path_not_allowed") from None
    if not real.is_relative_to(root):
        raise InputError(f"{path!r} is outside the image root", code="path_not_allowed")
    if not real.is_file():
        raise InputError(f"{path!r} is not a file", code="path_not_found")
    if real.stat().st_size > max_bytes:
        raise InputError(f"{path!r} is larger than this server accepts", code="image_too_large")
    return real.read_bytes()
