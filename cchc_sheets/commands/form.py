"""``cchc form``: check a form pack, write a starter form workbook, list the bundled packs."""
from __future__ import annotations

import click

from .common import say, screen_language

EXIT_PROBLEMS = 2


@click.group()
def form():
    """Biểu mẫu: kiểm tra, tạo biểu mẫu mẫu (form.xlsx), liệt kê các biểu mẫu có sẵn.

    Form packs: check one, write a starter form workbook, list the bundled ones.
    """


@form.command("check")
@click.option("--json", "as_json", is_flag=True,
              help="Print {path, ok, problems: [{place, code, params}], summary} as JSON.")
@click.argument("path")
@click.pass_context
def check(ctx, path, as_json):
    """Kiểm tra một biểu mẫu và liệt kê mọi lỗi kèm vị trí.

    PATH: a pack folder, a form.yaml, a form.xlsx or a bundled form id.
    Exit status 0 when the form is valid, 2 when it has problems.
    """
    from ..forms import check_pack
    from ..forms.report import as_problems, problem_records, summary

    description, built, problems = check_pack(path)
    records = problem_records(problems, description)
    if as_json:
        from ..json_report import json_text

        numbers = summary(built) if built is not None and not records else None
        click.echo(json_text({"path": str(description), "ok": not records, "problems": records,
                              "summary": numbers}))
    elif records:
        click.echo(say("form-check-problems", path=description, count=len(records)))
        for problem in as_problems(problems, description):
            click.echo(f"  - {problem.render(screen_language())}")
    else:
        click.echo(say("form-check-clean", path=description, **summary(built)))
    if records:
        ctx.exit(EXIT_PROBLEMS)


@form.command("init")
@click.option("--force", is_flag=True, help="Overwrite OUT.xlsx when it exists.")
@click.argument("out", type=click.Path(dir_okay=False))
def init(out, force):
    """Tạo một biểu mẫu mẫu dạng bảng tính (form.xlsx) có ví dụ và hướng dẫn.

    OUT.xlsx gets the seven sheets (settings, tables, columns, rows, questions, rules,
    choices), a worked two-table example and a ghi-chu sheet explaining every key.
    """
    from ..forms.starter import write_starter

    click.echo(say("form-init-done", path=write_starter(out, overwrite=force)))


@form.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the bundled packs as a JSON list.")
def list_forms(as_json):
    """Liệt kê các biểu mẫu có sẵn: mã, phiên bản, tiêu đề, số bảng và số ô.

    The bundled packs (CCHC_FORMS_DIR when set) with the file that describes each.
    """
    from ..forms import packs_root
    from ..forms.report import bundled_packs

    packs = bundled_packs()
    if as_json:
        from ..json_report import json_text

        click.echo(json_text(packs))
        return
    if not packs:
        click.echo(say("form-list-empty", root=packs_root()))
    for pack in packs:
        click.echo(say("form-list-line" if pack["ok"] else "form-list-broken", **pack))

