"""What ``draft`` takes from a workspace when its SOURCE and --out are not given."""
from __future__ import annotations

from .common import current_workspace, require_options, workspace_period_folder


def draft_defaults(ctx, form, period, source, out):
    """(source, out): as given outside a workspace; inside one with --period, ``merged/PERIOD.xlsx``
    (merged from the ledger first when missing) and ``drafts/PERIOD.docx``."""
    from ..messages import CchcError

    workspace = current_workspace() if (source is None or out is None) else None
    if workspace is None or period is None:
        if source is None and period is not None:
            raise CchcError("workspace-draft-needs-source")
        require_options(ctx, out=out, source=source)
        return source, out
    merged = workspace_period_folder(workspace, "merged", period, ".xlsx")
    if source is None and not merged.is_file():
        from ..forms import load_form
        from ..office import Office

        office = Office(load_form(form) if form else workspace.form, units=workspace.units, period=period,
                        workspace=workspace)
        office.merge([], out=merged)
    return source or str(merged), out or str(workspace_period_folder(workspace, "drafts", period, ".docx"))
