"""Build the outgoing messages: one per unit, its own template attached.

The wording lives in the form pack (``email/subject.j2``, ``email/body.txt.j2``) so an
officer can edit it without touching code. The attachment carries an ASCII file name
(``filename=``, what every client shows safely) and the Vietnamese name in RFC 2231
form (``filename*=``) for clients that understand it.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from urllib.parse import quote

from ..messages import CchcError, Listing, os_reason, phrase
from ..units import EMAIL_PATTERN

MANIFEST_COLUMNS = ("code", "name", "email", "file", "sha256")
SUBJECT_TEMPLATE = "email/subject.j2"
DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "default"
BODY_TEMPLATE = "email/body.txt.j2"
FEEDBACK_TEMPLATES = ("email/feedback-subject.j2", "email/feedback-body.txt.j2")   # cchc send --feedback
REMINDER_TEMPLATES = ("email/reminder-subject.j2", "email/reminder-body.txt.j2")   # cchc remind
CRLF_POLICY = compat32.clone(linesep="\r\n")
MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
    ".xls": ("application", "vnd.ms-excel"),
    ".ods": ("application", "vnd.oasis.opendocument.spreadsheet"),
}
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class ManifestEntry:
    """One row of the template writer's manifest.csv; ``file`` is resolved to a full path."""

    code: str
    name: str
    email: str
    file: Path
    sha256: str
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Letter:
    """What every message of one mailing shares: wording context and the sender."""

    form: object  # forms.Form
    period_label: str
    deadline: date | None
    office: str
    contact: str
    from_addr: str
    templates: tuple[str, str] = (SUBJECT_TEMPLATE, BODY_TEMPLATE)   # (subject, body) in the pack or default/


def load_manifest(path: str | Path) -> list[ManifestEntry]:
    """Rows of ``manifest.csv``; every problem (missing column, empty code) reported at once."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CchcError("mail-manifest-invalid", path=path, problems=Listing((os_reason(exc),))) from exc
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = [c for c in MANIFEST_COLUMNS if c not in (rows[0].keys() if rows else _header(text))]
    if missing or not rows:
        problem = phrase("mail-manifest-columns", columns=", ".join(missing)) if missing else phrase("units-empty")
        raise CchcError("mail-manifest-invalid", path=path, problems=Listing((problem,)))
    return [_entry(row, path.parent) for row in rows if any((v or "").strip() for v in row.values())]


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)), [])


def _entry(row: dict, folder: Path) -> ManifestEntry:
    clean = {k: unicodedata.normalize("NFC", (v or "").strip()) for k, v in row.items() if k}
    extra = {k: v for k, v in clean.items() if k not in MANIFEST_COLUMNS}
    return ManifestEntry(code=clean["code"], name=clean["name"], email=clean["email"],
                         file=folder / clean["file"], sha256=clean["sha256"].lower(), extra=extra)


def has_valid_email(entry: ManifestEntry) -> bool:
    return bool(entry.email) and bool(EMAIL_PATTERN.match(entry.email))


# --------------------------------------------------------------------------- wording


def render_wording(letter: Letter, entry: ManifestEntry) -> tuple[str, str]:
    """(subject, body) from the pack's jinja2 templates, NFC; subject on one line."""
    environment = _jinja_environment(letter.form)
    context = wording_context(letter, entry)
    try:
        subject = environment.get_template(letter.templates[0]).render(context)
        body = environment.get_template(letter.templates[1]).render(context)
    except Exception as exc:  # jinja2 TemplateNotFound / TemplateSyntaxError / UndefinedError
        raise CchcError("mail-template-invalid", path=letter.form.pack_file("email"), reason=exc) from exc
    subject = " ".join(unicodedata.normalize("NFC", subject).split())
    return subject, unicodedata.normalize("NFC", body).strip() + "\n"


def wording_context(letter: Letter, entry: ManifestEntry) -> dict:
    from ..vnformat import format_date_short

    return {
        "unit_name": entry.name, "unit_code": entry.code, "period_label": letter.period_label,
        "deadline": format_date_short(letter.deadline) if letter.deadline else "",
        "office": letter.office, "contact": letter.contact, "form_title": letter.form.title,
        "report_subject": letter.form.subject_for(letter.period_label),
        "attachment": entry.file.name,
        "fixes": list(entry.extra.get("fixes") or ()),   # what to fix, one line each (send --feedback)
    }


def _jinja_environment(form):
    import jinja2

    # the pack's own wording first; a pack without email templates gets the package's generic ones
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(form.directory)),
                                  jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES))])
    return jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def display_name(letter: Letter, entry: ManifestEntry) -> str:
    """The Vietnamese attachment name, e.g. 'Công tác Tuyên truyền ... năm 2020 - Xã An Hòa Thịnh.xlsx'."""
    stem = f"{letter.form.subject_for(letter.period_label)} - {entry.name}"
    stem = " ".join(_UNSAFE_IN_NAME.sub(" ", unicodedata.normalize("NFC", stem)).split())
    return stem + entry.file.suffix.lower()


# --------------------------------------------------------------------------- message


def build_message(letter: Letter, entry: ManifestEntry, attachment: bytes) -> MIMEMultipart:
    """The complete message for one unit (headers, body, attachment); nothing is sent here."""
    subject, body = render_wording(letter, entry)
    message = MIMEMultipart()
    message["From"] = formataddr((letter.office, letter.from_addr), charset="utf-8") if letter.office else letter.from_addr
    message["To"] = formataddr((entry.name, entry.email), charset="utf-8")
    message["Subject"] = Header(subject, "utf-8")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(idstring=f"cchc.{_ascii(entry.code)}", domain=_domain(letter.from_addr))
    message["X-CCHC-Unit"] = _ascii(entry.code)
    message.attach(MIMEText(body, "plain", "utf-8"))
    message.attach(attachment_part(entry.file.name, display_name(letter, entry), attachment))
    return message


def attachment_part(ascii_name: str, vietnamese_name: str, data: bytes) -> MIMEBase:
    maintype, subtype = MIME_TYPES.get(Path(ascii_name).suffix.lower(), ("application", "octet-stream"))
    part = MIMEBase(maintype, subtype, name=ascii_name)
    part.set_payload(data)
    encoders.encode_base64(part)
    # Set verbatim: the email package would keep only one of filename / filename*.
    part["Content-Disposition"] = f'attachment; filename="{ascii_name}";' + rfc2231_parameter("filename", vietnamese_name)
    return part


def rfc2231_parameter(name: str, value: str, width: int = 60) -> str:
    """``filename*0*=utf-8''...;`` continuations, each line short so no client or policy refolds it."""
    encoded = quote(unicodedata.normalize("NFC", value), safe="")
    chunks, current = [], "utf-8''"
    for token in re.findall(r"%[0-9A-F]{2}|.", encoded):
        if len(current) + len(token) > width:
            chunks.append(current)
            current = ""
        current += token
    chunks.append(current)
    if len(chunks) == 1:
        return f"\r\n {name}*={chunks[0]}"
    return ";".join(f"\r\n {name}*{index}*={chunk}" for index, chunk in enumerate(chunks))


def message_bytes(message) -> bytes:
    return message.as_bytes(policy=CRLF_POLICY)


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def _ascii(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:40] or "x"


# --------------------------------------------------------------------------- mailing facts


def make_letter(entries: list[ManifestEntry], *, from_addr: str, form=None, period=None, deadline: date | None = None,
                office: str = "", contact: str = "") -> Letter:
    """Period, deadline, form and office: options first, then the manifest, then the first workbook's metadata."""
    from ..forms import load_form
    from ..periods import parse_date, parse_period

    facts = {**workbook_metadata(entries[0].file), **{k: v for k, v in entries[0].extra.items() if v}} if entries else {}
    period = period or (parse_period(facts["period"]) if facts.get("period") else None)
    if period is None:
        raise CchcError("mail-period-unknown", path=entries[0].file if entries else "manifest.csv")
    if deadline is None and facts.get("deadline"):
        deadline = parse_date(str(facts["deadline"])[:10], option="deadline")
    pack = form if hasattr(form, "pack_file") else load_form(form or facts.get("form_id") or None)
    return Letter(form=pack, period_label=period.label, deadline=deadline,
                  office=office or str(facts.get("parent_name") or ""), contact=contact, from_addr=from_addr)


def workbook_metadata(path: Path) -> dict:
    """Key/value rows of the template's hidden metadata sheet; {} when absent or unreadable."""
    from ..layout import META_KEYS, META_SHEET

    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # any unreadable workbook simply has no metadata to offer
        return {}
    try:
        if META_SHEET not in workbook.sheetnames:
            return {}
        rows = workbook[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
        return {str(k): v for k, v in rows if k in META_KEYS and v not in (None, "")}
    finally:
        workbook.close()
