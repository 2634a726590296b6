"""The ``cchc`` command: a thin click layer. Each command lives in ``commands/`` and calls the library.

Exit status: 0 success, 1 the inputs have errors (validate/merge), 2 usage or fatal problems.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from .commands.common import LANGUAGE_KEY, WORKSPACE_KEY, screen_language
from .messages import CchcError

COMMANDS = {
    "template": "cchc_sheets.commands.template:template",
    "validate": "cchc_sheets.commands.validate:validate",
    "merge": "cchc_sheets.commands.merge:merge",
    "draft": "cchc_sheets.commands.draft:draft",
    "demo": "cchc_sheets.commands.demo:demo",
    "send": "cchc_sheets.commands.mail:send",
    "collect": "cchc_sheets.commands.mail:collect",
    "form": "cchc_sheets.commands.form:form",
    "init": "cchc_sheets.commands.workspace:init",
    "status": "cchc_sheets.commands.workspace:status",
    "history": "cchc_sheets.commands.workspace:history",
    "audit": "cchc_sheets.commands.workspace:audit",
    "lock": "cchc_sheets.commands.workspace:lock",
    "unlock": "cchc_sheets.commands.workspace:unlock",
    "backup": "cchc_sheets.commands.workspace:backup",
    "remind": "cchc_sheets.commands.remind:remind",
    "web": "cchc_sheets.commands.web:web",
}


class FatalError(click.ClickException):
    """A library CchcError shown as its Vietnamese (or English) message, exit status 2."""

    exit_code = 2

    def show(self, file=None):
        click.echo(self.format_message(), err=True)


class LazyGroup(click.Group):
    """Imports a command's module only when that command is used (or help is shown)."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CchcError as exc:
            raise FatalError(exc.message(screen_language())) from exc


def _set_language(ctx, param, value):
    if value:
        ctx.meta[LANGUAGE_KEY] = value
    return value


def _set_workspace(ctx, param, value):
    if value:
        ctx.meta[WORKSPACE_KEY] = value
    return value


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, expose_value=False, is_eager=True,
              callback=_set_language, help="Language of messages (default vi; or CCHC_LANG).")
@click.option("--workspace", type=click.Path(file_okay=False), default=None, expose_value=False, is_eager=True,
              callback=_set_workspace, metavar="DIR",
              help="The workspace (cchc init) to use (default: CCHC_WORKSPACE, else the folder holding this one).")
@click.version_option(package_name="cchc-sheets", prog_name="cchc")
def cli():
    """cchc-sheets: biểu mẫu, kiểm tra, tổng hợp và dự thảo báo cáo CCHC.

    Templates for communes, validation of returned workbooks, consolidation and
    Word drafts for Vietnamese administrative-reform (CCHC) reporting.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Commands signal "inputs have errors" with ``ctx.exit(1)``."""
    try:
        cli.main(args=argv, prog_name="cchc")
    except BrokenPipeError:  # ``cchc validate | head``: the reader has gone, nothing more to say
        _silence_stdout()
        sys.exit(0)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
