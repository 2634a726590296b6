"""``cchc draft``: a Word (Decree 30/2020) or Markdown draft of the report, from a merge or one commune's return."""
from __future__ import annotations

import click

from .common import _date_callback, form_option, period_option, say, screen_language


@click.command()
@form_option
@click.option("--out", "out", required=False, type=click.Path(dir_okay=False),
              help="The draft to write: REPORT.docx (Word) or REPORT.md (Markdown). Required outside a "
                   "workspace; in one: drafts/PERIOD.docx.")
@period_option(required=False)
@click.option("--previous", "previous", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A consolidated workbook (or return) of an earlier period, for 'tăng/giảm … so với …'.")
@click.option("--issuer", default=None, metavar="TEXT",
              help="Issuing body; two lines with '|': 'UBND huyện Hương Sơn|Phòng Nội vụ'.")
@click.option("--place", default=None, metavar="TEXT", help="Place in the date line (default: from the unit name).")
@click.option("--date", "report_date", default=None, callback=_date_callback, metavar="YYYY-MM-DD",
              help="Date of the report (default: today).")
@click.option("--number", default=None, metavar="TEXT", help="Document number: '15' or '15/BC-UBND'.")
@click.argument("source", type=click.Path(exists=True, dir_okay=False), required=False)
@click.pass_context
def draft(ctx, form, out, period, previous, issuer, place, report_date, number, source):
    """Dự thảo báo cáo (Word/Markdown) từ sổ tổng hợp hoặc biểu mẫu của một xã.

    SOURCE: a consolidated workbook written by `cchc merge` (the parent's report) or a
    commune's filled template (that commune's own report). In a workspace, with --period
    and no SOURCE: merged/PERIOD.xlsx (merged from the ledger when missing).
    """
    from ..narrative.render import DraftOptions
    from ..office import Office
    from .workspace_steps import draft_defaults

    source, out, previous = draft_defaults(ctx, form, period, source, out, previous)

    options = DraftOptions(issuer=issuer, place=place, date=report_date, number=number)
    result = Office(form).draft(source, out, previous=previous, options=options)
    for warning in result.warnings:
        click.echo(warning.render(screen_language()), err=True)
    click.echo(say("draft-written", path=out, subject=result.draft.subject))
