"""``cchc template``: one locked workbook per unit plus manifest.csv."""
from __future__ import annotations

import click


from .common import deadline_option, form_option, period_option, units_option, say, workspace_office


@click.command()
@units_option(required=False)
@period_option(required=True)
@click.option("--out", "out_dir", required=False, type=click.Path(file_okay=False),
              help="Folder for the workbooks and manifest.csv (created if missing). Required outside a "
                   "workspace; in one: templates/PERIOD/.")
@form_option
@deadline_option
@click.option("--password", default=None,
              help="Sheet protection password (default: CCHC_PASSWORD, else the built-in default).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for large batches (default 1: the file system, not the CPU, is the limit).")
@click.pass_context
def template(ctx, units_path, period, out_dir, form, deadline, password, jobs):
    """Tạo biểu mẫu Excel đã khóa cho từng đơn vị.

    Writes one protected .xlsx per unit (named PERIOD_FORM_CODE_NAME.xlsx) and
    manifest.csv (code,name,email,file,sha256,period,form_id,deadline).
    In a workspace its form and units are the defaults.
    """
    from ..template import MANIFEST_NAME, resolve_password

    password = resolve_password(password)
    office, out_dir = workspace_office(ctx, form, units_path, period, deadline=deadline, jobs=jobs, out=out_dir,
                                       out_folder="templates", required={"units_path": units_path, "out_dir": out_dir})
    rows = office.templates(out_dir, password=password)
    click.echo(say("template-done", count=len(rows), period_label=period.label, out=out_dir,
                      manifest=f"{out_dir}/{MANIFEST_NAME}"))
