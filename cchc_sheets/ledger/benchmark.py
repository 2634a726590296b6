"""A synthetic ledger and how fast ``status`` reads it: ``python -m cchc_sheets.ledger.benchmark URL``.

Meant for ``scripts/bench.py`` (issue 15's budgets): ``cchc status`` on 10,000 units x 6
periods under 1 s, and the ledger's size per return. The returns look like real ones
(nine values, a note, the reporter, one in ten with a finding), recorded in batches of
1,000 per transaction.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.engine import make_url

from ..model import FileReport, make_finding
from .store import Ledger

FORM = "tuyen-truyen-cchc"


def synthetic_return(period: str, unit: str, index: int) -> FileReport:
    when = datetime(2020, 7, 1, tzinfo=timezone.utc)
    report = FileReport(
        path=f"/hop-thu/{period}/{unit}.xlsx", sha256=f"{period}{unit}".encode().hex().ljust(64, "0")[:64],
        form=FORM, form_version=1, unit_code=unit, unit_name=f"Xã Thử Nghiệm {unit}", period=period,
        values={"01": 12, "02": 0, "03": 0, "04": 18, "05": 6, "05.1": 600 + index % 7, "06": 2, "07": 3, "08": 3},
        notes={"05": "lồng ghép"}, reporter={"name": "Nguyễn Văn A", "phone": "0912345678"}, file_format="xlsx",
        received=when + timedelta(minutes=index), modified=when, generated_at=when)
    if index % 10 == 0:
        report.findings.append(make_finding("not-a-whole-number", sheet="Báo cáo", cell="D12", indicator="05.1",
                                            label="Số người tham dự các lớp tập huấn về công tác CCHC", value="6,5"))
    return report


def run(url: str, units: int = 10_000, periods: int = 6, repeats: int = 7) -> dict:
    """Fill an empty ledger at ``url`` and time ``status`` on its last period; the figures as a dict."""
    codes = [f"{i:05d}" for i in range(units)]
    names = [f"{2020 - (periods - 1 - k) // 2}-H{2 - (periods - 1 - k) % 2}" for k in range(periods)]
    started = time.perf_counter()
    with Ledger.open(url) as ledger:
        for period in names:
            for start in range(0, units, 1000):
                ledger.record_returns([synthetic_return(period, code, start + i)
                                       for i, code in enumerate(codes[start:start + 1000])], actor="bench")
    recording = time.perf_counter() - started
    figures = {"returns": units * periods, "record_ms_per_return": 1000 * recording / (units * periods)}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        figures["bytes_per_return"] = os.path.getsize(parsed.database) / (units * periods)
    with Ledger.open(url) as ledger:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            status = ledger.status(FORM, names[-1], codes, date(2020, 7, 5))
            times.append(time.perf_counter() - started)
    figures.update(status_s_median=statistics.median(times), status_s_max=max(times),
                   completeness=status.completeness, on_time_rate=status.on_time_rate)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="an EMPTY ledger: sqlite:///tmp/bench.sqlite or postgresql+psycopg://…")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=6)
    args = parser.parse_args()
    for key, value in run(args.url, args.units, args.periods).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
