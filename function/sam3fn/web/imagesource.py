"""Where a request's image bytes come from: inline base64, an s3:// object, or a file under the image root."""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path

from ..core.errors import InputError
from ..storage import ObjectStore, parse_s3_url

# Anything with a URL scheme ("http://", "https://", "file://", "ftp://"), and "file:" and "data:" URLs
# written without slashes. s3:// is routed to from_s3 before this is reached.
_URL = re.compile(r"^(?:([a-z][a-z0-9+.\-]*)://|(file|data):)", re.IGNORECASE)


# ASCII whitespace, which base64 decoders for MIME and PEM skip: `base64` wraps at 76 columns, Windows
# tools end lines with CRLF, and a pasted or `$(base64 file)` value ends with a newline.
_BASE64_WHITESPACE = b" \t\n\r\x0b\x0c"


def from_base64(text: str, max_bytes: int) -> bytes:
    """image.base64: plain base64 or a data: URL (`data:image/png;base64,...`, any case), ASCII whitespace
    anywhere ignored; anything else that is not base64 is `invalid_base64`."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        raise InputError("image.base64 is not valid base64 (it holds non-ASCII characters)", code="invalid_base64") from None
    data = data.lstrip(_BASE64_WHITESPACE)
    if data[:5].lower() == b"data:" and b"," in data:  # a data: URL as browsers produce it, any case
        data = data.partition(b",")[2]
    data = data.translate(None, delete=_BASE64_WHITESPACE)
    if len(data) > max_bytes * 4 // 3 + 4:
        raise InputError("the base64 image is larger than this server accepts", code="image_too_large")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("image.base64 is not valid base64", code="invalid_base64") from None


def from_s3(url: str, store: ObjectStore, max_bytes: int) -> bytes:
    data, _ = store.get(parse_s3_url(url), max_bytes)
    return data


def from_local_path(path: str, root: Path | None, max_bytes: int) -> bytes:
    """Read a file only if it really lies inside `root`: no '..', no symlink leading out.

    A URL is not a path: nothing is fetched from one, and saying "no image at http://..." under the root
    sent callers looking for a missing file."""
    if not path.strip():
        raise InputError("image_path is empty: give s3://bucket/key or a path under the image root",
                         code="invalid_request")
    url = _URL.match(path.lstrip())
    if url is not None:
        raise InputError(f"image_path is a {(url.group(1) or url.group(2)).lower()}: URL; image_path is s3://bucket/key or a path "
                         "under the image root (SAM3FN_IMAGE_ROOT), and URLs are not fetched: send the image "
                         "itself to /v1/segment (image.base64 or multipart)", code="invalid_request")
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
