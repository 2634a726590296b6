"""What ``draft`` takes from a workspace when its SOURCE and --out are not given."""
from __future__ import annotations

from .common import current_workspace, require_options, workspace_period_folder


def draft_defaults(ctx, form, period, source, out, previous):
    """(source, out, previous): as given outside a workspace; inside one with --period,
    ``merged/PERIOD.xlsx`` (merged from the ledger first when missing), ``drafts/PERIOD.docx``,
    and the previous period of the same kind when the ledger has returns for it."""
    from ..messages import CchcError

    workspace = current_workspace() if period is not None else None
    if workspace is None:
        if source is None and period is not None:
            raise CchcError("workspace-draft-needs-source")
        require_options(ctx, out=out, source=source)
        return source, out, previous
    if previous is None and period.previous().code in workspace.ledger.periods(_form(workspace, form).id):
        previous = str(merged_from_ledger(workspace, form, period.previous()))
    if source is None:
        source = str(merged_from_ledger(workspace, form, period))
    return source, out or str(workspace_period_folder(workspace, "drafts", period, ".docx")), previous


def _form(workspace, form):
    from ..forms import load_form

    return load_form(form) if form else workspace.form


def merged_from_ledger(workspace, form, period):
    """``merged/PERIOD.xlsx``, merged from the ledger first when it is not there yet."""
    merged = workspace_period_folder(workspace, "merged", period, ".xlsx")
    if not merged.is_file():
        from ..office import Office

        Office(_form(workspace, form), units=workspace.units, period=period, workspace=workspace).merge([], out=merged)
    return merged
