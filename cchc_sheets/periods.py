"""Reporting periods: codes like ``2020-H1``, their Vietnamese labels and cut-off windows.

Cut-off windows follow the Decree 09/2019/NĐ-CP pattern (data from the 15th of
the month before the period starts to the 14th of its last month). Quarterly,
nine-month and second-half windows follow the same pattern as local practice.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .messages import CchcError

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
DEFAULT_DEADLINE_DAYS_AFTER_CUTOFF = 6  # cut-off on the 14th, report due on the 20th

_PATTERNS = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-9M$", re.I), "nine-months"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
]


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str
    index: int = 0  # half 1-2, quarter 1-4, month 1-12; 0 for year and nine months

    @property
    def code(self) -> str:
        suffix = {
            "year": "", "half": f"-H{self.index}", "quarter": f"-Q{self.index}",
            "nine-months": "-9M", "month": f"-{self.index:02d}",
        }[self.kind]
        return f"{self.year}{suffix}"

    @property
    def label(self) -> str:
        """The Vietnamese label used in workbooks and drafts."""
        if self.kind == "year":
            return f"năm {self.year}"
        if self.kind == "half":
            half = "đầu" if self.index == 1 else "cuối"
            return f"6 tháng {half} năm {self.year}"
        if self.kind == "quarter":
            return f"quý {ROMAN[self.index]} năm {self.year}"
        if self.kind == "nine-months":
            return f"9 tháng đầu năm {self.year}"
        return f"tháng {self.index} năm {self.year}"

    @property
    def last_month(self) -> int:
        return {"year": 12, "half": 6 * self.index, "quarter": 3 * self.index,
                "nine-months": 9, "month": self.index}[self.kind]

    @property
    def first_month(self) -> int:
        return {"year": 1, "half": 6 * self.index - 5, "quarter": 3 * self.index - 2,
                "nine-months": 1, "month": self.index}[self.kind]

    @property
    def start(self) -> date:
        """First day of the data window: the 15th of the month before the period."""
        if self.first_month == 1:
            return date(self.year - 1, 12, 15)
        return date(self.year, self.first_month - 1, 15)

    @property
    def end(self) -> date:
        """Last day of the data window: the 14th of the period's last month."""
        return date(self.year, self.last_month, 14)

    @property
    def default_deadline(self) -> date:
        return self.end + timedelta(days=DEFAULT_DEADLINE_DAYS_AFTER_CUTOFF)

    def previous(self) -> "Period":
        """The period just before, of the same kind (H1 2020 -> H2 2019)."""
        if self.kind in ("year", "nine-months"):
            return Period(self.year - 1, self.kind, self.index)
        count = {"half": 2, "quarter": 4, "month": 12}[self.kind]
        if self.index == 1:
            return Period(self.year - 1, self.kind, count)
        return Period(self.year, self.kind, self.index - 1)

    def next(self) -> "Period":
        if self.kind in ("year", "nine-months"):
            return Period(self.year + 1, self.kind, self.index)
        count = {"half": 2, "quarter": 4, "month": 12}[self.kind]
        if self.index == count:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.index + 1)

    def __str__(self) -> str:
        return self.code


def parse_period(text: str | Period) -> Period:
    """``2020-H1`` -> Period; raises CchcError('period-invalid') with the accepted forms."""
    if isinstance(text, Period):
        return text
    cleaned = str(text).strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year = int(match.group(1))
            index = int(match.group(2)) if kind in ("half", "quarter", "month") else 0
            if 1900 <= year <= 2200:
                return Period(year, kind, index)
    raise CchcError("period-invalid", period=text)


_LABELS = (
    (re.compile(r"6 tháng đầu năm (\d{4})"), lambda y: Period(y, "half", 1)),
    (re.compile(r"6 tháng cuối năm (\d{4})"), lambda y: Period(y, "half", 2)),
    (re.compile(r"9 tháng đầu năm (\d{4})"), lambda y: Period(y, "nine-months", 0)),
    (re.compile(r"quý (iv|iii|ii|i) năm (\d{4})"), None),
    (re.compile(r"tháng (\d{1,2}) năm (\d{4})"), None),
    (re.compile(r"năm (\d{4})"), lambda y: Period(y, "year", 0)),
)


@functools.lru_cache(maxsize=1024)   # every return of a batch repeats its period's heading
def period_from_label(label: str) -> Period | None:
    """Recognise a Vietnamese label (``6 tháng đầu năm 2020``) in visible heading text."""
    text = " ".join(str(label).lower().split())
    for pattern, build in _LABELS:
        match = pattern.search(text)
        if not match:
            continue
        if build:
            return build(int(match.group(1)))
        if pattern.pattern.startswith("quý"):
            index = {v.lower(): k for k, v in ROMAN.items()}[match.group(1)]
            return Period(int(match.group(2)), "quarter", index)
        return Period(int(match.group(2)), "month", int(match.group(1)))
    return None


def parse_date(text: str | date | None, option: str = "--deadline") -> date | None:
    if text is None or isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise CchcError("date-invalid", value=text, option=option) from None
