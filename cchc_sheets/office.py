"""A small façade for library users: one office, one form, one units list, one period.

In the spirit of sqlite-utils' ``Database``: a script says what it has once and then
asks for the round trip's steps, instead of threading the same keyword arguments
through four modules::

    from cchc_sheets import Office

    office = Office("tuyen-truyen-cchc", units="xa.csv", period="2020-H1")
    office.templates("bieu-mau/")
    batch = office.validate(["tra-ve/"])
    run = office.merge(["tra-ve/"], out="tong-hop.xlsx", long="tong-hop.csv")
    office.draft("tong-hop.xlsx", "bao-cao.docx")

Each method calls the same library functions as the ``cchc`` command of the same name.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

from .forms import Form, load_form
from .model import BatchReport, FileReport
from .periods import Period, parse_date, parse_period
from .units import UnitList, load_units


class Office:
    """The settings every step shares; ``form``, ``units`` and ``period`` as objects or as the CLI takes them."""

    def __init__(self, form: Form | str | Path | None = None, *, units: UnitList | str | Path | None = None,
                 period: Period | str | None = None, deadline: date | str | None = None,
                 jobs: int | None = None, cache: bool = True, workspace=None, actor: str = "?"):
        self._form_source = form
        self.units = units if units is None or isinstance(units, UnitList) else load_units(units)
        self.period = period if period is None or isinstance(period, Period) else parse_period(period)
        self.deadline = deadline if deadline is None or isinstance(deadline, date) else parse_date(deadline)
        self.jobs = jobs
        self.cache = cache
        self.workspace = workspace      # a ``Workspace``: every input is recorded in its ledger
        self.actor = actor              # who the ledger records as doing it
        self.recorded: list = []        # what the last step recorded: ReturnRecord, or None for another file

    @cached_property
    def form(self) -> Form:
        """The form pack (the bundled one when none was named), loaded on first use."""
        source = self._form_source
        return source if isinstance(source, Form) else load_form(source)

    def _need(self, **settings: object) -> None:
        missing = [name for name, value in settings.items() if value is None]
        if missing:
            raise ValueError(f"Office needs {', '.join(missing)} for this step")

    @property
    def effective_deadline(self) -> date | None:
        return self.deadline or (self.period.default_deadline if self.period else None)

    def templates(self, out_dir: str | Path, *, password: str | None = None, generated_at=None):
        """One locked workbook per unit in ``out_dir`` and its ``manifest.csv``; returns the manifest rows.

        ``generated_at`` (default now) is the time stamped in every workbook.
        """
        from .template.batch import write_templates

        self._need(units=self.units, period=self.period)
        return write_templates(self.form, self.units, self.period, out_dir, deadline=self.effective_deadline,
                               password=password, jobs=self.jobs, generated_at=generated_at)

    def validate(self, paths: Iterable[str | Path], *, progress: Callable[[FileReport], None] | None = None,
                 found: Callable[[int], None] | None = None, report: str | Path | None = None) -> BatchReport:
        """Read and check every spreadsheet under ``paths``; ``report`` also writes the findings workbook.

        ``found`` is told how many files there are once they are found, ``progress`` each report.
        """
        from .batch import validate_paths

        batch = validate_paths(list(paths), self.form, units=self.units, period=self.period, jobs=self.jobs,
                               progress=progress, cache=self.cache, found=found)
        if self.workspace is not None:
            _attach_mail_times(batch.files, paths)
            with self.workspace.exclusive("cchc validate"):
                self.record(batch.files)
        if report:
            self.findings_report(batch, report)
        return batch

    def findings_report(self, batch: BatchReport, path: str | Path) -> Path:
        """The findings workbook: one row per finding, with filters."""
        from .findings_report import write_findings_report

        return write_findings_report(batch, path)

    def feedback(self, batch: BatchReport, folder: str | Path) -> tuple[list, list[FileReport]]:
        """A marked-up copy of every return with findings in ``folder``: (written paths, reports skipped)."""
        from .feedback import write_feedbacks

        return write_feedbacks(batch, folder, self.form, jobs=self.jobs)

    def merge(self, paths: Iterable[str | Path], *, out: str | Path | None = None, long: str | Path | None = None,
              report: str | Path | None = None, progress: Callable[[FileReport], None] | None = None,
              found: Callable[[int], None] | None = None, accept_predecessors: bool = False,
              detail: str = "returns", previous: str | Path | None = None):
        """Validate and consolidate; ``out`` writes the consolidated workbook, ``long`` the tidy export,
        ``report`` the findings workbook (none of them is read as an input).

        ``accept_predecessors``: count a merged commune's return on an old template for the new
        unit; ``detail="units"``: Chi tiết and the long export list the lowest-level units;
        ``previous``: an earlier period's consolidated workbook, for the long export's
        ``previous_value`` (merged communes' predecessors added up).

        Returns the ``pipeline.MergeRun`` (batch, consolidation, problems with received.csv).
        """
        from .pipeline import merge_paths

        self._need(units=self.units, period=self.period)
        if self.workspace is not None:
            with self.workspace.exclusive("cchc merge"):
                run = self._merge_in_workspace(list(paths), [out, long, report], progress, found,
                                               accept_predecessors)
        else:
            run = merge_paths(list(paths), self.form, self.units, self.period, deadline=self.effective_deadline,
                              exclude=[out, long, report], jobs=self.jobs, progress=progress, cache=self.cache,
                              found=found, accept_predecessors=accept_predecessors)
        run.consolidation.detail = detail
        if previous:
            from .narrative.context import LEVEL_PARENT
            from .narrative.drafting import load_previous

            run.previous = load_previous(previous, run.consolidation, LEVEL_PARENT)
        elif self.workspace is not None:
            run.previous = self.previous_from_ledger()
        if out:
            from .merged_workbook import write_merged_workbook

            write_merged_workbook(run.consolidation, out)
        if long:
            from .long_export import write_long

            write_long(run.consolidation, long, previous=run.previous)
        if report:
            self.findings_report(run.batch, report)
        return run

    def draft(self, source: str | Path, out: str | Path, *, previous: str | Path | None = None, options=None):
        """The Word (.docx) or Markdown (.md) draft from a consolidated workbook or a commune's return."""
        from .narrative.drafting import draft_report

        # With no form named, a draft uses the pack its source names.
        form = self.form if self._form_source is not None else None
        return draft_report(source, out, previous=previous, options=options, form=form)

    # ------------------------------------------------------------------ with a workspace's ledger
    def record(self, reports: Iterable[FileReport], *, received_at: dict | None = None,
               message_ids: dict | None = None) -> list:
        """Keep every input's evidence in the workspace and record it in the ledger (a ``ReturnRecord``
        per return, None for a file that is not one); the caller holds ``workspace.exclusive``.

        ``received_at`` and ``message_ids`` (by sha256) are what the mail says of a file. The
        returns go in transactions of RECORD_CHUNK: a process killed part-way leaves whole
        chunks recorded, and the same command again records the rest (one transaction a
        return made a merge of 2,000 returns spend 11 s recording)."""
        reports = list(reports)
        earlier = self._earlier_values(reports)
        for report in reports:
            self.flag_own_history(report, earlier.get(report.unit_code, {}))
        self.recorded = []
        for start in range(0, len(reports), RECORD_CHUNK):
            self.recorded += self.workspace.record_many(reports[start:start + RECORD_CHUNK], actor=self.actor,
                                                        message_ids=message_ids, received_at=received_at)
        return self.recorded

    def flag_own_history(self, report: FileReport, earlier: dict[str, list[tuple[str, object]]]) -> None:
        """Warn ``outlier-own-history`` where a number is over OWN_HISTORY_FACTOR times (or under a
        fraction of) the unit's own counted returns of earlier periods (``earlier``: indicator ->
        [(period, value)], newest first), which the message lists."""
        from . import layout as L
        from .model import make_finding

        if not earlier:
            return
        places = L.Layout(self.form)
        for indicator in self.form.indicators:
            value, seen = report.values.get(indicator.code), earlier.get(indicator.code)
            if indicator.kind not in ("count", "number") or indicator.computed or not seen or not _number(value):
                continue
            numbers = [v for _, v in seen]
            if value > OWN_HISTORY_FACTOR * max(max(numbers), 1) or OWN_HISTORY_FACTOR * value < min(numbers):
                report.findings.append(make_finding(
                    "outlier-own-history", sheet=places.sheet_of(indicator.code),
                    cell=places.value_cell(indicator.code), indicator=indicator.code, value=value,
                    label=indicator.label, history="; ".join(f"{p}: {_shown(v)}" for p, v in seen)))

    def _earlier_values(self, reports: list[FileReport]) -> dict[str, dict[str, list[tuple[str, object]]]]:
        """unit -> indicator -> [(period, value)] of its counted returns of periods before the
        report's, newest first; one ledger query for the batch, not one a unit."""
        wanted = [r for r in reports if r.counts and r.unit_code and r.period and r.form == self.form.id]
        if not wanted:
            return {}
        ends = {code: parse_period(code).end for code in self.workspace.periods(self.form.id)}
        latest = max(parse_period(r.period).end for r in wanted)
        if not any(end < latest for end in ends.values()):
            return {}                                   # the ledger's first period: nothing earlier to compare
        history = self.workspace.ledger.counted_reports(self.form.id, sorted({r.unit_code for r in wanted}))
        found: dict[str, dict[str, list[tuple[str, object]]]] = {}
        for report in wanted:
            end = parse_period(report.period).end
            per_code = found.setdefault(report.unit_code, {})
            for period, earlier in reversed(history.get(report.unit_code, [])):
                if ends.get(period, end) < end:
                    for code, value in earlier.values.items():
                        if _number(value):
                            per_code.setdefault(code, []).append((period, value))
        return found

    def record_collected(self, folder: str | Path, rows: list[dict]) -> list:
        """Validate and record the files ``cchc collect`` just saved in ``folder`` (its received.csv
        ``rows``), with their mail time, sender and message id."""
        from datetime import datetime

        from .batch import validate_paths

        if not rows:
            self.recorded = []
            return []
        batch = validate_paths([Path(folder) / row["file"] for row in rows], self.form, units=self.units,
                               period=self.period, jobs=self.jobs, cache=self.cache)
        by_name = {row["file"]: row for row in rows}
        received, message_ids = {}, {}
        for report in batch.files:
            row = by_name.get(Path(report.path).name, {})
            when = datetime.fromisoformat(row["received"]) if row.get("received") else None
            report.received, report.sender = report.received or when, report.sender or row.get("sender") or None
            if report.sha256:
                received[report.sha256], message_ids[report.sha256] = when, row.get("message_id") or None
        with self.workspace.exclusive("cchc collect"):
            return self.record(batch.files, received_at=received, message_ids=message_ids)

    def _merge_in_workspace(self, paths: list, exclude: list, progress, found, accept_predecessors: bool = False):
        """Record the inputs (if any), then consolidate what the ledger counts for the period.

        Inputs that belong to no unit of this merge (other period, unknown unit, unreadable)
        are still listed, as a merge of those paths lists them.
        """
        from .pipeline import MergeRun, merge_paths

        if not paths:
            consolidation = self.ledger_consolidation(accept_predecessors)
            return MergeRun(BatchReport([s.report for s in consolidation.unit_statuses if s.report]), consolidation)
        run = merge_paths(paths, self.form, self.units, self.period, deadline=self.effective_deadline,
                          exclude=exclude, jobs=self.jobs, progress=progress, cache=self.cache, found=found,
                          accept_predecessors=accept_predecessors)
        self.record(run.batch.files)
        consolidation = self.ledger_consolidation(accept_predecessors)
        consolidation.inputs += [i for i in run.consolidation.inputs if i.disposition in ("unmatched", "unreadable")]
        return MergeRun(run.batch, consolidation, run.problems)

    def previous_from_ledger(self):
        """The previous period of the same kind consolidated from the ledger (None when it has no
        return of it): what ``--previous`` gives outside a workspace."""
        earlier = self.period.previous()
        if earlier.code not in self.workspace.ledger.periods(self.form.id):
            return None
        return Office(self.form, units=self.units, period=earlier, workspace=self.workspace,
                      actor=self.actor).ledger_consolidation()

    def ledger_consolidation(self, accept_predecessors: bool = False, *, generated_at=None, as_locked: bool = False):
        """The period consolidated from the ledger: each unit's current return, or while the period
        is locked the versions it was locked with, built as the locked workbook was (its time,
        deadline and settings), so its numbers are the locked ones exactly and, when nothing
        arrived since, its bytes too.

        Older versions are listed as superseded; returns received while locked as ``received-after-lock``
        (``as_locked``: left out, as at the moment of the lock, to rebuild the locked workbook itself).
        """
        from .ledger import WHY_AFTER_LOCK
        from .merge import consolidate, older_version_reason, superseded_reason
        from .model import InputFile

        ledger, period = self.workspace.ledger, self.period.code
        lock = ledger.locked(self.form.id, period)
        records = ledger.returns(self.form.id, period)
        if as_locked and lock is not None:
            records = [r for r in records if r.recorded_at <= lock.locked_at]
        locked_versions = (lock.totals.get("returns") or {}) if lock is not None else {}
        if locked_versions:
            chosen = [r for r in records if locked_versions.get(r.unit_code) == r.sha256]
        else:
            chosen = [r for r in records if r.current]
        deadline = self.effective_deadline
        if lock is not None:
            generated_at, deadline, accept_predecessors = self._locked_build(lock, deadline)
        chosen_ids = {r.id for r in chosen}
        chosen_by_unit = {r.unit_code: r for r in chosen}
        consolidation = consolidate([r.report for r in chosen], self.form, self.units, self.period,
                                    deadline=deadline, accept_predecessors=accept_predecessors,
                                    generated_at=generated_at)
        statuses = {s.unit.code: s for s in consolidation.unit_statuses}
        for record in records:
            if record.id in chosen_ids:
                continue
            report, status = record.report, statuses.get(record.unit_code)
            if record.why == WHY_AFTER_LOCK:
                consolidation.inputs.append(InputFile(report.path, WHY_AFTER_LOCK, None, report))
            elif status is not None and status.report is not None:
                status.superseded.append(report)
                consolidation.inputs.append(InputFile(report.path, "superseded",
                                                      superseded_reason(status, report), report))
            else:        # a unit this merge does not count (not in the list): still listed, never dropped
                newer = chosen_by_unit[record.unit_code].report if record.unit_code in chosen_by_unit else None
                unit = f"{record.unit_name or record.unit_code} ({record.unit_code})"
                consolidation.inputs.append(InputFile(
                    report.path, "superseded", older_version_reason(unit, newer, report) if newer else None, report))
        return consolidation

    def feedback_entries(self, folder: str | Path) -> list:
        """For each expected unit whose current return has errors, its marked-up copy in ``folder``
        (made from the evidence the workspace keeps) as a mail entry whose ``fixes`` list what to fix."""
        import dataclasses

        from .feedback import marked_findings, write_feedback
        from .mail.compose import ManifestEntry

        units = self.units.by_code()
        entries = []
        for record in self.workspace.ledger.returns(self.form.id, self.period.code):
            unit = units.get(record.unit_code)
            if not (record.current and record.errors and unit is not None):
                continue
            report = record.report
            kept = self.workspace.root / "files" / record.sha256[:2] / f"{record.sha256}{Path(report.path).suffix.lower()}"
            copy = write_feedback(dataclasses.replace(report, path=str(kept)), folder, self.form,
                                  name=f"{self.period.code}_{record.unit_code}_sua-loi.xlsx")
            if copy is None:
                continue
            fixes = [f"{f.sheet}!{f.cell}: {f.message('vi')}" if f.sheet and f.cell else f.message("vi")
                     for f in marked_findings(report) if f.severity == "error"]
            entries.append(ManifestEntry(code=unit.code, name=unit.name, email=unit.email, file=copy, sha256="",
                                         extra={"fixes": fixes}))
        return entries

    def reminder_targets(self) -> list[str]:
        """Codes of the expected units that have not sent, or whose current return has errors."""
        status = self.workspace.ledger.status(self.form.id, self.period.code, self.units.reporting(),
                                              self.effective_deadline)
        return [row.unit_code for row in status.rows
                if row.expected and (not row.submitted or row.status in ("invalid", "unreadable"))]

    def lock(self, *, by: str, note: str | None, out: str | Path):
        """Approve and lock the period: consolidate from the ledger, write the workbook to ``out``
        (the one reported upward) and record its sha256, the totals and the versions counted."""
        from . import __version__
        from .fileio import sha256_bytes
        from .merge import VIETNAM_TIME
        from .merged_workbook import write_merged_workbook
        from .messages import CchcError

        self._need(units=self.units, period=self.period)
        ledger = self.workspace.ledger
        with self.workspace.exclusive("cchc lock"):
            active = ledger.locked(self.form.id, self.period.code)
            if active is not None:      # before writing: the workbook reported upward must stay as it was
                raise CchcError("ledger-period-locked", form=self.form.id, period=self.period.code,
                                by=active.locked_by, at=active.locked_at.isoformat(timespec="seconds"))
            consolidation = self.ledger_consolidation(generated_at=datetime.now(VIETNAM_TIME).replace(microsecond=0))
            write_merged_workbook(consolidation, out)
            kept = self.workspace.store_file(out)       # the very bytes reported upward, kept as evidence
            versions = {s.unit.code: s.report.sha256 for s in consolidation.unit_statuses if s.report}
            return ledger.lock(self.form.id, self.period.code, by=by, note=note,
                               workbook_sha256=sha256_bytes(kept.read_bytes()),
                               totals={"totals": dict(consolidation.totals), "returns": versions},
                               generated_at=consolidation.generated_at, deadline=consolidation.deadline,
                               rebuild={"tool": __version__, "form_version": self.form.version,
                                        "accept_predecessors": False, "detail": consolidation.detail})

    def locked_workbook(self) -> Path | None:
        """The workbook the period is locked with, kept under ``files/`` by its sha256; when that copy
        is lost, rebuilt from the ledger as it stood at the lock and kept again, but only if its
        sha256 is the lock's. None: not locked, or lost and not rebuilt byte for byte (another tool
        version, units list or deadline than at the lock)."""
        import tempfile

        from .fileio import sha256_file
        from .merged_workbook import write_merged_workbook

        lock = self.workspace.ledger.locked(self.form.id, self.period.code)
        if lock is None or not lock.workbook_sha256:
            return None
        kept = self._kept_workbook(lock)
        if kept.is_file() and sha256_file(kept) == lock.workbook_sha256:
            return kept
        with tempfile.TemporaryDirectory(prefix="cchc-locked-") as folder:
            rebuilt = write_merged_workbook(self.ledger_consolidation(as_locked=True), Path(folder) / "locked.xlsx")
            if sha256_file(rebuilt) != lock.workbook_sha256:
                return None
            return self.workspace.store_file(rebuilt)

    def _kept_workbook(self, lock) -> Path:
        digest = lock.workbook_sha256 or ""
        return self.workspace.root / "files" / digest[:2] / f"{digest}.xlsx"

    def _locked_build(self, lock, deadline: date | None):
        """(generated_at, deadline, accept_predecessors) the locked workbook was built with. A lock
        recorded before the ledger kept them (schema 1) has them only in the kept workbook, when
        it is still there; else the time is now and the deadline this office's."""
        from .merge import VIETNAM_TIME

        if lock.generated_at is not None:
            return (lock.generated_at.astimezone(VIETNAM_TIME), lock.deadline,
                    bool(lock.rebuild.get("accept_predecessors", False)))
        kept = self._kept_workbook(lock)
        if lock.workbook_sha256 and kept.is_file():
            from .merged_workbook import read_consolidated

            locked = read_consolidated(kept, self.form)
            return locked.generated_at, locked.deadline, False
        return None, deadline, False


OWN_HISTORY_FACTOR = 5
RECORD_CHUNK = 200          # returns a ledger transaction when a command records a batch


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shown(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _attach_mail_times(reports: list[FileReport], paths: Iterable[str | Path]) -> None:
    """Mail times and senders from any received.csv among ``paths``, as ``merge`` attaches them."""
    from .merge import ReceivedLookup, attach_received
    from .received import load_received

    received, _ = load_received(list(paths))
    if received:
        lookup = ReceivedLookup(received)
        for report in reports:
            attach_received(report, lookup)
