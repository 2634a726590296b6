"""Options shared by several commands, and their progress bar."""
from __future__ import annotations

import sys

import click

from ..messages import language, language_from_environment, render
from ..periods import parse_date, parse_period

PROGRESS_MIN_FILES = 20
LANGUAGE_KEY = "cchc.lang"   # in click's context meta, set by ``cchc --lang``
WORKSPACE_KEY = "cchc.workspace"   # in click's context meta, set by ``cchc --workspace``
ACTOR_ENV = "CCHC_ACTOR"


def screen_language() -> str:
    """The language of what this command prints: ``--lang``, else CCHC_LANG, else Vietnamese.

    Only what the command prints (and ``message`` in ``--json``) follows it: the
    workbooks, copies and drafts it writes are for officers and communes, in Vietnamese.
    """
    ctx = click.get_current_context(silent=True)
    chosen = ctx.meta.get(LANGUAGE_KEY) if ctx is not None else None
    return language(chosen) if chosen else language_from_environment()


def say(message_code: str, /, **params: object) -> str:
    """A catalogue message in the screen language."""
    return render(message_code, screen_language(), **params)


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


def crosswalk_option(function):
    return click.option("--crosswalk", "crosswalk_path", type=click.Path(exists=True, dir_okay=False), default=None,
                        help="Merged communes: CSV or XLSX of old code, new code, date of change "
                             "(instead of a predecessors column in the units list).")(function)


def load_form_and_units(form: str | None, units_path: str | None, crosswalk_path: str | None = None):
    from ..forms import load_form
    from ..units import load_crosswalk, load_units

    units = load_units(units_path) if units_path else None
    if units is not None and crosswalk_path:
        units = units.with_crosswalk(load_crosswalk(crosswalk_path))
    return load_form(form), units


class FilesProgress:
    """A progress bar on stderr while the returns are read, for batches over PROGRESS_MIN_FILES files.

    ``start`` is given the number of files once they are found, ``tick`` each report.
    """

    def __init__(self, label_code: str):
        self.label_code = label_code
        self.bar = None

    def start(self, count: int) -> None:
        if count > PROGRESS_MIN_FILES:
            self.bar = click.progressbar(length=count, file=sys.stderr, label=say(self.label_code))
            self.bar.__enter__()

    def tick(self, report) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


# ---------------------------------------------------------------------- the workspace, when there is one
def current_workspace(required: bool = False):
    """The workspace of this command: ``cchc --workspace DIR``, else CCHC_WORKSPACE, else the one
    holding the current folder; None outside one (``required``: ``workspace-not-found`` instead).

    Opened once per command (kept in click's context meta) and closed with the context.
    """
    from ..workspace import find_workspace, open_workspace

    ctx = click.get_current_context()
    root = ctx.find_root()
    if WORKSPACE_KEY + ".opened" not in root.meta:
        named = root.meta.get(WORKSPACE_KEY)
        workspace = open_workspace(named) if named else find_workspace()
        if workspace is not None:
            root.call_on_close(workspace.close)
        root.meta[WORKSPACE_KEY + ".opened"] = workspace
    workspace = root.meta[WORKSPACE_KEY + ".opened"]
    if workspace is None and required:
        from ..messages import CchcError

        import os
        raise CchcError("workspace-not-found", path=os.getcwd())
    return workspace


def actor() -> str:
    """Who the ledger records as doing this: CCHC_ACTOR, else the login name."""
    import getpass
    import os

    try:
        return os.environ.get(ACTOR_ENV) or getpass.getuser()
    except (KeyError, OSError):       # no login name (a container without passwd entry)
        return "?"


def require_options(ctx, **values) -> None:
    """Outside a workspace, what click would have said for a missing required option (exit 2)."""
    for name, value in values.items():
        if value in (None, ()):
            param = next(p for p in ctx.command.params if p.name == name)
            raise click.MissingParameter(ctx=ctx, param=param)


def workspace_period_folder(workspace, folder: str, period, suffix: str = ""):
    """``templates/2020-H1/``, ``merged/2020-H1.xlsx``… inside the workspace."""
    return workspace.root / folder / f"{period.code}{suffix}"


def workspace_office(ctx, form, units_path, period, *, out, out_folder: str | None, out_suffix: str = "",
                     required: dict, crosswalk_path: str | None = None, **settings):
    """The ``Office`` of a command and its output path: the workspace's form, units and ledger
    (and ``out`` defaulting to ``OUT_FOLDER/PERIOD{suffix}`` inside it) when there is one; else
    what the options say, with click's own message for a missing required option.
    """
    from ..office import Office

    workspace = current_workspace()
    if workspace is None:
        require_options(ctx, **required)
        form_pack, units = load_form_and_units(form, units_path, crosswalk_path)
        return Office(form_pack, units=units, period=period, **settings), out
    from ..forms import load_form
    from ..units import load_crosswalk, load_units

    units = load_units(units_path) if units_path else workspace.units
    if crosswalk_path:
        units = units.with_crosswalk(load_crosswalk(crosswalk_path))
    office = Office(load_form(form) if form else workspace.form, units=units, period=period,
                    workspace=workspace, actor=actor(), **settings)
    if out or not out_folder:
        return office, out
    return office, str(workspace_period_folder(workspace, out_folder, period, out_suffix))


def echo_recorded(office, *, err: bool = False) -> None:
    """In a workspace, one line on what the ledger recorded (new returns, known ones, other files)."""
    if office.workspace is None:
        return
    records = office.recorded
    new = sum(1 for r in records if r is not None and r.is_new)
    known = sum(1 for r in records if r is not None and not r.is_new)
    click.echo(say("workspace-recorded", new=new, known=known, other=len(records) - new - known), err=err)
