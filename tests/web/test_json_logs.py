"""The server's log is JSON lines only: what Python libraries warn about goes through the same formatter."""

from __future__ import annotations

import json
import logging
import warnings

from sam3fn.web.observability import configure_logging


def test_a_library_warning_is_logged_as_a_json_line_not_as_plain_text(capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        # What Pillow warns on a JPEG whose EXIF block is cut short (an upload can carry one).
        warnings.warn_explicit("Corrupt EXIF data.", UserWarning, "PIL/TiffImagePlugin.py", 982)
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = capsys.readouterr().err.splitlines()
    assert lines, "the warning was not logged"
    records = [json.loads(line) for line in lines]
    assert records[0]["level"] == "WARNING" and "Corrupt EXIF data." in records[0]["msg"]
