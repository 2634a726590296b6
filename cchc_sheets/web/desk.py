"""The office's desk: what the web page does, as plain library calls on one workspace (no HTTP here).

    desk = Desk(open_workspace("bao-cao"))
    desk.make_templates("2020-H1")                     # bieu-mau/2020-H1/*.xlsx + manifest.csv
    outcome = desk.receive("2020-H1", [("xa-a.xlsx", data)], actor="web")
    board = desk.board("2020-H1")                      # one row per unit, from the ledger
    run = desk.consolidate("2020-H1")                  # tong-hop/2020-H1/tong-hop.xlsx and .csv

Each step calls what the CLI calls (``Office``, the ledger, ``merge.consolidate``); the
folders it writes live inside the workspace, so downloads can be limited to it.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from ..fileio import ensure_directory, sha256_file, write_bytes_atomic
from ..ledger.records import Rates
from ..messages import CchcError, phrase
from ..model import BatchReport, FileReport
from ..office import Office
from ..periods import Period, parse_period
from ..suffixes import RETURN_SUFFIXES as SPREADSHEET_SUFFIXES   # one list with folders and mail
from ..workspace import FILES_DIR

TEMPLATES_DIR = "bieu-mau"
INBOX_DIR = "nhan-ve"
MERGED_DIR = "tong-hop"
FEEDBACK_DIR = "gui-lai"
OUTBOX_DIR = "thu-nhap"
MERGED_NAME, LONG_NAME, DRAFT_NAME = "tong-hop.xlsx", "tong-hop.csv", "du-thao-bao-cao.docx"


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload may hold: files (zip members count one each) and bytes (unzipped)."""

    max_files: int = 500
    max_bytes: int = 200 * 1024 * 1024
    max_file_bytes: int = 20 * 1024 * 1024


@dataclass
class Received:
    """One uploaded file after checking: its report, and the ledger's record when it is a return."""

    name: str
    report: FileReport | None = None
    record: object | None = None        # ledger.ReturnRecord, or None for a file that is not a return
    refused: object | None = None       # a Phrase when the file was not read at all (too big, not a spreadsheet)


@dataclass
class BoardRow:
    unit_code: str
    unit_name: str | None
    group: str
    submitted: bool
    on_time: bool | None
    status: str
    errors: int
    warnings: int
    versions: int
    counted: bool
    received_at: object
    after_lock: int


@dataclass
class Board(Rates):
    period: Period
    rows: list[BoardRow]
    expected: int
    submitted: int
    on_time: int
    locked: object | None               # the active ledger.Lock
    counts: dict = field(default_factory=dict)   # status -> number of units


class Desk:
    """One workspace's steps for the page. ``workspace`` is a ``cchc_sheets.workspace.Workspace``."""

    def __init__(self, workspace, *, limits: UploadLimits | None = None):
        self.workspace = workspace
        self.root: Path = workspace.root
        self.limits = limits or UploadLimits()

    # ------------------------------------------------------------------ settings
    @property
    def form(self):
        return self.workspace.form

    @property
    def units(self):
        return self.workspace.units

    @property
    def ledger(self):
        return self.workspace.ledger

    def office(self, period: Period | str, *, ledger: bool = False) -> Office:
        """The CLI's ``Office`` for the period; ``ledger``: on the workspace (its merge and lock read the ledger)."""
        return Office(self.form, units=self.units, period=_period(period), workspace=self.workspace if ledger else None)

    def folder(self, kind: str, period: Period | str) -> Path:
        return self.root / kind / _period(period).code

    def indicator_label(self, code: str) -> str:
        """The form's words for an indicator code ("" for a code the form does not know)."""
        try:
            return str(self.form.indicator(code).label)
        except (KeyError, LookupError):
            return ""

    def periods(self, today: date | None = None) -> list[str]:
        """Periods to choose from: those the workspace has folders for, and this year's and last year's."""
        year = (today or date.today()).year
        known = {p.name for kind in (TEMPLATES_DIR, INBOX_DIR, MERGED_DIR) if (self.root / kind).is_dir()
                 for p in (self.root / kind).iterdir() if p.is_dir() and _is_period(p.name)}
        usual = {f"{y}{suffix}" for y in (year - 1, year) for suffix in ("-H1", "-H2", "")}
        return sorted(known | usual, reverse=True)

    # ------------------------------------------------------------------ templates and mail
    def make_templates(self, period: Period | str) -> list:
        """``cchc template`` into ``bieu-mau/PERIOD/``; returns the manifest rows."""
        with self.workspace.exclusive("web: template"):
            return self.office(period).templates(self.folder(TEMPLATES_DIR, period))

    def templates_zip(self, period: Period | str) -> bytes:
        """Every template of the period and its manifest as one zip (empty when none were made)."""
        folder = self.folder(TEMPLATES_DIR, period)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                if path.is_file() and not path.is_symlink():
                    archive.write(path, path.name)
        return buffer.getvalue()

    def send_templates(self, period: Period | str, *, dry_run: bool, password: str = ""):
        """``cchc send`` of the period's manifest: .eml files in ``thu-nhap/PERIOD/`` on a dry run."""
        from ..mail import SEND_LOG
        from ..mail.compose import load_manifest, make_letter
        from ..mail.send import send_all, write_drafts

        period = _period(period)
        manifest = self.folder(TEMPLATES_DIR, period) / "manifest.csv"
        if not manifest.is_file():
            raise CchcError("web-no-templates", period=period.code)
        settings = self.workspace.settings
        if not settings.sender:
            raise CchcError("mail-from-missing")
        entries = load_manifest(manifest)
        letter = make_letter(entries, from_addr=settings.sender, form=self.form, period=period)
        if dry_run:
            return write_drafts(entries, letter, self.folder(OUTBOX_DIR, period))
        return send_all(entries, letter, self._smtp(password), manifest.parent / SEND_LOG)

    # ------------------------------------------------------------------ returns
    def receive(self, period: Period | str, uploads: list[tuple[str, bytes]], *, actor: str,
                progress: Callable[[str, object], None] | None = None) -> list[Received]:
        """Keep uploaded files (or the spreadsheets inside uploaded zips) in ``nhan-ve/PERIOD/``,
        validate them as ``cchc validate`` does and record each in the ledger.

        ``progress(kind, value)`` is told ``("found", n)``, ``("checked", Received)`` per file and
        ``("recorded", n)``. A file that is too big or not a spreadsheet is refused with a
        phrase; a hostile spreadsheet becomes an unreadable report, never an exception.
        """
        period = _period(period)
        tell = progress or (lambda kind, value: None)
        items = unpack_uploads(uploads, self.limits)
        inbox = ensure_directory(self.folder(INBOX_DIR, period))
        tell("found", len(items))            # the bar's "0 of N" now: keeping 300 files (each synced) takes a second
        with self.workspace.exclusive("web: upload"):
            kept = {str(_keep(inbox, item.name, data)): item for item, data in items if item.refused is None}
            for item in (item for item, _ in items if item.refused is not None):
                tell("checked", item)
            self._check_and_record(period, inbox, kept, actor, tell)
        return [item for item, _ in items]

    def collect(self, period: Period | str, *, user: str, password: str, actor: str, since: date | None = None,
                progress: Callable[[str, object], None] | None = None) -> tuple[list[Received], object]:
        """``cchc collect`` from the workspace's mailbox (``imap_host`` in ``cchc.yaml``) into
        ``nhan-ve/PERIOD/``; the new files are then checked and recorded as an upload is, with
        the mail's time and Message-ID. ``password`` serves this login only: it is never kept.

        Returns (one Received per new file, the ``CollectReport``); ``progress`` as for ``receive``.
        """
        from ..mail.collect import collect as collect_mail

        period = _period(period)
        tell = progress or (lambda kind, value: None)
        source = self.mailbox(user)
        inbox = ensure_directory(self.folder(INBOX_DIR, period))
        with self.workspace.exclusive("web: collect"):
            collected = collect_mail(source, inbox, since=since, password=password,
                                     max_attachment_mb=self.limits.max_file_bytes / (1 << 20))
            kept = {str(inbox / row["file"]): Received(row["file"]) for row in collected.saved}
            tell("found", len(kept))
            self._check_and_record(period, inbox, kept, actor, tell)
        return list(kept.values()), collected

    def mailbox(self, user: str) -> str:
        """The IMAP address ``cchc collect`` reads: ``imap_host`` as a full ``imaps://`` URL, or a host
        (``host[:port]``) read over TLS as ``user``'s INBOX."""
        from urllib.parse import quote, urlsplit

        from ..mail.sources import is_imap_url

        host, user = (self.workspace.settings.imap_host or "").strip(), (user or "").strip()
        if not host:
            raise CchcError("web-imap-host-missing")
        if not user and not (is_imap_url(host) and urlsplit(host).username):
            raise CchcError("web-imap-user-required")
        if not is_imap_url(host):
            return f"imaps://{quote(user, safe='')}@{host}/INBOX"
        parts = urlsplit(host)
        if parts.username:
            return host
        return parts._replace(netloc=f"{quote(user, safe='')}@{parts.netloc}").geturl()

    def _check_and_record(self, period: Period, inbox: Path, kept: dict, actor: str, tell) -> None:
        """Validate the kept files (path -> Received) as ``cchc validate`` does, with the mail time of
        those ``received.csv`` lists, and record them as ``cchc validate`` does (``Office.record``)."""
        def checked(report: FileReport) -> None:
            item = kept.get(str(Path(report.path)))
            if item is not None:
                item.report = report
                tell("checked", item)

        batch = self.office(period).validate(list(kept), progress=checked) if kept else BatchReport([])
        mail = _mail_lookup(inbox)
        final = [(kept[str(Path(r.path))], r) for r in batch.files if str(Path(r.path)) in kept]
        for _, report in final:
            mail.attach(report)
        recorder = Office(self.form, units=self.units, period=period, workspace=self.workspace, actor=actor)
        records = recorder.record([r for _, r in final], message_ids=mail.message_ids)   # as the CLI: own history too
        for (item, report), record in zip(final, records):
            item.report, item.record = report, record      # final reports: batch checks may add findings
        tell("recorded", len(kept))

    # ------------------------------------------------------------------ the board and one unit
    def board(self, period: Period | str) -> Board:
        """``cchc status`` for the page: each unit with sent / on time / status / errors."""
        period = _period(period)
        form_id = self.form.id
        status = self.ledger.status(form_id, period.code, self.units, period.default_deadline)
        groups = {u.code: u.group or "" for u in self.units}
        rows = [_board_row(row, groups.get(row.unit_code, "")) for row in status.rows]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return Board(period, rows, status.expected, status.submitted, status.on_time,
                     self.ledger.locked(form_id, period.code), counts)

    def unit_returns(self, period: Period | str, unit_code: str) -> list:
        """Every version the unit sent for the period, oldest first, each with its differences."""
        return self.ledger.returns(self.form.id, _period(period).code, unit_code)

    def feedback_copy(self, period: Period | str, unit_code: str) -> Path | None:
        """The marked-up copy of the unit's current return in ``gui-lai/PERIOD/`` (None: nothing to mark)."""
        from ..feedback import feedback_name, write_feedback

        current = [r for r in self.unit_returns(period, unit_code) if r.current]
        if not current:
            return None
        record = current[-1]
        made = self.folder(FEEDBACK_DIR, period) / feedback_name(record.report.path)
        if made.is_file() and made.stat().st_mtime >= record.recorded_at.timestamp():
            return made          # made for this very return: the same bytes, so mailing it twice sends it once
        return write_feedback(record.report, self.folder(FEEDBACK_DIR, period), self.form)

    def mail_feedback(self, period: Period | str, unit_code: str, *, dry_run: bool, password: str = "",
                      actor: str = "web"):
        """Mail the unit its marked-up copy as ``cchc send --feedback`` does (the pack's
        ``email/feedback-*.j2`` wording, what to fix listed in the body; a ``mailed`` event in the
        audit trail). A dry run, or a workspace without ``smtp_host``, writes the ``.eml`` into
        ``thu-nhap/PERIOD/`` instead. Returns the ``SendReport``."""
        from ..feedback import marked_findings
        from ..mail import SEND_LOG
        from ..mail.compose import FEEDBACK_TEMPLATES, Letter, ManifestEntry
        from ..mail.send import STATUS_DRAFTED, STATUS_SENT, send_all, write_drafts

        period = _period(period)
        path = self.feedback_copy(period, unit_code)
        if path is None:
            raise CchcError("web-no-feedback-to-mail", unit=unit_code)
        if not self.workspace.settings.sender:
            raise CchcError("mail-from-missing")
        current = [r for r in self.unit_returns(period, unit_code) if r.current][-1]
        unit = next((u for u in self.units if u.code == unit_code), None)
        fixes = [f"{f.sheet}!{f.cell}: {f.message('vi')}" if f.sheet and f.cell else f.message("vi")
                 for f in marked_findings(current.report) if f.severity == "error"]
        entry = ManifestEntry(unit_code, (unit.name if unit else None) or current.unit_name or unit_code,
                              unit.email if unit else "", path, sha256_file(path), extra={"fixes": fixes})
        letter = Letter(form=self.form, period_label=period.label, deadline=period.default_deadline,
                        office=self.units.parent_name or "", contact="", from_addr=self.workspace.settings.sender,
                        templates=FEEDBACK_TEMPLATES)
        dry_run = dry_run or not self.workspace.settings.smtp_host
        if dry_run:
            report = write_drafts([entry], letter, self.folder(OUTBOX_DIR, period))
        else:
            report = send_all([entry], letter, self._smtp(password), path.parent / SEND_LOG)
        for result in report.results:
            if result.status in (STATUS_SENT, STATUS_DRAFTED):
                self.ledger.record_event("mailed", actor=actor, form_id=self.form.id, period=period.code,
                                         unit_code=unit_code, detail={
                                             "feedback": True, "dry_run": dry_run, "email": result.email,
                                             "message_id": result.message_id,
                                             "path": str(result.path) if result.path else None})
        return report

    def _smtp(self, password: str):
        from ..mail.send import SmtpSettings

        settings = self.workspace.settings
        if not settings.smtp_host:
            raise CchcError("mail-smtp-host-missing")
        host, _, port = settings.smtp_host.strip().rpartition(":")     # "host" or "host:port"
        host, port = (host, int(port)) if host and port.isdigit() else (settings.smtp_host.strip(), None)
        return SmtpSettings(host, port, settings.sender if password else "", password, "auto")

    # ------------------------------------------------------------------ merge, draft, lock
    def consolidate(self, period: Period | str):
        """Merge what the ledger counts for the period; writes ``tong-hop/PERIOD/tong-hop.xlsx`` and ``.csv``.

        A locked period gets the workbook it was locked with back, byte for byte (its sha256
        is the lock's): the copy kept under ``files/`` at lock time, read back for the totals.
        """
        from ..long_export import write_long
        from ..merged_workbook import read_consolidated, write_merged_workbook

        period = _period(period)
        folder = ensure_directory(self.folder(MERGED_DIR, period))
        with self.workspace.exclusive("web: merge"):
            locked = self.locked_workbook(period)
            if locked is not None:
                write_bytes_atomic(folder / MERGED_NAME, locked.read_bytes())
                consolidation = read_consolidated(folder / MERGED_NAME, self.form)
            else:                                          # what `cchc merge` in a workspace consolidates
                consolidation = self.office(period, ledger=True).ledger_consolidation()
                write_merged_workbook(consolidation, folder / MERGED_NAME)
            write_long(consolidation, folder / LONG_NAME)
        return consolidation

    def last_consolidation(self, period: Period | str):
        """What the period's consolidated workbook holds (its totals for the page), or None when there is none."""
        from ..merged_workbook import read_consolidated

        path = self.folder(MERGED_DIR, period) / MERGED_NAME
        if not path.is_file():
            return None
        try:
            return read_consolidated(path, self.form)
        except CchcError:
            return None

    def locked_workbook(self, period: Period | str) -> Path | None:
        """The consolidated workbook the period is locked with (its bytes hash to the lock's sha256), or None:
        not locked, or its kept copy lost and not rebuilt byte for byte (then a merge writes a new one)."""
        lock = self.ledger.locked(self.form.id, _period(period).code)
        digest = lock.workbook_sha256 if lock is not None else None
        if not digest:
            return None
        for path in (self.root / FILES_DIR / digest[:2] / f"{digest}.xlsx",
                     self.folder(MERGED_DIR, period) / MERGED_NAME):
            if path.is_file() and sha256_file(path) == digest:
                return path
        return self.office(period, ledger=True).locked_workbook()     # rebuilt from the ledger as at the lock

    def draft(self, period: Period | str) -> Path:
        """The Word draft from the period's consolidated workbook (merged first when there is none)."""
        folder = self.folder(MERGED_DIR, period)
        if not (folder / MERGED_NAME).is_file():
            self.consolidate(period)
        self.office(period).draft(folder / MERGED_NAME, folder / DRAFT_NAME)
        return folder / DRAFT_NAME

    def lock(self, period: Period | str, *, by: str, note: str | None = None):
        """Approve and lock the period with the consolidated workbook's sha256 and totals (merged now)."""
        period = _period(period)
        if not (by or "").strip():
            raise CchcError("web-name-required")
        from ..long_export import write_long
        from ..merged_workbook import read_consolidated

        folder = ensure_directory(self.folder(MERGED_DIR, period))
        # As `cchc lock`: the workbook reported upward is also kept as files/ab/<sha256>.xlsx.
        lock = self.office(period, ledger=True).lock(by=by.strip(), note=note or None, out=folder / MERGED_NAME)
        with self.workspace.exclusive("web: lock"):
            write_long(read_consolidated(folder / MERGED_NAME, self.form), folder / LONG_NAME)
        return lock

    def unlock(self, period: Period | str, *, by: str, reason: str):
        with self.workspace.exclusive("web: unlock"):
            return self.ledger.unlock(self.form.id, _period(period).code, by=(by or "").strip(),
                                      reason=(reason or "").strip())

    def audit(self, period: Period | str | None = None) -> list:
        code = _period(period).code if period else None
        return self.ledger.events(code, form_id=self.form.id)

    # ------------------------------------------------------------------ downloads
    def inside(self, relative: str) -> Path | None:
        """``relative`` as a regular file inside the workspace, or None (outside, absolute, a link out, missing)."""
        return inside(self.root, relative)


# ---------------------------------------------------------------------- helpers
def inside(root: Path, relative: str) -> Path | None:
    """The file ``root/relative`` if, with every link followed, it is a regular file under ``root``."""
    if not relative or "\x00" in relative or Path(relative).is_absolute() or relative.startswith(("/", "\\")):
        return None
    root = root.resolve()
    try:
        target = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


def unpack_uploads(uploads: list[tuple[str, bytes]], limits: UploadLimits) -> list[tuple[Received, bytes]]:
    """Uploaded (name, bytes) as spreadsheets to check; zips are opened (their spreadsheets only), within limits."""
    items: list[tuple[Received, bytes]] = []
    total = 0
    for name, data in uploads:
        for member, content, refused in _expand(name, data, limits):
            total += len(content)
            if refused is None and (len(items) >= limits.max_files or total > limits.max_bytes):
                refused = phrase("web-upload-over-limit", files=limits.max_files, megabytes=limits.max_bytes >> 20)
            items.append((Received(member, refused=refused), b"" if refused else content))
    return items


def _expand(name: str, data: bytes, limits: UploadLimits):
    name = safe_name(name)
    if name.lower().endswith(".zip"):
        yield from _zip_members(name, data, limits)
    elif not name.lower().endswith(SPREADSHEET_SUFFIXES):
        yield name, b"", phrase("web-upload-not-spreadsheet", name=name)
    elif len(data) > limits.max_file_bytes:
        yield name, b"", phrase("web-upload-too-big", name=name, megabytes=limits.max_file_bytes >> 20)
    else:
        yield name, data, None


def _zip_members(name: str, data: bytes, limits: UploadLimits):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        yield name, b"", phrase("web-upload-bad-zip", name=name)
        return
    for member in members[: limits.max_files + 1]:
        member_name = safe_name(member.filename)
        if not member_name.lower().endswith(SPREADSHEET_SUFFIXES):
            continue
        if member.file_size > limits.max_file_bytes:
            yield member_name, b"", phrase("web-upload-too-big", name=member_name,
                                           megabytes=limits.max_file_bytes >> 20)
            continue
        try:
            with archive.open(member) as handle:           # read at most the limit, whatever the header claims
                content = handle.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
            yield member_name, b"", phrase("web-upload-bad-zip", name=name)
            continue
        if len(content) > limits.max_file_bytes:
            yield member_name, b"", phrase("web-upload-too-big", name=member_name,
                                           megabytes=limits.max_file_bytes >> 20)
        else:
            yield member_name, content, None


_UNSAFE = re.compile(r"[^\w.\-() ]+", re.UNICODE)


def safe_name(name: str) -> str:
    """The last part of an uploaded name, with separators and odd characters replaced: never a path."""
    last = re.split(r"[\\/]", name or "")[-1]
    cleaned = _UNSAFE.sub("-", last).strip(" .") or "tep"
    return cleaned[-120:]


def _keep(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name``; an existing different file keeps its name and this one gets ``-2``…"""
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    for n in range(1, 10_000):
        target = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        if target.is_file() and target.read_bytes() == data:
            return target
        if not target.exists():
            write_bytes_atomic(target, data)
            return target
    raise CchcError("web-upload-over-limit", files=10_000, megabytes=0)


class _MailLookup:
    """What ``received.csv`` in the inbox says about each file: its mail time and sender, its Message-ID."""

    def __init__(self, infos: dict):
        from ..merge import ReceivedLookup

        self.lookup = ReceivedLookup(infos)
        self.message_ids = {sha: info.message_id for sha, info in infos.items() if info.message_id}

    def attach(self, report: FileReport) -> None:
        from ..merge import attach_received

        attach_received(report, self.lookup)


def _mail_lookup(inbox: Path) -> _MailLookup:
    from ..received import load_received

    return _MailLookup(load_received([inbox])[0])     # {} when the inbox has no received.csv


def _board_row(row, group: str) -> BoardRow:
    return BoardRow(unit_code=row.unit_code, unit_name=row.unit_name, group=group, submitted=row.submitted,
                    on_time=row.on_time, status=row.status, errors=row.errors,
                    warnings=row.warnings, versions=row.versions, counted=row.counted,
                    received_at=row.received_at, after_lock=row.after_lock)


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(str(period))


def _is_period(text: str) -> bool:
    try:
        parse_period(text)
    except CchcError:
        return False
    return True
