"""``cchc merge``: validate the returns, consolidate them, write the workbook (and the long export)."""
from __future__ import annotations

from pathlib import Path

import click

from ..messages import render
from .common import deadline_option, form_option, load_form_and_units, period_option, units_option


@click.command()
@form_option
@units_option(required=True)
@period_option(required=True)
@deadline_option
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The consolidated workbook to write (.xlsx).")
@click.option("--long", "long_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the tidy export: one row per unit and indicator (.csv or .parquet).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the findings workbook (.xlsx), as cchc validate --report does.")
@click.option("--strict", is_flag=True, help="Exit 1 when any expected unit is missing or has errors.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for validation (default: 2 for large batches, else 1).")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.pass_context
def merge(ctx, form, units_path, period, deadline, out_path, long_path, report_path, strict, jobs, paths):
    """Tổng hợp các tệp báo cáo đơn vị gửi về thành sổ tổng hợp.

    PATH: files or folders (searched recursively for .xlsx, .xlsm, .xls, .ods); a
    received.csv from cchc collect in an input folder gives the mail times.
    Exit status 0 when written (1 with --strict if a unit is missing or invalid), 2 on fatal errors.
    """
    from .. import merge as merging
    from ..merged_workbook import write_merged_workbook
    from ..received import load_received
    from ..validation import validate_paths

    form_pack, units = load_form_and_units(form, units_path)
    received, problems = load_received(paths)
    for problem in problems:
        click.echo(problem, err=True)
    inputs = input_files(paths, [out_path, long_path, report_path])
    lookup = merging.ReceivedLookup(received)  # mail times before the batch checks order duplicates
    batch = validate_paths(inputs, form_pack, units=units, period=period, jobs=jobs,
                           progress=lambda report: merging.attach_received(report, lookup))
    consolidation = merging.consolidate(batch, form_pack, units, period,
                                        deadline=deadline or period.default_deadline, received=received)
    write_merged_workbook(consolidation, out_path)
    outputs = [render("merge-written", path=out_path)]
    if long_path:
        from ..long_export import write_long

        write_long(consolidation, long_path)
        outputs.append(render("merge-long-written", path=long_path))
    if report_path:
        from ..findings_report import write_findings_report

        write_findings_report(batch, report_path)
        outputs.append(render("validate-report-written", path=report_path))
    for line in summary_lines(consolidation) + outputs:
        click.echo(line)
    if strict and any(not s.counted for s in consolidation.unit_statuses):
        ctx.exit(1)


def input_files(paths, outputs) -> list[Path]:
    """Every spreadsheet under ``paths`` except this run's own outputs (they may sit in an input folder)."""
    from ..messages import CchcError
    from ..reading import find_spreadsheets

    files, missing = find_spreadsheets([Path(p) for p in paths])
    if missing:
        raise CchcError("input-not-found", path=", ".join(str(p) for p in missing))
    excluded = {Path(p).resolve() for p in outputs if p}
    kept = [f for f in files if Path(f).resolve() not in excluded]
    if not kept:
        raise CchcError("no-input-files", paths=", ".join(str(p) for p in paths))
    return kept


def summary_lines(consolidation) -> list[str]:
    """The short summary printed after a merge (Vietnamese by default)."""
    from ..merged_workbook import completeness_text, deadline_text

    expected = consolidation.expected_count
    lines = [render("merge-summary-submitted", submitted=completeness_text(consolidation.submitted_count, expected),
                    counted=consolidation.counted_count)]
    if consolidation.deadline:
        lines.append(render("merge-summary-on-time", deadline=deadline_text(consolidation),
                            on_time=completeness_text(consolidation.on_time_count, expected)))
    missing = consolidation.missing_units
    if missing:
        lines.append(render("merge-summary-missing", count=len(missing), units=_names(missing)))
    invalid = [s.unit for s in consolidation.unit_statuses if s.submitted and not s.counted]
    if invalid:
        lines.append(render("merge-summary-invalid", count=len(invalid), units=_names(invalid)))
    others = {d: sum(1 for i in consolidation.inputs if i.disposition == d)
              for d in ("superseded", "unmatched", "unreadable")}
    if any(others.values()):
        lines.append(render("merge-summary-other-files", **others))
    return lines


def _names(units) -> str:
    return "; ".join(f"{u.name} ({u.code})" for u in units)
