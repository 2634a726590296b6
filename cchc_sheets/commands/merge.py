"""``cchc merge``: validate the returns, consolidate them, write the workbook (and the long export)."""
from __future__ import annotations


import click


from .common import (
    say, screen_language,
    FilesProgress, crosswalk_option, deadline_option, form_option, period_option, units_option, validation_options,
    echo_recorded, workspace_office,
)


@click.command()
@form_option
@units_option(required=False)
@period_option(required=True)
@deadline_option
@click.option("--out", "out_path", required=False, type=click.Path(dir_okay=False),
              help="The consolidated workbook to write (.xlsx). Required outside a workspace; "
                   "in one: merged/PERIOD.xlsx.")
@click.option("--long", "long_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the tidy export: one row per unit and indicator (.csv or .parquet).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the findings workbook (.xlsx), as cchc validate --report does.")
@click.option("--strict", is_flag=True, help="Exit 1 when any expected unit is missing or has errors.")
@crosswalk_option
@click.option("--accept-predecessors", "accept_predecessors", is_flag=True,
              help="Count a return made on a merged commune's old template for the new commune "
                   "(several predecessors' returns are added up).")
@click.option("--detail", "detail", type=click.Choice(["returns", "units"]), default="returns", show_default=True,
              help="Chi tiết and --long: one row per return, or per lowest-level unit inside "
                   "consolidated workbooks (with the unit it came via).")
@click.option("--previous", "previous", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A consolidated workbook of an earlier period: the long export (--long) gains "
                   "previous_value per unit, a merged commune's predecessors added up.")
@validation_options
@click.argument("paths", nargs=-1, required=False, type=click.Path())
@click.pass_context
def merge(ctx, form, units_path, period, deadline, out_path, long_path, report_path, strict, crosswalk_path,
          accept_predecessors, detail, previous, jobs, no_cache, paths):
    """Tổng hợp các tệp báo cáo đơn vị gửi về thành sổ tổng hợp.

    PATH: files or folders (searched recursively for .xlsx, .xlsm, .xls, .ods); a
    received.csv from cchc collect in an input folder gives the mail times.
    In a workspace every input is recorded in its ledger, and with no PATH the returns the
    ledger counts for the period are merged.
    Exit status 0 when written (1 with --strict if a unit is missing or invalid), 2 on fatal errors.
    """
    from ..predecessors import merged_units

    if previous and not long_path:
        raise click.UsageError(say("merge-previous-needs-long"))
    office, out_path = workspace_office(ctx, form, units_path, period, deadline=deadline, jobs=jobs,
                                        cache=not no_cache, out=out_path, out_folder="merged", out_suffix=".xlsx",
                                        crosswalk_path=crosswalk_path,
                                        required={"units_path": units_path, "out_path": out_path, "paths": paths})
    with FilesProgress("merge-progress") as bar:
        run = office.merge(paths, out=out_path, long=long_path, report=report_path,
                           found=bar.start, progress=bar.tick, accept_predecessors=accept_predecessors,
                           detail=detail, previous=previous)
    for problem in run.problems:
        click.echo(problem.render(screen_language()), err=True)
    consolidation = run.consolidation
    outputs = [say("merge-written", path=out_path)]
    if long_path:
        outputs.append(say("merge-long-written", path=long_path))
    if report_path:
        outputs.append(say("validate-report-written", path=report_path))
    merged = run.previous and merged_units(consolidation.units, run.previous)
    if merged:
        outputs.append(say("merge-previous-compared", period=run.previous.period.label, count=len(merged)))
    for line in summary_lines(consolidation) + outputs + _locked_lines(office):
        click.echo(line)
    echo_recorded(office)
    if strict and any(not s.counted for s in consolidation.unit_statuses):
        ctx.exit(1)


def _locked_lines(office) -> list[str]:
    """In a workspace, for a locked period: where the workbook reported upward is kept (rebuilt
    and kept again when it was lost), or a warning when it is lost for good."""
    if office.workspace is None:
        return []
    lock = office.workspace.ledger.locked(office.form.id, office.period.code)
    if lock is None or not lock.workbook_sha256:
        return []
    kept = office.locked_workbook()
    if kept is None:
        return [say("merge-locked-workbook-lost", period=office.period.label, sha256=lock.workbook_sha256)]
    return [say("merge-locked-workbook", period=office.period.label, path=kept)]


def summary_lines(consolidation) -> list[str]:
    """The short summary printed after a merge (Vietnamese by default)."""
    from ..merged_workbook import completeness_text, deadline_text

    expected, lang = consolidation.expected_count, screen_language()
    lines = [say("merge-summary-submitted", submitted=completeness_text(consolidation.submitted_count, expected, lang),
                    counted=consolidation.counted_count)]
    if consolidation.deadline:
        lines.append(say("merge-summary-on-time", deadline=deadline_text(consolidation),
                            on_time=completeness_text(consolidation.on_time_count, expected, lang)))
    missing = consolidation.missing_units
    if missing:
        lines.append(say("merge-summary-missing", count=len(missing), units=_names(missing)))
    invalid = [s.unit for s in consolidation.unit_statuses if s.submitted and not s.counted]
    if invalid:
        lines.append(say("merge-summary-invalid", count=len(invalid), units=_names(invalid)))
    others = {d: sum(1 for i in consolidation.inputs if i.disposition == d)
              for d in ("superseded", "unmatched", "unreadable")}
    if any(others.values()):
        lines.append(say("merge-summary-other-files", **others))
    return lines


SUMMARY_UNIT_NAMES = 20  # units named per line in the console; the full lists are on sheet “Tình hình nộp”


def _names(units) -> str:
    """'Name (code); …' for the first SUMMARY_UNIT_NAMES units, then how many more there are."""
    named = "; ".join(f"{u.name} ({u.code})" for u in units[:SUMMARY_UNIT_NAMES])
    more = len(units) - SUMMARY_UNIT_NAMES
    return say("merge-summary-more-units", units=named, count=more) if more > 0 else named
