"""Bytes made by a forked child meanwhile: the same bytes as made here, whichever way they came."""
import json
import os
import threading

import pytest

from cchc_sheets import forked, json_report
from cchc_sheets.model import BatchReport, FileReport, make_finding


def pieces():
    yield "Tổng hợp "
    yield b"\xc4\x91\xc6\xa1n v\xe1\xbb\x8b"     # "đơn vị" as bytes
    yield "x" * (forked.READ_BLOCK + 5)          # more than one block back from the spool


EXPECTED = ("Tổng hợp đơn vị" + "x" * (forked.READ_BLOCK + 5)).encode("utf-8")


def test_a_child_writes_the_bytes():
    made = forked.ForkedBytes(pieces)
    assert made._child is not None
    assert b"".join(made.blocks()) == EXPECTED


def test_the_same_bytes_without_a_child():
    made = forked.ForkedBytes(pieces, worth=False)
    assert made._child is None
    assert b"".join(made.blocks()) == EXPECTED


def test_a_child_that_fails_leaves_the_work_to_this_process():
    calls = []

    def make():
        calls.append(os.getpid())
        if len(calls) == 1 and os.getpid() != parent:
            raise RuntimeError("the child's failure")   # only ever raised in the child
        yield "làm lại"

    parent = os.getpid()
    made = forked.ForkedBytes(make)
    assert b"".join(made.blocks()) == "làm lại".encode("utf-8")
    assert made._child.succeeded is False


def test_no_fork_while_other_threads_run():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        made = forked.ForkedBytes(pieces)
        assert made._child is None
        assert b"".join(made.blocks()) == EXPECTED
    finally:
        stop.set()
        thread.join()


def _batch(count: int) -> BatchReport:
    reports = []
    for n in range(count):
        report = FileReport(path=f"/tra-ve/xã-{n:04d}.xlsx", sha256=f"{n:064x}", form="tuyen-truyen-cchc",
                            unit_code=f"{n:05d}", unit_name=f"Xã Số {n}", period="2020-H1",
                            values={"01": n, "02": n / 7, "03": None}, notes={"01": "lồng ghép"})
        if n % 3 == 0:
            report.findings.append(make_finding("not-a-number", sheet="Báo cáo", cell="D9", indicator="01",
                                                value="mười", label="Số cuộc"))
        reports.append(report)
    return BatchReport(reports)


@pytest.mark.parametrize("count", [1, 2, json_report.SPLIT_FROM_FILES - 1, json_report.SPLIT_FROM_FILES,
                                   json_report.SPLIT_FROM_FILES + 1, json_report.JSON_CHUNK_FILES * 5 + 3])
def test_validate_json_split_across_a_child_is_the_whole_batch_dumped_at_once(count):
    batch = _batch(count)
    text = "".join(json_report.batch_json_chunks(batch))
    assert text == json.dumps(batch.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
