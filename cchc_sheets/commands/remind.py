"""``cchc remind``: mail the units that have not sent, or whose return still has errors, their template again."""
from __future__ import annotations

from datetime import date

import click

from ..messages import CchcError
from .common import actor, current_workspace, deadline_option, period_option, say, workspace_period_folder


@click.command()
@period_option(required=True)
@deadline_option
@click.option("--smtp-port", type=int, default=None, help="Port (default 587, or 465 with --ssl).")
@click.option("--smtp-user", envvar="CCHC_SMTP_USER", default="",
              help="Login name (or CCHC_SMTP_USER); password from CCHC_SMTP_PASSWORD or a prompt.")
@click.option("--starttls", "security", flag_value="starttls", help="Require STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="TLS from the start (port 465).")
@click.option("--contact", envvar="CCHC_CONTACT", default="", help="Who to call (or CCHC_CONTACT).")
@click.option("--dry-run", is_flag=True, help="Write .eml files to --out instead of sending.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder for --dry-run .eml files.")
@click.pass_context
def remind(ctx, period, deadline, smtp_port, smtp_user, security, contact, dry_run, out_dir):
    """Nhắc các đơn vị chưa nộp hoặc báo cáo còn lỗi: gửi lại biểu mẫu của đơn vị (trong không gian làm việc).

    Mails each expected unit that has not sent, or whose current return has errors, its
    template again (templates/PERIOD/, written first when missing), from the workspace's
    sender and SMTP host. Resumable the same day (reminders/PERIOD-DAY-send-log.csv);
    every reminder is recorded in the ledger.
    """
    import dataclasses

    from ..mail.compose import REMINDER_TEMPLATES, load_manifest, make_letter
    from ..mail.send import STATUS_DRAFTED, STATUS_SENT, SmtpSettings, send_all, write_drafts
    from ..office import Office
    from ..template import MANIFEST_NAME, resolve_password
    from .mail import _echo_send_report, _password

    if dry_run and not out_dir:
        raise click.UsageError(say("mail-dry-run-needs-out"))
    workspace = current_workspace(required=True)
    if not workspace.settings.sender:
        raise CchcError("mail-from-missing")
    office = Office(workspace.form, units=workspace.units, period=period, deadline=deadline, workspace=workspace)
    folder = workspace_period_folder(workspace, "templates", period)
    if not (folder / MANIFEST_NAME).is_file():
        office.templates(folder, password=resolve_password(None))
    targets = set(office.reminder_targets())
    entries = [e for e in load_manifest(folder / MANIFEST_NAME) if e.code in targets]
    if not entries:
        click.echo(say("remind-nobody", period=period.label))
        return
    letter = dataclasses.replace(
        make_letter(entries, from_addr=workspace.settings.sender, form=office.form, period=period,
                    deadline=office.effective_deadline, contact=contact),
        templates=REMINDER_TEMPLATES)      # a reminder's own wording (the pack may override it)
    if dry_run:
        report = write_drafts(entries, letter, out_dir)
    else:
        host = workspace.settings.smtp_host
        if not host:
            raise CchcError("mail-smtp-host-missing")
        password = _password("CCHC_SMTP_PASSWORD", say("mail-smtp-password-prompt", user=smtp_user)) if smtp_user else ""
        log = workspace.root / "reminders" / f"{period.code}-{date.today().isoformat()}-send-log.csv"
        log.parent.mkdir(parents=True, exist_ok=True)
        report = send_all(entries, letter, SmtpSettings(host, smtp_port, smtp_user, password, security or "auto"), log)
    who = actor()
    for result in report.results:
        if result.status in (STATUS_SENT, STATUS_DRAFTED):
            workspace.ledger.record_event("reminded", actor=who, form_id=office.form.id, period=period.code,
                                          unit_code=result.code, sha256=result.sha256 or None,
                                          detail={"dry_run": dry_run, "email": result.email,
                                                  "message_id": result.message_id,
                                                  "path": str(result.path) if result.path else None})
    _echo_send_report(report, entries, dry_run=dry_run, out_dir=out_dir)
    ctx.exit(0 if report.complete else 1)
