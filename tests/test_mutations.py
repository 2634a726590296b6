"""Mutated returns hunt for tracebacks: every mutation of a valid return ends as a report (issue 18).

Hypothesis damages a real return the ways mail, disks and other programs do (truncation,
flipped bytes, zip members dropped, duplicated or swapped, sizes in the zip directory that
lie, XML attributes and repeats inflated to the grid's far corner) and checks that
validation gives one report for the file, with a catalogued finding unless the file still
says what the original said, without the reader giving up: its own bounds refuse first.
Reading happens in the batch's worker processes, each under its own memory limit, so a
failure here can never take the machine's memory.
"""
from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import CLEAN_VALUES, make_return
from cchc_sheets.batch import validate_paths
from cchc_sheets.messages import CATALOGUE

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def original(tmp_path_factory, form, period):
    from cchc_sheets.units import Unit

    unit = Unit(code="T01", name="Xã Thử Nghiệm Một", parent="UBND tỉnh Thử Nghiệm", email="", group="")
    folder = tmp_path_factory.mktemp("mutations")
    path = make_return(folder, form, unit, period, CLEAN_VALUES, name="goc.xlsx")
    report = validate_paths([path], form, cache=False).files[0]
    assert report.status == "valid"
    return path.read_bytes(), report


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [(info, package.read(info)) for info in package.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members:
            package.writestr(name, data)
    return buffer.getvalue()


def truncated(data: bytes, draw) -> bytes:
    return data[:draw(st.integers(0, len(data) - 1))]


def flipped(data: bytes, draw) -> bytes:
    damaged = bytearray(data)
    for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
        damaged[position] ^= draw(st.integers(1, 255))
    return bytes(damaged)


def member_dropped(data: bytes, draw) -> bytes:
    members = [(i.filename, d) for i, d in _members(data)]
    del members[draw(st.integers(0, len(members) - 1))]
    return _zip(members)


def member_duplicated(data: bytes, draw) -> bytes:
    members = [(i.filename, d) for i, d in _members(data)]
    members.append(members[draw(st.integers(0, len(members) - 1))])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        return _zip(members)


def members_swapped(data: bytes, draw) -> bytes:
    members = [(i.filename, d) for i, d in _members(data)]
    a, b = draw(st.integers(0, len(members) - 1)), draw(st.integers(0, len(members) - 1))
    names = [n for n, _ in members]
    names[a], names[b] = names[b], names[a]
    return _zip([(name, d) for name, (_, d) in zip(names, members)])


def sizes_lie(data: bytes, draw) -> bytes:
    """The central directory's uncompressed size of one member set to something else."""
    damaged = bytearray(data)
    offsets = [n for n in range(len(data) - 4) if data[n:n + 4] == b"PK\x01\x02"]
    offset = offsets[draw(st.integers(0, len(offsets) - 1))]
    struct.pack_into("<L", damaged, offset + 24, draw(st.sampled_from([0, 1, 2**31, 2**32 - 1, 12345])))
    return bytes(damaged)


INFLATED = [
    (rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"'),
    (rb'<c r="D12"', b'<c r="XFD1048576"'),
    (rb'<row r="12"', b'<row r="1048576"'),
    (rb'spans="[^"]*"', b'spans="1:16384"'),
    (rb'<col min="1" max="1"', b'<col min="1" max="16384"'),
    (rb'<sheetProtection ', b'<sheetProtection ' + b'x="1" ' * 5000),
]


def inflated(data: bytes, draw) -> bytes:
    import re

    pattern, replacement = draw(st.sampled_from(INFLATED))
    members = [(i.filename, re.sub(pattern, replacement, d, count=1) if i.filename.startswith("xl/worksheets/")
                else d) for i, d in _members(data)]
    return _zip(members)


MUTATIONS = [truncated, flipped, member_dropped, member_duplicated, members_swapped, sizes_lie, inflated]


@SETTINGS
@given(data=st.data())
def test_every_mutation_ends_as_a_report(tmp_path, original, form, data):
    raw, clean = original
    mutation = data.draw(st.sampled_from(MUTATIONS))
    mutated = mutation(raw, data.draw)
    path = tmp_path / f"{mutation.__name__}.xlsx"
    path.write_bytes(mutated)
    reports = validate_paths([path], form, cache=False).files
    assert len(reports) == 1 and reports[0].path == str(path)
    report = reports[0]
    codes = [f.code for f in report.findings]
    assert all(code in CATALOGUE for code in codes)
    assert "file-reader-gave-up" not in codes, mutation.__name__
    if not codes:   # a mutation that changed nothing a reader sees: the same report
        assert report.values == clean.values and report.unit_code == clean.unit_code
    for finding in report.findings:
        assert finding.message("vi") and finding.message("en")
