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

from datetime import date
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
                 jobs: int | None = None, cache: bool = True):
        self._form_source = form
        self.units = units if units is None or isinstance(units, UnitList) else load_units(units)
        self.period = period if period is None or isinstance(period, Period) else parse_period(period)
        self.deadline = deadline if deadline is None or isinstance(deadline, date) else parse_date(deadline)
        self.jobs = jobs
        self.cache = cache

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
        run = merge_paths(list(paths), self.form, self.units, self.period, deadline=self.effective_deadline,
                          exclude=[out, long, report], jobs=self.jobs, progress=progress, cache=self.cache,
                          found=found, accept_predecessors=accept_predecessors)
        run.consolidation.detail = detail
        if previous:
            from .narrative.context import LEVEL_PARENT
            from .narrative.drafting import load_previous

            run.previous = load_previous(previous, run.consolidation, LEVEL_PARENT)
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
