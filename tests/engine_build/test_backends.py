"""engine_build's unpacking of AOTInductor packages, on hand-made zips laid out as packages are."""

from __future__ import annotations

import zipfile

import pytest

from engine_build.backends import unpack_aoti
from sam3fn.core.aot_engine import file_sha256


def _package(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("top", ["text/", ""])  # packages nest their content in a folder named after them
def test_the_compiled_model_is_unpacked_with_a_checksum_per_file(tmp_path, top):
    package = _package(tmp_path / "text.pt2", {
        f"{top}data/aotinductor/model/abc.wrapper.so": b"library",
        f"{top}data/aotinductor/model/abc.wrapper_metadata.json": b"{}",
        f"{top}data/aotinductor/model/kernels/k1.cubin": b"kernel",
        f"{top}data/aotinductor/other/x.so": b"another model",
        f"{top}archive_format": b"pt2",
    })
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "stale.so").write_bytes(b"a previous build")
    entry = unpack_aoti(package, tmp_path / "text")
    assert entry["dir"] == "text" and entry["library"] == "abc.wrapper.so"
    assert sorted(entry["files"]) == ["abc.wrapper.so", "abc.wrapper_metadata.json", "kernels/k1.cubin"]
    assert sorted(p.relative_to(tmp_path / "text").as_posix() for p in (tmp_path / "text").rglob("*") if p.is_file()) \
        == sorted(entry["files"])
    assert entry["files"]["kernels/k1.cubin"] == file_sha256(tmp_path / "text" / "kernels" / "k1.cubin")
    assert (tmp_path / "text" / "abc.wrapper.so").read_bytes() == b"library"


def test_a_member_that_climbs_out_of_the_model_directory_is_refused(tmp_path):
    package = _package(tmp_path / "text.pt2", {"text/data/aotinductor/model/../../../../evil.so": b"x"})
    with pytest.raises(ValueError, match="outside the package"):
        unpack_aoti(package, tmp_path / "out" / "text")
    assert not (tmp_path / "evil.so").exists() and not (tmp_path / "out" / "evil.so").exists()


@pytest.mark.parametrize("libraries", [[], ["a.so", "b.so"]])
def test_a_package_without_exactly_one_library_is_refused(tmp_path, libraries):
    members = {f"text/data/aotinductor/model/{name}": b"x" for name in [*libraries, "a_metadata.json"]}
    with pytest.raises(ValueError, match="expected one compiled library"):
        unpack_aoti(_package(tmp_path / "text.pt2", members), tmp_path / "text")
