"""``cchc validate``: check returned workbooks; findings on screen, as JSON, as a workbook, as marked copies."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..messages import render
from .common import form_option, load_form_and_units, period_option, units_option, validation_options

PROGRESS_MIN_FILES = 20
STATUS_MARKS = {"valid": "[OK]", "warnings": "[!]", "invalid": "[X]", "unreadable": "[X]"}


@click.command()
@form_option
@units_option(required=False)
@period_option(required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout (format in README).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write a findings workbook (.xlsx): one row per finding, with filters.")
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False), default=None,
              help="Write a marked-up copy of every file with findings into this folder.")
@validation_options
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.pass_context
def validate(ctx, form, units_path, period, as_json, report_path, feedback_dir, jobs, no_cache, paths):
    """Kiểm tra các tệp báo cáo đơn vị gửi về.

    PATH: files or folders (searched recursively for .xlsx, .xlsm, .xls, .ods).
    Exit status 0 when no file has errors (warnings allowed), 1 when any has, 2 on usage errors.
    """
    from ..batch import validate_paths

    form_pack, units = load_form_and_units(form, units_path)
    with _progress(paths) as tick:
        batch = validate_paths(paths, form_pack, units=units, period=period, jobs=jobs, progress=tick,
                               cache=not no_cache)
    if as_json:
        for chunk in batch_json_chunks(batch):
            click.echo(chunk, nl=False)
    else:
        _print_batch(batch)
    _write_outputs(batch, form_pack, report_path, feedback_dir, quiet=as_json)
    if batch.has_errors:
        ctx.exit(1)


def batch_json_chunks(batch):
    """``json.dumps(batch.to_dict(), indent=2)`` plus a newline, one file at a time.

    The same text, but memory no longer grows with the number of files: only one
    report's dict and text exist at a time. JSON strings hold no raw newline, so
    re-indenting a report's lines is safe.
    """
    if not batch.files:
        yield _dumps({"files": [], "summary": batch.summary}) + "\n"
        return
    yield '{\n  "files": [\n'
    for n, report in enumerate(batch.files):
        text = "    " + _dumps(report.to_dict()).replace("\n", "\n    ")
        yield text + (",\n" if n + 1 < len(batch.files) else "\n")
    summary = _dumps(batch.summary).replace("\n", "\n  ")
    yield f'  ],\n  "summary": {summary}\n}}\n'


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


class _progress:
    """A progress bar on stderr for batches over PROGRESS_MIN_FILES files; a no-op otherwise."""

    def __init__(self, paths):
        self.paths = paths
        self.bar = None

    def __enter__(self):
        from ..reading import find_spreadsheets

        files, _ = find_spreadsheets([Path(p) for p in self.paths])
        if len(files) > PROGRESS_MIN_FILES:
            self.bar = click.progressbar(length=len(files), file=sys.stderr,
                                         label=render("validate-progress"))
            self.bar.__enter__()
        return self.tick

    def tick(self, report) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _print_batch(batch) -> None:
    for report in batch.files:
        unit = f"{report.unit_code} {report.unit_name or ''}".strip() if report.unit_code \
            else render("validate-unit-unknown")
        click.echo(render("validate-file-line", status=f"{STATUS_MARKS[report.status]} {render('status-' + report.status)}",
                          unit=unit, file=report.path, errors=len(report.errors), warnings=len(report.warnings)))
        for finding in report.findings:
            place = f"{finding.sheet}!{finding.cell}" if finding.sheet and finding.cell else (finding.sheet or "—")
            click.echo(f"    {place}  {finding.code} ({render('severity-' + finding.severity)}): {finding.message}")
    click.echo(render("validate-summary", **batch.summary))


def _write_outputs(batch, form, report_path, feedback_dir, *, quiet: bool) -> None:
    # With --json, stdout is for the JSON only: notices go to stderr.
    say = (lambda text: click.echo(text, err=True)) if quiet else click.echo
    if report_path:
        from ..findings_report import write_findings_report

        write_findings_report(batch, report_path)
        say(render("validate-report-written", path=report_path))
    if feedback_dir:
        from ..feedback import write_feedbacks

        written, skipped = write_feedbacks(batch, feedback_dir, form)
        say(render("validate-feedback-written", count=len(written), path=feedback_dir))
        for report in skipped:
            say(render("validate-feedback-skipped", file=report.path))
