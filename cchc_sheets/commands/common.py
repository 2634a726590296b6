"""Options shared by several commands and the glue that turns library errors into exit codes."""
from __future__ import annotations

import click

from ..periods import parse_date, parse_period


def form_option(function):
    return click.option("--form", "form", default=None, metavar="ID|PATH",
                        help="Form pack id or folder (default: tuyen-truyen-cchc).")(function)


def units_option(required: bool):
    return click.option("--units", "units_path", required=required, type=click.Path(dir_okay=False),
                        help="Units list, CSV or XLSX (code, name, parent, email, group).")


def period_option(required: bool):
    return click.option("--period", "period", required=required, callback=_period_callback,
                        metavar="PERIOD", help="Reporting period: 2020-H1, 2020-H2, 2020, 2020-Q3, 2020-9M, 2020-06.")


def deadline_option(function):
    return click.option("--deadline", "deadline", default=None, callback=_date_callback, metavar="YYYY-MM-DD",
                        help="Deadline for returns (default: the 20th after the period's cut-off).")(function)


def validation_options(function):
    """``--jobs`` and ``--no-cache``, shared by the commands that validate returns."""
    function = click.option("--no-cache", "no_cache", is_flag=True,
                            help="Read every file again instead of reusing the results of unchanged files.")(function)
    return click.option("--jobs", type=click.IntRange(min=1), default=None,
                        help="Worker processes for reading returns and writing marked-up copies "
                             "(default: one per CPU for large batches, else 1).")(function)


def _period_callback(ctx, param, value):
    return parse_period(value) if value else None


def _date_callback(ctx, param, value):
    return parse_date(value, option=f"--{param.name}") if value else None


def load_form_and_units(form: str | None, units_path: str | None):
    from ..forms import load_form
    from ..units import load_units

    return load_form(form), (load_units(units_path) if units_path else None)
