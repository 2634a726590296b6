"""``cchc send`` and ``cchc collect``: option parsing only; the work is in ``cchc_sheets.mail``.

Passwords never come from the command line (they would land in shell history and
process lists): ``CCHC_SMTP_PASSWORD`` / ``CCHC_IMAP_PASSWORD`` or a hidden prompt.
"""
from __future__ import annotations

import os

import click

from ..messages import CchcError
from .common import _date_callback, deadline_option, form_option, period_option, say, screen_language


def _password(variable: str, prompt: str) -> str:
    return os.environ.get(variable) or click.prompt(prompt, hide_input=True, err=True)


def _echo_findings(findings) -> None:
    for finding in findings:
        click.echo(finding.message(screen_language()), err=finding.severity in ("error", "warning", "fatal"))


@click.command()
@click.option("--manifest", "manifest", required=False, type=click.Path(dir_okay=False),
              help="manifest.csv written by cchc template (code, name, email, file, sha256). Required unless --feedback.")
@click.option("--feedback", is_flag=True,
              help="In a workspace, with --period: mail each unit whose return has errors its marked-up copy "
                   "and the list of what to fix.")
@click.option("--smtp-host", envvar="CCHC_SMTP_HOST", help="Mail server (or CCHC_SMTP_HOST).")
@click.option("--smtp-port", type=int, default=None, help="Port (default 587, or 465 with --ssl).")
@click.option("--smtp-user", envvar="CCHC_SMTP_USER", default="",
              help="Login name (or CCHC_SMTP_USER); password from CCHC_SMTP_PASSWORD or a prompt.")
@click.option("--starttls", "security", flag_value="starttls", help="Require STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="TLS from the start (port 465).")
@click.option("--from", "from_addr", envvar="CCHC_MAIL_FROM", default=None, help="Sender address (or CCHC_MAIL_FROM).")
@click.option("--office", default="", help="Sending office shown in the message (default: parent in the template).")
@click.option("--contact", envvar="CCHC_CONTACT", default="",
              help="Who to call, e.g. 'Chị Lan, Phòng Nội vụ, 0239 3875 123' (or CCHC_CONTACT).")
@form_option
@period_option(required=False)
@deadline_option
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
              help="Send log (default: send-log.csv beside the manifest).")
@click.option("--dry-run", is_flag=True, help="Write .eml files to --out instead of sending.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder for --dry-run .eml files.")
@click.pass_context
def send(ctx, manifest, feedback, smtp_host, smtp_port, smtp_user, security, from_addr, office, contact, form, period,
         deadline, log_path, dry_run, out_dir):
    """Gửi mỗi đơn vị biểu mẫu của mình qua email (có thể chạy lại: chỉ gửi phần còn lại).

    Email each unit its own template; resumable (a second run sends only what has not gone out).
    """
    from pathlib import Path

    from ..mail import SEND_LOG
    from ..mail.compose import load_manifest, make_letter
    from ..mail.send import SmtpSettings, send_all, write_drafts

    if dry_run and not out_dir:
        raise click.UsageError(say("mail-dry-run-needs-out"))
    if feedback:
        from .workspace_steps import feedback_mailing

        entries, letter, feedback_log, smtp_host = feedback_mailing(ctx, period, deadline, from_addr, smtp_host,
                                                                    office, contact)
        log_path = log_path or feedback_log
        if not entries:
            click.echo(say("feedback-nobody", period=period.label))
            return
    else:
        from .common import require_options

        require_options(ctx, manifest=manifest)
        from_addr = from_addr or (smtp_user if "@" in smtp_user else "")
        if not from_addr:
            raise CchcError("mail-from-missing")
        entries = load_manifest(manifest)
        letter = make_letter(entries, from_addr=from_addr, form=form, period=period, deadline=deadline,
                             office=office, contact=contact)
    if dry_run:
        report = write_drafts(entries, letter, out_dir)
        _echo_send_report(report, entries, dry_run=True, out_dir=out_dir)
        _record_mailed(feedback, report, period, dry_run=True)
    else:
        if not smtp_host:
            raise CchcError("mail-smtp-host-missing")
        password = _password("CCHC_SMTP_PASSWORD", say("mail-smtp-password-prompt", user=smtp_user)) if smtp_user else ""
        settings = SmtpSettings(smtp_host, smtp_port, smtp_user, password, security or "auto")
        report = send_all(entries, letter, settings, log_path or Path(manifest).parent / SEND_LOG)
        _echo_send_report(report, entries, dry_run=False)
        _record_mailed(feedback, report, period, dry_run=False)
    ctx.exit(0 if report.complete else 1)


def _record_mailed(feedback: bool, report, period, *, dry_run: bool) -> None:
    """``send --feedback``: one ``mailed`` event per unit mailed (or drafted) in the workspace's ledger."""
    if feedback:
        from .workspace_steps import record_mailed

        record_mailed(report, period, dry_run=dry_run)


def _echo_send_report(report, entries, *, dry_run: bool, out_dir=None) -> None:
    from ..mail.send import STATUS_ALREADY_SENT, STATUS_DRAFTED, STATUS_FAILED, STATUS_NO_EMAIL, STATUS_SENT

    names = {e.code: e.name for e in entries}
    for result in report.results:
        if result.status == STATUS_SENT:
            click.echo(say("mail-sent-line", unit=result.code, name=names[result.code], email=result.email))
        elif result.status == STATUS_DRAFTED:
            click.echo(say("mail-drafted-line", unit=result.code, name=names[result.code], path=result.path))
    _echo_findings(report.findings)
    counts = {s: len(report.with_status(s)) for s in (STATUS_SENT, STATUS_ALREADY_SENT, STATUS_FAILED,
                                                     STATUS_NO_EMAIL, STATUS_DRAFTED)}
    if dry_run:
        click.echo(say("mail-draft-summary", count=counts[STATUS_DRAFTED], out=out_dir,
                          no_email=counts[STATUS_NO_EMAIL], failed=counts[STATUS_FAILED]))
    else:
        click.echo(say("mail-send-summary", sent=counts[STATUS_SENT], already=counts[STATUS_ALREADY_SENT],
                          failed=counts[STATUS_FAILED], no_email=counts[STATUS_NO_EMAIL], log=report.log_path))


@click.command()
@click.argument("source")
@click.option("--out", "out_dir", required=False, type=click.Path(file_okay=False),
              help="Folder for the returned files and received.csv (INBOX). Required outside a workspace; "
                   "in one: inbox/, and every file saved is recorded in its ledger.")
@click.option("--since", default=None, callback=_date_callback, metavar="YYYY-MM-DD",
              help="Only mail received on or after this day.")
@click.option("--max-size", "max_size", type=click.FloatRange(min=0.01), default=20.0, show_default=True,
              metavar="MB", help="Largest attachment saved, in MB.")
@click.pass_context
def collect(ctx, source, out_dir, since, max_size):
    """Lấy các tệp bảng tính đơn vị gửi về từ hộp thư vào một thư mục, kèm received.csv.

    SOURCE: a folder of .eml files, an mbox file, a Maildir, or imaps://user@host[:port]/INBOX
    (imap://… uses STARTTLS). Password from CCHC_IMAP_PASSWORD or a prompt. The mailbox is only
    read: nothing is deleted or marked as read.
    """
    from ..mail.collect import collect as collect_mail
    from ..mail.sources import is_imap_url, parse_imap_url
    from .common import current_workspace, echo_recorded, require_options

    workspace = current_workspace()
    if workspace is None:
        require_options(ctx, out_dir=out_dir)
    out_dir = out_dir or str(workspace.root / "inbox")

    password = None
    if is_imap_url(source):
        user = parse_imap_url(source).user
        password = _password("CCHC_IMAP_PASSWORD", say("mail-imap-password-prompt", user=user))
    report = collect_mail(source, out_dir, since=since, password=password, max_attachment_mb=max_size)
    for row in report.saved:
        click.echo(say("mail-saved-line", file=row["file"], sender=row["sender"] or "?", received=row["received"] or "?"))
    _echo_findings(report.findings)
    click.echo(say("mail-collect-summary", messages=report.messages, source=source, saved=len(report.saved),
                      inbox=report.inbox, duplicates=report.duplicates, ignored=len(report.ignored)))
    if workspace is not None:
        from ..office import Office
        from .common import actor

        office = Office(workspace.form, units=workspace.units, workspace=workspace, actor=actor())
        office.record_collected(report.inbox, report.saved)
        echo_recorded(office)
    ctx.exit(1 if report.has_problems else 0)
