"""The storage tests that need a real S3 server start one SeaweedFS per module, with the module's BUCKET."""

from __future__ import annotations

import pytest

from support.seaweed import SeaweedFS


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory, request):
    with SeaweedFS(tmp_path_factory.mktemp("seaweed"), buckets=[request.module.BUCKET]) as server:
        yield server
