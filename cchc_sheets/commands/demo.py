"""``cchc demo``: the whole round trip on the bundled sample, with the path of every output."""
from __future__ import annotations

import click

from .common import form_option, say, screen_language


@click.command()
@form_option
@click.option("--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for every output of the demo.")
@click.option("--seed", default=2020, show_default=True, help="Seed of the simulated returns (same seed, same files).")
@click.option("--no-libreoffice", is_flag=True, help="Do not re-save returns as .xls/.ods with LibreOffice.")
def demo(form, out_dir, seed, no_libreoffice):
    """Chạy thử toàn bộ quy trình trên dữ liệu mẫu: biểu mẫu → báo cáo xã → kiểm tra → tổng hợp → dự thảo.

    Generates templates for the bundled sample units, simulates the communes' returns
    (clean, messy, late, missing, an inserted row, sent twice, re-saved by LibreOffice),
    validates them with marked-up copies, merges, and drafts the report. With --form, the
    same on another pack (ket-qua-giai-quyet-tthc: messy entries of each kind its cells allow).
    """
    from ..demo import run_demo

    result = run_demo(out_dir, seed=seed, use_libreoffice=False if no_libreoffice else None, form=form)
    lang = screen_language()
    for line in result.lines:
        click.echo(line.render(lang))
    click.echo("")
    for what, path in result.outputs:
        click.echo(f"  {say(what)}: {path}")
