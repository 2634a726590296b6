"""``cchc validate``: check returned workbooks; findings on screen, as JSON, as a workbook, as marked copies."""
from __future__ import annotations

import click


from ..text import display_path
from .common import (
    say, screen_language,
    FilesProgress, crosswalk_option, echo_recorded, form_option, period_option, units_option, validation_options,
    workspace_office,
)

VALID_LISTED_MAX = 50    # a district's batch lists every file; a province's shows the files to act on
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
@click.option("--all", "list_all", is_flag=True,
              help=f"On screen, list every file; by default, batches of more than {VALID_LISTED_MAX} files "
                   "list only the files with findings.")
@crosswalk_option
@click.option("--accept-predecessors", "accept_predecessors", is_flag=True,
              help="A return made on a merged commune's old template: name on screen the new commune it "
                   "would count for (as cchc merge --accept-predecessors counts it).")
@validation_options
@click.argument("paths", nargs=-1, required=True)  # plain strings: click.Path would stat every file once more
@click.pass_context
def validate(ctx, form, units_path, period, as_json, report_path, feedback_dir, list_all, crosswalk_path,
             accept_predecessors, jobs, no_cache, paths):
    """Kiểm tra các tệp báo cáo đơn vị gửi về.

    PATH: files or folders (searched recursively for .xlsx, .xlsm, .xls, .ods).
    In a workspace its form and units are the defaults and every file is recorded in its ledger.
    With --crosswalk (or a predecessors column in the units list) a return on a merged commune's
    old template is reported as unit-merged, with the new commune's name.
    Exit status 0 when no file has errors (warnings allowed), 1 when any has, 2 on usage errors.
    """
    office, _ = workspace_office(ctx, form, units_path, period, jobs=jobs, cache=not no_cache,
                                 out=None, out_folder=None, required={}, crosswalk_path=crosswalk_path)
    with FilesProgress("validate-progress") as bar:
        batch = office.validate(paths, progress=bar.tick, found=bar.start)
    if as_json:
        from ..json_report import batch_json_chunks

        for chunk in batch_json_chunks(batch, screen_language()):
            click.echo(chunk, nl=False)
    else:
        _print_batch(batch, list_valid=list_all or len(batch.files) <= VALID_LISTED_MAX,
                     units=office.units if accept_predecessors else None)
    _write_outputs(office, batch, report_path, feedback_dir, quiet=as_json)
    echo_recorded(office, err=as_json)
    if batch.has_errors:
        ctx.exit(1)


def _print_batch(batch, *, list_valid: bool, units=None) -> None:
    """A line per file and its findings; in a large batch the files without findings are only counted.

    ``units`` (``--accept-predecessors``): a return on a merged commune's old template names the
    new commune it counts for.
    """
    unlisted = 0
    for report in batch.files:
        if not list_valid and not report.findings:
            unlisted += 1
            continue
        unit = _unit_label(report, units)
        click.echo(say("validate-file-line", status=f"{STATUS_MARKS[report.status]} {say('status-' + report.status)}",
                          unit=unit, file=display_path(report.path), errors=len(report.errors), warnings=len(report.warnings)))
        for finding in report.findings:
            place = f"{finding.sheet}!{finding.cell}" if finding.sheet and finding.cell else (finding.sheet or "—")
            click.echo(f"    {place}  {finding.code} ({say('severity-' + finding.severity)}): {finding.message(screen_language())}")
    if unlisted:
        click.echo(say("validate-valid-not-listed", count=unlisted))
    click.echo(say("validate-summary", **batch.summary))


def _unit_label(report, units) -> str:
    from ..predecessors import merged_into

    if not report.unit_code:
        return say("validate-unit-unknown")
    label = f"{report.unit_code} {report.unit_name or ''}".strip()
    new = units.get(merged_into(report) or "") if units is not None else None
    return say("validate-unit-merged-accepted", old=label, unit=f"{new.code} {new.name}") if new else label


def _write_outputs(office, batch, report_path, feedback_dir, *, quiet: bool) -> None:
    # With --json, stdout is for the JSON only: notices go to stderr.
    out = (lambda text: click.echo(text, err=True)) if quiet else click.echo
    if report_path:
        office.findings_report(batch, report_path)
        out(say("validate-report-written", path=report_path))
    if feedback_dir:
        written, skipped = office.feedback(batch, feedback_dir)
        out(say("validate-feedback-written", count=len(written), path=feedback_dir))
        for report in skipped:
            out(say("validate-feedback-skipped", file=report.path))
