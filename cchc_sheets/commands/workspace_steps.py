"""What ``draft`` and ``send --feedback`` take from a workspace."""
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


def feedback_mailing(ctx, period, deadline, from_addr, smtp_host, office_name, contact):
    """(entries, letter, log path, SMTP host) of ``send --feedback``: the marked-up copies of the
    period's returns with errors in ``feedback/PERIOD/``, from the workspace's sender and host."""
    from datetime import date

    from ..mail.compose import FEEDBACK_TEMPLATES, Letter
    from ..messages import CchcError
    from ..office import Office

    workspace = current_workspace(required=True)
    if period is None:
        require_options(ctx, period=period)
    from_addr = from_addr or workspace.settings.sender
    if not from_addr:
        raise CchcError("mail-from-missing")
    office = Office(workspace.form, units=workspace.units, period=period, deadline=deadline, workspace=workspace)
    folder = workspace_period_folder(workspace, "feedback", period)
    entries = office.feedback_entries(folder)
    letter = Letter(form=office.form, period_label=period.label, deadline=office.effective_deadline,
                    office=office_name or office.units.parent_name, contact=contact, from_addr=from_addr,
                    templates=FEEDBACK_TEMPLATES)
    log = folder / f"send-log-{date.today().isoformat()}.csv"
    return entries, letter, log, smtp_host or workspace.settings.smtp_host


def record_mailed(report, period, *, dry_run: bool) -> None:
    from ..mail.send import STATUS_DRAFTED, STATUS_SENT
    from .common import actor

    workspace = current_workspace(required=True)
    who, form_id = actor(), workspace.form.id
    for result in report.results:
        if result.status in (STATUS_SENT, STATUS_DRAFTED):
            workspace.ledger.record_event("mailed", actor=who, form_id=form_id, period=period.code,
                                          unit_code=result.code, detail={
                                              "feedback": True, "dry_run": dry_run, "email": result.email,
                                              "message_id": result.message_id,
                                              "path": str(result.path) if result.path else None})
