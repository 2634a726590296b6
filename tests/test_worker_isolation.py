"""Defence in depth: a file that kills or exhausts its reading worker costs that file, never the batch."""
from __future__ import annotations

import faulthandler
import multiprocessing
import os

import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets import batch, reading

pytestmark = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                                reason="the planted reader reaches the workers through fork")


@pytest.fixture
def hostile_reader(monkeypatch):
    """``read_workbook`` as usual, except that files named abort*/hog* abort or allocate without bound."""
    real = reading.read_workbook

    def planted(path, limits=None):
        name = os.path.basename(str(path))
        if name.startswith("abort"):
            faulthandler.disable()           # no traceback dump from pytest's handler in the log
            os.abort()                       # as a native reader does on 'memory allocation failed'
        if name.startswith("hog"):
            hoard = []
            while True:                      # stopped by the worker's address-space limit
                hoard.append(bytearray(256 * 1024 * 1024))
        return real(path, limits) if limits is not None else real(path)

    monkeypatch.setattr(reading, "read_workbook", planted)
    monkeypatch.setattr(batch, "WORKER_MEMORY_BYTES", 1024 ** 3)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_by_one_file_costs_only_that_file(tmp_path, form, units, period, hostile_reader, jobs):
    good = [make_return(tmp_path, form, unit, period, CLEAN_VALUES, name=f"good-{unit.code}.xlsx") for unit in units]
    abort = make_return(tmp_path, form, units.units[0], period, CLEAN_VALUES, name="abort.xlsx")
    hog = make_return(tmp_path, form, units.units[1], period, CLEAN_VALUES, name="hog.xlsx")
    files = [good[0], abort, good[1], hog, good[2]]

    result = batch.validate_files(files, form, units=units, period=period, jobs=jobs, cache=False)

    assert [r.path for r in result.files] == list(map(str, files))
    by_name = {os.path.basename(r.path): r for r in result.files}
    for name in ("abort.xlsx", "hog.xlsx"):
        report = by_name[name]
        assert report.status == "unreadable"
        assert [f.code for f in report.findings] == ["file-reader-gave-up"]
    assert by_name["abort.xlsx"].findings[0].params == {"why": "crash"}
    assert by_name["hog.xlsx"].findings[0].params == {"why": "memory"}
    assert all(by_name[g.name].status == "valid" for g in good)
