"""Values passed between stages: findings, one returned file's report, a consolidation.

Stages take and return these; only the writers touch disk. Field names here are
the JSON / export names documented in the README: keep them stable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from .messages import CATALOGUE, Phrase, plain_params, render

if TYPE_CHECKING:
    from .forms import Form
    from .periods import Period
    from .units import Unit, UnitList

STATUS_VALID = "valid"
STATUS_WARNINGS = "warnings"
STATUS_INVALID = "invalid"
STATUS_UNREADABLE = "unreadable"
STATUSES = (STATUS_VALID, STATUS_WARNINGS, STATUS_INVALID, STATUS_UNREADABLE)
_COUNTED_STATUSES = frozenset({STATUS_VALID, STATUS_WARNINGS})

# Findings that mean the file could not be read as one of our workbooks at all.
UNREADABLE_CODES = frozenset({
    "file-empty", "file-too-large", "not-a-spreadsheet", "file-unreadable",
    "file-password-protected", "file-bomb", "file-unsupported-format", "file-reader-gave-up",
    "not-a-regular-file", "file-permission-denied",
})


# A national merge holds 10,000 reports at once: they are slotted dataclasses (no
# per-object __dict__). They reach the parent process as codec documents (from a pool
# worker or the report cache); decoding shares the strings that repeat from return to
# return (``codec``).


@dataclass(slots=True)
class Finding:
    """A fact about a return: what (code, severity), where, the value seen and the message's fields.

    It holds no prose: ``message(lang)`` writes it where a person reads it.
    """

    code: str
    severity: str
    sheet: str | None = None
    cell: str | None = None
    indicator: str | None = None
    value: object = None
    params: dict = field(default_factory=dict, repr=False)

    def message(self, lang: str = "vi") -> str:
        """The catalogue's message for this finding in ``lang``."""
        return render(self.code, lang, value=self.value, indicator=self.indicator, sheet=self.sheet,
                      cell=self.cell, **self.params)

    def phrase(self) -> Phrase:
        """The finding's words, not yet written: to quote it inside another message or record."""
        return Phrase(self.code, {"value": self.value, "indicator": self.indicator, "sheet": self.sheet,
                                  "cell": self.cell, **self.params})

    def to_dict(self, lang: str = "vi") -> dict:
        value = self.value
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
                "indicator": self.indicator, "value": value, "params": plain_params(self.params),
                "message": self.message(lang)}


def make_finding(code: str, /, *, sheet: str | None = None, cell: str | None = None,
                 indicator: str | None = None, value: object = None, severity: str | None = None,
                 **params: object) -> Finding:
    """A finding from the catalogue; ``severity`` overrides the catalogue's (form rules)."""
    assert code in CATALOGUE, code
    return Finding(code=code, severity=severity or CATALOGUE[code].severity,
                   sheet=sheet, cell=cell, indicator=indicator, value=value, params=params)


@dataclass(slots=True)
class FileReport:
    """What one returned file said and what is wrong with it."""

    path: str
    sha256: str = ""
    form: str | None = None
    form_version: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    period: str | None = None
    values: dict[str, float | int | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    reporter: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)   # choice, date (ISO) and text cells, by cell key
    file_format: str | None = None          # xlsx / xlsm / xls / ods
    modified: datetime | None = None        # file modification time
    generated_at: datetime | None = None    # when the template was generated
    received: datetime | None = None        # mail time when known (cchc collect)
    sender: str | None = None
    # A consolidated workbook read as the return of the unit it consolidates (``lower_level``):
    # where its numbers came from (sha256, when merged, data part or visible tables), the
    # lower level's completeness and the lowest-level units inside, as plain data.
    lower: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        # One pass, no sets: a merge asks this for every return several times over.
        status = STATUS_VALID
        for finding in self.findings:
            if finding.code in UNREADABLE_CODES:
                return STATUS_UNREADABLE
            if finding.severity == "error":
                status = STATUS_INVALID
            elif finding.severity == "warning" and status == STATUS_VALID:
                status = STATUS_WARNINGS
        return status

    @property
    def counts(self) -> bool:
        """Whether this return may enter totals (valid or only warnings)."""
        return self.status in _COUNTED_STATUSES

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self, lang: str = "vi") -> dict:
        return {
            "path": self.path, "sha256": self.sha256, "status": self.status, "form": self.form,
            "form_version": self.form_version, "unit_code": self.unit_code, "unit_name": self.unit_name,
            "period": self.period, "values": dict(self.values), "notes": dict(self.notes),
            "answers": dict(self.answers), "texts": dict(self.texts),
            "findings": [f.to_dict(lang) for f in self.findings],
            **({"lower": self.lower} if self.lower else {}),   # plain JSON data already
        }


@dataclass
class BatchReport:
    files: list[FileReport]

    @property
    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for report in self.files:
            counts[report.status] += 1
        return {"files": len(self.files), **counts}

    @property
    def has_errors(self) -> bool:
        return any(r.status in (STATUS_INVALID, STATUS_UNREADABLE) for r in self.files)

    def to_dict(self, lang: str = "vi") -> dict:
        return {"files": [r.to_dict(lang) for r in self.files], "summary": self.summary}


# --------------------------------------------------------------------------- consolidation
# Produced by merge.consolidate(); written to the consolidated workbook by the merge
# writer and read back by merge.read_consolidated() for drafts.

UNIT_MISSING = "missing"  # an expected unit with no return at all

DISPOSITION_USED = "used"              # the return that counts (or would, were it valid)
DISPOSITION_SUPERSEDED = "superseded"  # an older return of a unit that sent again
DISPOSITION_UNMATCHED = "unmatched"    # matches no expected unit / other form or period
DISPOSITION_UNREADABLE = "unreadable"  # could not be read at all


@dataclass(slots=True)
class UnitStatus:
    """One expected unit in a consolidation."""

    unit: "Unit"
    report: FileReport | None = None     # the newest return of this unit, if any
    received: datetime | None = None     # mail time, else file time, else workbook date
    on_time: bool | None = None          # None when no deadline or not submitted
    superseded: list[FileReport] = field(default_factory=list)
    received_source: str = ""            # how ``received`` is known: mail / file / workbook

    @property
    def submitted(self) -> bool:
        return self.report is not None

    @property
    def status(self) -> str:
        return self.report.status if self.report else UNIT_MISSING

    @property
    def counted(self) -> bool:
        return bool(self.report and self.report.counts)


@dataclass(slots=True)
class InputFile:
    """Every input path, with what became of it: nothing is dropped silently."""

    path: str
    disposition: str
    reason: "Phrase | None" = None     # why it is not used, rendered where it is shown
    report: FileReport | None = None


@dataclass
class Consolidation:
    form: "Form"
    period: "Period"
    units: "UnitList"
    unit_statuses: list[UnitStatus]
    inputs: list[InputFile]
    totals: dict[str, float | int]                       # indicator code -> total of counted units
    group_totals: dict[str, dict[str, float | int]] = field(default_factory=dict)
    deadline: date | None = None
    parent_name: str = ""
    generated_at: datetime | None = None
    # What Chi tiết lists: "returns" (one row per expected unit) or "units" (the lowest-level
    # units inside lower consolidated workbooks, each with the unit it came via).
    detail: str = "returns"

    @property
    def expected_count(self) -> int:
        return len(self.unit_statuses)

    @property
    def submitted_count(self) -> int:
        return sum(1 for s in self.unit_statuses if s.submitted)

    @property
    def counted_count(self) -> int:
        return sum(1 for s in self.unit_statuses if s.counted)

    @property
    def on_time_count(self) -> int:
        return sum(1 for s in self.unit_statuses if s.on_time)

    @property
    def missing_units(self) -> list["Unit"]:
        return [s.unit for s in self.unit_statuses if not s.submitted]
