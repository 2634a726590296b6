"""The report cache: a second look at the same files reads none of them and says exactly the same."""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from builders import (CLEAN_VALUES, REFERENCE_VALUES, delete_row, make_return, set_metadata, unprotect,
                      without_metadata)
from cchc_sheets import codec, layout, pool, reading, report_cache
from cchc_sheets.model import FileReport
from cchc_sheets.periods import parse_period
from cchc_sheets.units import Unit, UnitList
from cchc_sheets.batch import validate_paths


EXTRA_UNITS = tuple(Unit(f"U{n:02d}", f"Xã Số {n}", "UBND tỉnh Thử Nghiệm") for n in range(10))


@pytest.fixture
def roster(units):
    """The three test units and ten more, so that an outlier shows among listed units."""
    return UnitList(tuple(units.units) + EXTRA_UNITS)


@pytest.fixture
def roster_csv(tmp_path, roster):
    path = tmp_path / "roster.csv"
    path.write_text("code,name,parent\n" + "".join(f"{u.code},{u.name},{u.parent}\n" for u in roster.units),
                    encoding="utf-8")
    return path


@pytest.fixture
def inbox(tmp_path, form, units, period):
    """Returns with most kinds of finding, an unreadable file, a duplicate and enough units for outliers."""
    folder = tmp_path / "inbox"
    t01, t02, t03 = units.units
    make_return(folder, form, t01, period, REFERENCE_VALUES, name="01-tham-chieu.xlsx",
                notes={"05": "Hội nghị"}, answers={"kho-khan": "Kinh phí"}, reporter={"reporter": "Nguyễn Văn A"})
    make_return(folder, form, t02, period, {**CLEAN_VALUES, "01": -3, "02": 2.5, "04": datetime(2020, 6, 3),
                                            "06": True, "05": 0}, name="02-loi-so.xlsx")
    make_return(folder, form, t03, period, CLEAN_VALUES, name="03-xoa-dong.xlsx", mutate=delete_row(10))
    make_return(folder, form, t01, period, CLEAN_VALUES, name="04-ban-cu.xlsx",
                mutate=set_metadata("form_version", 0))
    make_return(folder, form, t02, period, CLEAN_VALUES, name="05-dan-lai.xlsx", mutate=without_metadata)
    make_return(folder, form, t03, period, CLEAN_VALUES, name="06-mo-khoa.xlsx", mutate=unprotect(layout.MAIN_SHEET))
    make_return(folder, form, t01, period, CLEAN_VALUES, name="07-don-vi-khac.xlsx",
                mutate=set_metadata("unit_code", "T02"))
    make_return(folder, form, Unit("X99", "Xã Lạ", "UBND tỉnh Thử Nghiệm"), period, CLEAN_VALUES,
                name="08-don-vi-la.xlsx")
    make_return(folder, form, t02, parse_period("2020-H2"), CLEAN_VALUES, name="09-ky-khac.xlsx")
    for n, unit in enumerate(EXTRA_UNITS):  # enough units reporting for an outlier to show
        make_return(folder, form, unit, period, {**CLEAN_VALUES, "01": 400 if n == 9 else 10 + n},
                    name=f"10-u{n:02d}.xlsx")
    (folder / "11-khong-phai.xlsx").write_text("không phải bảng tính", encoding="utf-8")
    return folder


def dicts(batch) -> list[dict]:
    return [{**r.to_dict(), "modified": r.modified, "generated_at": r.generated_at, "reporter": r.reporter,
             "file_format": r.file_format, "params": [f.params for f in r.findings]} for r in batch.files]


def forbid_reading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the reader was called for a cached file")

    monkeypatch.setattr(reading, "read_workbook", refuse)


class CallLog:
    """File names a function was called with, in any process: reading happens in worker processes."""

    def __init__(self, path: Path):
        self.path = path
        path.write_text("", encoding="utf-8")

    def append(self, name: str) -> None:
        with open(self.path, "a", encoding="utf-8") as log:  # one short line per write: appends stay whole
            log.write(name + "\n")

    def names(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def __eq__(self, other) -> bool:
        return self.names() == list(other)

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        return repr(self.names())


def count_calls(monkeypatch, module, name: str) -> CallLog:
    """The file names ``module.name`` is called with, from now on (the real function still runs)."""
    import tempfile

    seen = CallLog(Path(tempfile.mkdtemp(prefix="calls-")) / "calls.txt")
    real = getattr(module, name)

    def counting(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return seen


def count_reads(monkeypatch) -> list[str]:
    return count_calls(monkeypatch, reading, "read_workbook")


# --------------------------------------------------------------------------- serialisation


def test_a_row_is_the_codec_report_document_and_comes_back_exactly():
    from test_codec import varied_reports  # every kind of value, typed exactly (tests/test_codec.py)

    for report in varied_reports():
        row = codec.report_to_bytes(report)
        assert report_cache.decode_row(row) == report
        assert json.loads(row)["format"] == codec.FORMAT


class Planted:
    def __reduce__(self):
        return (os.system, ("echo planted",))


@pytest.mark.parametrize("row", [
    b"", b"garbage", b"\x80\x05garbage", pickle.dumps("a string"), pickle.dumps((2, FileReport(path="a"))),
    pickle.dumps((2, Planted())), b'{"format": 2, "path": "a"}', b'{"path": "a"}', b'"text"',
    codec.report_to_bytes(FileReport(path="a", sha256="ab" * 32))[:-3],
])
def test_a_row_that_is_not_a_report_of_this_version_is_a_miss(row):
    assert report_cache.decode_row(row) is None


# --------------------------------------------------------------------------- validate_paths


def test_second_run_reads_nothing_and_says_the_same(inbox, form, roster, period, monkeypatch):
    uncached = validate_paths([inbox], form, units=roster, period=period, cache=False)
    first = validate_paths([inbox], form, units=roster, period=period)
    assert dicts(first) == dicts(uncached)
    codes = {f.code for r in uncached.files for f in r.findings}
    assert {"number-with-remark", "not-a-number", "negative-number", "not-a-whole-number", "date-in-number-cell",
            "boolean-in-number-cell", "row-missing", "form-version-old", "metadata-missing", "protection-removed",
            "unit-unexpected", "unknown-unit", "period-mismatch", "not-a-spreadsheet",
            "duplicate-unit", "outlier", "rule-failed"} <= codes
    forbid_reading(monkeypatch)
    second = validate_paths([inbox], form, units=roster, period=period)
    assert [r.to_dict() for r in second.files] == [r.to_dict() for r in first.files]
    assert dicts(second) == dicts(uncached)


def test_second_run_in_a_process_pool_reads_only_the_new_file(inbox, form, units, period, monkeypatch, tmp_path):
    validate_paths([inbox], form, units=units, period=period, jobs=2)
    new = make_return(inbox, form, units.units[2], period, CLEAN_VALUES, name="13-moi.xlsx")
    seen = count_reads(monkeypatch)
    second = validate_paths([inbox], form, units=units, period=period, jobs=1)
    assert seen == [new.name]
    assert dicts(second) == dicts(validate_paths([inbox], form, units=units, period=period, cache=False))


def test_one_worker_per_usable_cpu(monkeypatch):
    assert pool.cpu_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set())
    assert pool.cpu_workers() == 1


def test_a_changed_file_is_read_again(tmp_path, form, units, period, monkeypatch):
    path = make_return(tmp_path, form, units.units[0], period, CLEAN_VALUES, name="a.xlsx")
    assert validate_paths([path], form).files[0].values["01"] == 12
    make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "01": 13}, name="a.xlsx")
    seen = count_reads(monkeypatch)
    assert validate_paths([path], form).files[0].values["01"] == 13
    assert seen == ["a.xlsx"]


def test_units_list_and_period_are_applied_to_cached_reports(inbox, form, units, period, monkeypatch):
    validate_paths([inbox], form)  # as `cchc validate` without --units / --period, then merge with them
    other_units = UnitList((Unit("T01", "Xã Đổi Tên", "UBND tỉnh Thử Nghiệm"), *units.units[1:]))
    expected = {key: validate_paths([inbox], form, units=u, period=p, cache=False)
                for key, u, p in (("both", units, period), ("renamed", other_units, parse_period("2020-H2")))}
    forbid_reading(monkeypatch)
    assert dicts(validate_paths([inbox], form, units=units, period=period)) == dicts(expected["both"])
    renamed = validate_paths([inbox], form, units=other_units, period=parse_period("2020-H2"))
    assert dicts(renamed) == dicts(expected["renamed"])
    first = renamed.files[0]
    assert [f.code for f in first.findings if f.code in ("unit-unexpected", "period-mismatch")] == \
        ["unit-unexpected", "period-mismatch"]


def test_form_version_changes_the_context_and_language_does_not(inbox, form, period, monkeypatch):
    from cchc_sheets.reading import Limits

    limits = Limits()
    base = report_cache.context_key(form, limits)
    newer = type(form)(**{**{f: getattr(form, f) for f in form.__dataclass_fields__}, "version": form.version + 1})
    assert report_cache.context_key(newer, limits) != base
    assert report_cache.context_key(form, Limits(max_file_bytes=1024)) != base
    first = validate_paths([inbox], form)
    monkeypatch.setenv("CCHC_LANG", "en")   # findings hold no words: the language is not part of the key
    assert report_cache.context_key(form, limits) == base
    seen = count_reads(monkeypatch)
    again = validate_paths([inbox], form)
    assert seen == [] and dicts(again) == dicts(first)


def test_files_not_read_for_their_content_are_never_cached(tmp_path, form, monkeypatch):
    (tmp_path / "rong.xlsx").write_bytes(b"")
    (tmp_path / "lon.xlsx").write_bytes(b"PK\x03\x04" + b"0" * 2048)
    from cchc_sheets.reading import Limits

    limits = Limits(max_file_bytes=1024)
    first = validate_paths([tmp_path], form, limits=limits)
    seen = count_reads(monkeypatch)
    second = validate_paths([tmp_path], form, limits=limits)
    assert seen == ["lon.xlsx", "rong.xlsx"]
    assert [[f.code for f in r.findings] for r in second.files] == [["file-too-large"], ["file-empty"]]
    assert dicts(second) == dicts(first)


def test_same_bytes_twice_give_two_separate_reports(tmp_path, form, units, period, monkeypatch):
    path = make_return(tmp_path, form, units.units[0], period, CLEAN_VALUES, name="lan1.xlsx")
    (tmp_path / "lan2.xlsx").write_bytes(path.read_bytes())
    os.utime(path, (1_590_000_000, 1_590_000_000))
    validate_paths([tmp_path], form)
    forbid_reading(monkeypatch)
    batch = validate_paths([tmp_path], form)
    assert [Path(r.path).name for r in batch.files] == ["lan1.xlsx", "lan2.xlsx"]
    assert batch.files[0].modified != batch.files[1].modified
    assert [[f.code for f in r.findings] for r in batch.files] == [["duplicate-unit"], ["duplicate-unit"]]


# --------------------------------------------------------------------------- unchanged files are not hashed again


def count_hashing(monkeypatch) -> list[str]:
    return count_calls(monkeypatch, report_cache, "file_key")


def test_an_unchanged_file_is_neither_read_nor_hashed_again(inbox, form, units, period, monkeypatch):
    monkeypatch.setattr(report_cache, "RACY_WINDOW_NS", 0)
    first = validate_paths([inbox], form, units=units, period=period, jobs=2)  # the workers remember the files
    hashed = count_hashing(monkeypatch)
    forbid_reading(monkeypatch)
    second = validate_paths([inbox], form, units=units, period=period)
    assert hashed == []
    assert dicts(second) == dicts(first)


def test_a_file_rewritten_with_the_same_size_and_time_is_read_again(tmp_path, form, units, period, monkeypatch):
    monkeypatch.setattr(report_cache, "RACY_WINDOW_NS", 0)
    path = make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "01": 12}, name="a.xlsx")
    validate_paths([path], form)
    before = path.stat()
    make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "01": 13}, name="a.xlsx")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # only the change time still tells
    seen = count_reads(monkeypatch)
    assert validate_paths([path], form).files[0].values["01"] == 13
    assert seen == ["a.xlsx"]


def test_files_changed_just_now_are_not_remembered(inbox, form, monkeypatch):
    monkeypatch.setattr(report_cache, "RACY_WINDOW_NS", 3600 * 10**9)  # "just now": the last hour
    validate_paths([inbox], form, jobs=2)
    database = sqlite3.connect(report_cache.cache_path())
    assert database.execute("SELECT count(*) FROM content_reports").fetchone()[0] > 0
    assert database.execute("SELECT count(*) FROM file_hashes").fetchone()[0] == 0


# --------------------------------------------------------------------------- never fails because of the cache


def test_a_corrupt_database_is_replaced(inbox, form, monkeypatch):
    database = report_cache.cache_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"not a database at all" * 100)
    expected = dicts(validate_paths([inbox], form, cache=False))
    assert dicts(validate_paths([inbox], form)) == expected
    forbid_reading(monkeypatch)
    assert dicts(validate_paths([inbox], form)) == expected
    assert sqlite3.connect(database).execute("SELECT count(*) FROM content_reports").fetchone()[0] > 0


def test_damaged_rows_are_read_again(inbox, form, monkeypatch):
    expected = dicts(validate_paths([inbox], form))
    with sqlite3.connect(report_cache.cache_path()) as database:
        database.execute("UPDATE content_reports SET row = substr(row, 1, 40)")
    seen = count_reads(monkeypatch)
    assert dicts(validate_paths([inbox], form)) == expected
    assert len(seen) == len(expected)


def test_an_unwritable_cache_location_means_no_cache(inbox, form, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("CCHC_CACHE_DIR", str(blocker / "cache"))  # below a file: cannot be created
    expected = dicts(validate_paths([inbox], form, cache=False))
    seen = count_reads(monkeypatch)
    assert dicts(validate_paths([inbox], form)) == expected
    assert dicts(validate_paths([inbox], form)) == expected
    assert len(seen) == 2 * len(expected)


def test_no_cache_env_and_option_read_everything(inbox, form, monkeypatch):
    validate_paths([inbox], form)
    seen = count_reads(monkeypatch)
    validate_paths([inbox], form, cache=False)
    monkeypatch.setenv("CCHC_NO_CACHE", "1")
    validate_paths([inbox], form)
    assert len(seen) == 2 * len(list(inbox.iterdir()))


def test_cache_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CCHC_CACHE_DIR", str(tmp_path / "c"))
    assert report_cache.cache_path() == tmp_path / "c" / "reports.sqlite3"
    monkeypatch.delenv("CCHC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert report_cache.cache_path() == tmp_path / "x" / "cchc-sheets" / "reports.sqlite3"


def test_cli_validate_then_merge_reuses_the_reports(inbox, roster_csv, run_cli, monkeypatch, tmp_path):
    first = run_cli("validate", inbox, "--json")
    assert first.exit_code == 1
    forbid_reading(monkeypatch)
    again = run_cli("validate", inbox, "--json")
    assert again.output == first.output
    merged = run_cli("merge", inbox, "--units", roster_csv, "--period", "2020-H1", "--out", tmp_path / "m.xlsx")
    assert merged.exit_code == 0, merged.output
    with pytest.raises(AssertionError, match="reader was called"):
        run_cli("validate", inbox, "--json", "--no-cache")
