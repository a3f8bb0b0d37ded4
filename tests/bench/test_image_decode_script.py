"""The decode benchmark times every format it claims to and writes its JSON and table."""

from __future__ import annotations

import json
import sys

from bench import image_decode


def test_the_decode_benchmark_times_png_jpeg_and_webp(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["image_decode.py", "--side", "96", "--runs", "2", "--label", "t", "--out",
                                      str(tmp_path)])
    image_decode.main()
    [doc] = [json.loads(p.read_text()) for p in tmp_path.glob("image-decode-t-*.json")]
    assert set(doc["formats"]) == {"PNG", "JPEG", "WEBP"}
    assert all(f["median_ms"] > 0 and f["bytes"] > 0 for f in doc["formats"].values())
    assert "| WEBP |" in next(tmp_path.glob("image-decode-t-*.md")).read_text()
