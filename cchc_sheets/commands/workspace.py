"""``cchc init``, ``status``, ``history``, ``audit``, ``lock``, ``unlock``, ``backup``: an office's
workspace and its ledger (``cchc_sheets.workspace``, ``cchc_sheets.ledger``).

``status`` must answer in well under a second on a big ledger: it imports only the workspace
and the ledger, never the form pack (a bundled form is known by its id) nor the readers.
"""
from __future__ import annotations

from datetime import timedelta

import click

from .common import current_workspace, crosswalk_option, form_option, period_option, say, workspace_period_folder


def _form_id(workspace) -> str:
    """The workspace's form id; a bundled form's id is its setting, without loading the pack."""
    setting = workspace.settings.form
    return workspace.form.id if (workspace.root / setting).exists() else setting


def _period_or_latest(workspace, form_id: str, period):
    from ..messages import CchcError
    from ..periods import parse_period

    if period is not None:
        return period
    periods = workspace.periods(form_id)
    if not periods:
        raise CchcError("status-period-none", form=form_id)
    return parse_period(periods[-1])


_TO_VIETNAM = timedelta(hours=7)


def _time(when) -> str | None:
    """A stored time (aware UTC, as the ledger gives it) in Vietnam time, to the second.

    Shifted by hand and cut from ``isoformat`` rather than ``astimezone(...)`` or ``replace``:
    20,000 times in ``status --json`` on 10,000 units."""
    if when is None:
        return None
    return (when + _TO_VIETNAM).isoformat(timespec="seconds")[:19] + "+07:00"


def _echo_json(value) -> None:
    from ..json_report import json_text

    click.echo(json_text(value))


# ---------------------------------------------------------------------- init
@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@form_option
@click.option("--units", "units_path", required=True, type=click.Path(dir_okay=False, exists=True),
              help="Units list (CSV or XLSX); a copy is kept in the workspace.")
@click.option("--from", "sender", default=None, metavar="ADDR", help="Sender address for mail.")
@click.option("--smtp-host", default=None, metavar="HOST", help="Outgoing mail server.")
@click.option("--imap-host", default=None, metavar="HOST", help="Incoming mail server.")
@click.option("--ledger", "ledger_url", default=None, metavar="URL",
              help="A database URL (postgresql+psycopg://user@host/db) instead of ledger.sqlite; never a password.")
def init(directory, form, units_path, sender, smtp_host, imap_host, ledger_url):
    """Tạo không gian làm việc: cchc.yaml, danh sách đơn vị, sổ theo dõi và thư mục files/.

    Makes a workspace in DIRECTORY (new or empty): settings, a copy of the units list,
    files/ for the evidence and the ledger. Inside it, commands take their defaults from it.
    """
    from ..forms import DEFAULT_FORM
    from ..workspace import init_workspace

    with init_workspace(directory, form or DEFAULT_FORM, units_path, sender=sender, smtp_host=smtp_host,
                        imap_host=imap_host, ledger_url=ledger_url) as workspace:
        click.echo(say("workspace-init-done", path=workspace.root, form=workspace.form.id,
                       units=len(workspace.units), ledger=workspace.settings.ledger or "ledger.sqlite"))


# ---------------------------------------------------------------------- status
@click.command()
@period_option(required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (fields in README).")
def status(period, as_json):
    """Tình hình nộp của một kỳ: từng đơn vị đã nộp chưa, đúng hạn, tình trạng, số lần gửi.

    Each unit: sent or not, on time, status, versions, last change; completeness and
    on-time rates. Default period: the latest with a return in the ledger.
    """
    workspace = current_workspace(required=True)
    form_id = _form_id(workspace)
    period = _period_or_latest(workspace, form_id, period)
    deadline = period.default_deadline
    result = workspace.status(form_id, period.code, workspace.units.reporting(), deadline)
    if as_json:
        click.echo(_status_json_text(result, deadline))
        return
    click.echo(say("status-header", period=period.label, form=form_id,
                   locked=say("status-locked-mark") if result.locked else "", submitted=result.submitted,
                   expected=result.expected, completeness=f"{result.completeness:.0%}", on_time=result.on_time,
                   on_time_rate=f"{result.on_time_rate:.0%}", deadline=deadline.isoformat()))
    click.echo("\n".join(_status_lines(result.rows)))


def _status_lines(rows) -> list[str]:
    """One line per unit; the words looked up once, not once a unit (10,000 units: a third of a second)."""
    words = {status: say("status-" + status) for status in ("valid", "warnings", "invalid", "unreadable")}
    words["received-after-lock"] = say("status-received-after-lock")
    not_sent, on_time = say("status-not-sent"), {True: say("status-on-time"), False: say("status-late")}
    line = _template("status-unit-line")
    return [line.format(code=row.unit_code, name=row.unit_name or "?",
                        status=words.get(row.status, row.status) if row.submitted else not_sent,
                        versions=row.versions, on_time=on_time.get(row.on_time, "—"),
                        last_change=_time(row.last_change) or "—",
                        after_lock=say("status-after-lock-mark", count=row.after_lock) if row.after_lock else "")
            for row in rows]


def _template(code: str) -> str:
    """A catalogue line's template in the screen language, to fill many times."""
    from ..messages import CATALOGUE
    from .common import screen_language

    message = CATALOGUE[code]
    return message.en if screen_language() == "en" else message.vi


def _status_json_text(result, deadline) -> str:
    """The status as JSON: the figures one a line, then one line per unit.

    Each unit's line is filled from a template with the C string encoder json itself uses
    (``encode_basestring``): the same text as ``json.dumps(..., ensure_ascii=False)`` of the
    unit's dict (``tests/test_ledger_quick.py`` checks), at a tenth of its cost, which was
    0.3-0.4 s of ``cchc status --json`` on 10,000 units."""
    import json
    from json.encoder import encode_basestring as text

    head = {"form": result.form_id, "period": result.period, "locked": result.locked,
            "deadline": deadline.isoformat(), "expected": result.expected, "submitted": result.submitted,
            "on_time": result.on_time, "completeness": round(result.completeness, 4),
            "on_time_rate": round(result.on_time_rate, 4)}
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    literal = {None: "null", True: "true", False: "false"}
    units = ",\n    ".join(
        f'{{"code": {text(r.unit_code)}, "name": {"null" if r.unit_name is None else text(r.unit_name)}, '
        f'"expected": {literal[r.expected]}, "submitted": {literal[r.submitted]}, "status": {text(r.status)}, '
        f'"counted": {literal[r.counted]}, "versions": {r.versions:d}, "on_time": {literal[r.on_time]}, '
        f'"received_at": {_json_time(r.received_at)}, "after_lock": {r.after_lock:d}, '
        f'"last_change": {_json_time(r.last_change)}, "errors": {r.errors:d}, "warnings": {r.warnings:d}}}'
        for r in result.rows)
    lines = [f"  {dumps(key)}: {dumps(value)}," for key, value in head.items()]
    return "{\n" + "\n".join(lines) + '\n  "units": [\n    ' + units + ("\n  ]\n}" if units else "]\n}")


def _json_time(when) -> str:
    return "null" if when is None else f'"{_time(when)}"'


# ---------------------------------------------------------------------- history
@click.command()
@click.argument("unit")
@click.option("--form", "form_id", default=None, metavar="ID", help="Only this form's returns (default: every form).")
@click.option("--json", "as_json", is_flag=True, help="Print the returns as JSON, with values and differences.")
@crosswalk_option
def history(unit, form_id, as_json, crosswalk_path):
    """Các lần gửi báo cáo của một đơn vị qua các kỳ, với số liệu và phần thay đổi.

    UNIT: a unit code. Each return across periods (oldest first): when, status, whether it
    counts, and the cells that changed from its previous version (05.1: 600 → 650). A merged
    commune's history holds its predecessors' returns too (from the units list's predecessors
    column, or --crosswalk), each marked with the old unit and the date of the change.
    """
    workspace = current_workspace(required=True)
    listed = _history_unit(workspace, unit, crosswalk_path)
    predecessors = listed.predecessors if listed is not None else ()
    records = workspace.ledger.history(unit, form_id, predecessors=predecessors)
    if as_json:
        _echo_json([_history_json(r, listed) for r in records])
        return
    if not records:
        click.echo(say("history-none", unit=unit))
    import os

    for r in records:
        line = say("history-line", period=r.period, seq=r.seq, received=_time(r.received_at) or "—",
                   status=say("status-" + r.status), counted=say("history-counted-mark") if r.counted else "",
                   file=os.path.basename(r.report.path))
        click.echo(line + _predecessor_mark(r, listed))
        for difference in r.differences:
            click.echo(f"    {difference}")


def _history_unit(workspace, code: str, crosswalk_path: str | None):
    """The unit in the workspace's units list (with the crosswalk's predecessors); None when not listed."""
    units = workspace.units
    if crosswalk_path:
        from ..units import load_crosswalk

        units = units.with_crosswalk(load_crosswalk(crosswalk_path))
    return units.get(code)


def _is_predecessors(record, listed) -> bool:
    return listed is not None and record.unit_code != listed.code


def _predecessor_mark(record, listed) -> str:
    """'  (đơn vị cũ Xã A (A1), sáp nhập vào Xã Mới (N1) ngày 01/07/2025)' after a predecessor's return."""
    if not _is_predecessors(record, listed):
        return ""
    old = f"{record.unit_name} ({record.unit_code})" if record.unit_name else record.unit_code
    new = f"{listed.name} ({listed.code})"
    if listed.merged_on is None:
        return say("history-predecessor-mark-undated", old=old, unit=new)
    return say("history-predecessor-mark", old=old, unit=new, date=listed.merged_on.strftime("%d/%m/%Y"))


def _history_json(r, listed=None) -> dict:
    report, predecessor = r.report, _is_predecessors(r, listed)
    return {"form": r.form_id, "period": r.period, "unit": r.unit_code, "unit_name": r.unit_name, "seq": r.seq,
            "sha256": r.sha256, "file": report.path, "status": r.status, "errors": r.errors, "warnings": r.warnings,
            "current": r.current, "counted": r.counted, "why": r.why, "received_at": _time(r.received_at),
            "recorded_at": _time(r.recorded_at), "values": report.values,
            "differences": [{"cell": d.cell, "old": d.old, "new": d.new} for d in r.differences],
            "predecessor_of": listed.code if predecessor else None,
            "merged_on": listed.merged_on.isoformat() if predecessor and listed.merged_on else None}


# ---------------------------------------------------------------------- audit
@click.command()
@period_option(required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON, in the order they happened.")
def audit(period, as_json):
    """Nhật ký: mọi sự kiện theo thứ tự, kèm thời điểm và người thực hiện.

    Every event (received, validated, superseded, counted, locked, unlocked, mailed,
    reminded) with its time and who did it; one period's with --period.
    """
    events = current_workspace(required=True).ledger.events(period.code if period else None)
    rows = [{"id": e.id, "at": _time(e.at), "actor": e.actor, "kind": e.kind, "form": e.form_id,
             "period": e.period, "unit": e.unit_code, "sha256": e.sha256, "detail": e.detail} for e in events]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo(say("audit-none"))
    for row in rows:
        detail = ", ".join(f"{k}={v}" for k, v in row["detail"].items() if v not in (None, ""))
        click.echo(say("audit-line", at=row["at"], kind=row["kind"], actor=row["actor"], period=row["period"] or "",
                       unit=row["unit"] or "", detail=detail))


# ---------------------------------------------------------------------- lock and unlock
@click.command()
@click.argument("period", metavar="PERIOD")
@click.option("--by", "by", required=True, metavar="NAME", help="Who approves and locks the period.")
@click.option("--note", default=None, metavar="TEXT", help="A note kept with the lock.")
def lock(period, by, note):
    """Duyệt và khóa sổ một kỳ: ghi số liệu tổng hợp và SHA-256 của sổ tổng hợp báo cáo lên.

    Merges the period from the ledger into merged/PERIOD.xlsx (the workbook reported
    upward) and records its totals, the versions counted and its SHA-256. Returns arriving
    later are recorded but not counted until cchc unlock.
    """
    from ..office import Office
    from ..periods import parse_period

    workspace = current_workspace(required=True)
    period = parse_period(period)
    out = workspace_period_folder(workspace, "merged", period, ".xlsx")
    office = Office(workspace.form, units=workspace.units, period=period, workspace=workspace, actor=by)
    locked = office.lock(by=by, note=note, out=out)
    click.echo(say("lock-done", period=period.label, by=by, path=out, sha256=locked.workbook_sha256))


@click.command()
@click.argument("period", metavar="PERIOD")
@click.option("--by", "by", default=None, metavar="NAME", help="Who unlocks the period (required).")
@click.option("--reason", default=None, metavar="TEXT", help="Why the period is opened again (required).")
def unlock(period, by, reason):
    """Mở khóa sổ một kỳ (bắt buộc ghi lý do); báo cáo nhận trong lúc khóa được xét lại.

    Returns received while the period was locked are settled: each unit's newest counts.
    """
    from ..messages import CchcError
    from ..periods import parse_period

    period = parse_period(period)
    if not (reason or "").strip() or not (by or "").strip():
        raise CchcError("ledger-unlock-needs-reason", period=period.code)
    workspace = current_workspace(required=True)
    with workspace.exclusive("cchc unlock"):
        changed = workspace.ledger.unlock(_form_id(workspace), period.code, by=by, reason=reason)
    click.echo(say("unlock-done", period=period.label, by=by, reason=reason, changed=len(changed)))


# ---------------------------------------------------------------------- backup
@click.command()
@click.argument("out", type=click.Path(dir_okay=False))
def backup(out):
    """Sao lưu sổ theo dõi (SQLite) thành một tệp nhất quán, kể cả khi đang có lệnh khác chạy.

    OUT: the copy to write (an SQLite database; written atomically).
    """
    import sqlite3

    path = current_workspace(required=True).ledger.backup(out)
    with sqlite3.connect(path) as copy:
        returns, events = (copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("returns", "events"))
    copy.close()
    click.echo(say("backup-done", path=path, returns=returns, events=events))
