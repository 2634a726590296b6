"""cchc collect from a folder of .eml, an mbox, a Maildir and a real Dovecot IMAP server.

The returns are built with the standard ``email`` package the way real clients encode
Vietnamese: RFC 2047 subjects (base64 and quoted-printable), RFC 2231 file names, and
Outlook's RFC 2047 words inside a quoted filename.
"""
from __future__ import annotations

import csv
import email
import hashlib
import io
import mailbox
import zipfile
from datetime import datetime
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from pathlib import Path

import pytest

from cchc_sheets.mail import collect as collect_module
from cchc_sheets.mail.collect import safe_name, write_new_file
from cchc_sheets.mail.sources import RawMail
from cchc_sheets.messages import CchcError
from mailservers import imap_server  # noqa: F401  (fixture)

RECEIVED_COLUMNS = ["file", "sha256", "sender", "subject", "received", "message_id"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(label: str) -> bytes:
    """Distinct bytes per return (collect does not open the workbooks, it only files them)."""
    return b"PK\x03\x04" + label.encode("utf-8") * 20


SON_HONG = workbook_bytes("Xã Sơn Hồng")
KIM_HOA = workbook_bytes("Xã Kim Hoa")
AN_HOA_THINH = workbook_bytes("Xã An Hòa Thịnh")
ZIPPED = workbook_bytes("Xã Quang Diệm (nén)")
SLIPPED = workbook_bytes("zip slip")
HOSTILE = workbook_bytes("../../x.xlsx")
LONG = workbook_bytes("tên rất dài")
RESERVED = workbook_bytes("con")


# --------------------------------------------------------------------------- building returns


def subject_header(text: str, quoted_printable: bool = False) -> Header:
    charset = Charset("utf-8")
    if quoted_printable:
        charset.header_encoding = QP
    return Header(text, charset)


def new_message(sender: tuple[str, str], subject: str, date: str | None, message_id: str, qp: bool = False):
    message = MIMEMultipart()
    message["From"] = formataddr(sender, charset="utf-8")
    message["To"] = "phongnoivu@huongson.example"
    message["Subject"] = subject_header(subject, qp)
    if date:
        message["Date"] = date
    message["Message-ID"] = message_id
    message.attach(MIMEText("Kính gửi Phòng Nội vụ, xã gửi báo cáo kèm theo.", "plain", "utf-8"))
    return message


def attach(message, data: bytes, content_type: str = XLSX, rfc2231: str | None = None, raw_disposition: str | None = None):
    maintype, subtype = content_type.split("/")
    part = MIMEBase(maintype, subtype)
    part.set_payload(data)
    encoders.encode_base64(part)
    if rfc2231 is not None:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", rfc2231))
    else:
        part["Content-Disposition"] = raw_disposition
    message.attach(part)


def outlook_filename(name: str) -> str:
    """Outlook: an RFC 2047 encoded word inside the quotes of filename=."""
    return f'attachment; filename="{Header(name, "utf-8").encode()}"'


def zip_bytes(members: dict[str, bytes], utf8_flag: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if not utf8_flag:
                info.flag_bits &= ~0x800
            archive.writestr(info, data)
    return buffer.getvalue()


def returns() -> list[tuple[bytes, str]]:
    """(message bytes, IMAP internal date) of the mailbox export every source test uses."""
    mails = []
    first = new_message(("UBND xã Sơn Hồng", "xa-son-hong@example.com"), "Báo cáo tuyên truyền CCHC 6 tháng đầu năm 2020 – Xã Sơn Hồng",
                        "Tue, 16 Jun 2020 08:30:00 +0700", "<r1@son-hong.example>")
    attach(first, SON_HONG, rfc2231="Báo cáo CCHC Xã Sơn Hồng.xlsx")
    attach(first, b"%PDF-1.4 scanned signature", "application/pdf", rfc2231="Công văn.pdf")
    mails.append(first)

    outlook = new_message(("Cán bộ xã Kim Hoa", "xa-kim-hoa@example.com"), "V/v gửi báo cáo CCHC – Xã Kim Hoa",
                          "Mon, 22 Jun 2020 16:05:00 +0700", "<r2@kim-hoa.example>", qp=True)
    attach(outlook, KIM_HOA, raw_disposition=outlook_filename("Báo cáo Kim Hoa 6 tháng.xlsx"))
    mails.append(outlook)

    again = new_message(("UBND xã Sơn Hồng", "xa-son-hong@example.com"), "Gửi lại: Báo cáo Xã Sơn Hồng",
                        "Wed, 17 Jun 2020 09:00:00 +0700", "<r3@son-hong.example>")
    attach(again, SON_HONG, rfc2231="Báo cáo CCHC Xã Sơn Hồng (gửi lại).xlsx")
    mails.append(again)

    zipped = new_message(("Xã Quang Diệm", "xa-quang-diem@example.com"), "Báo cáo nén", "Thu, 18 Jun 2020 10:00:00 +0700",
                         "<r4@quang-diem.example>")
    archive = zip_bytes({"bao cao/Báo cáo xã Quang Diệm.xlsx": ZIPPED, "../../slip.xlsx": SLIPPED,
                         "đọc tôi.txt": b"ghi chu"})
    attach(zipped, archive, "application/zip", rfc2231="Báo cáo.zip")
    mails.append(zipped)

    hostile = new_message(("Ai đó", "someone@example.net"), "Tệp lạ", "Fri, 19 Jun 2020 11:00:00 +0700", "<r5@example.net>")
    attach(hostile, HOSTILE, raw_disposition='attachment; filename="../../x.xlsx"')
    attach(hostile, LONG, rfc2231="Báo cáo " + "rất " * 80 + "dài.XLSX")
    attach(hostile, RESERVED, raw_disposition='attachment; filename="CON.xlsx"')
    mails.append(hostile)

    undated = new_message(("UBND xã An Hòa Thịnh", "xa-an-hoa-thinh@example.com"), "Báo cáo An Hòa Thịnh", None,
                          "<r6@an-hoa-thinh.example>")
    attach(undated, AN_HOA_THINH, content_type=XLSX, raw_disposition="attachment")  # no name at all
    mails.append(undated)

    dates = ["16-Jun-2020 08:31:00 +0700", "22-Jun-2020 16:06:00 +0700", "17-Jun-2020 09:01:00 +0700",
             "18-Jun-2020 10:01:00 +0700", "19-Jun-2020 11:01:00 +0700", "23-Jun-2020 07:45:00 +0700"]
    raws = [m.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for m in mails]
    raws.insert(2, b"\x00\xff garbage that is not a mail at all \xfe")
    dates.insert(2, "17-Jun-2020 00:00:00 +0700")
    return list(zip(raws, dates))


EXPECTED_FILES = {
    "bao-cao-cchc-xa-son-hong.xlsx": SON_HONG,
    "bao-cao-kim-hoa-6-thang.xlsx": KIM_HOA,
    "bao-cao-xa-quang-diem.xlsx": ZIPPED,
    "slip.xlsx": SLIPPED,
    "x.xlsx": HOSTILE,
    "file-con.xlsx": RESERVED,
    "attachment.xlsx": AN_HOA_THINH,
}


# --------------------------------------------------------------------------- sources


def eml_folder(tmp_path: Path) -> str:
    folder = tmp_path / "hop-thu"
    folder.mkdir()
    for number, (raw, _) in enumerate(returns(), start=1):
        (folder / f"thu-{number:02d}.eml").write_bytes(raw)
    return str(folder)


def mailbox_of_returns(path: Path, kind) -> str:
    box = kind(path)
    for raw, _ in returns():
        box.add(raw)
    box.close()
    return str(path)


def mbox_file(tmp_path: Path) -> str:
    return mailbox_of_returns(tmp_path / "returns.mbox", mailbox.mbox)


def maildir_folder(tmp_path: Path) -> str:
    return mailbox_of_returns(tmp_path / "Maildir", mailbox.Maildir)


def read_received(inbox: Path) -> list[dict]:
    with open(inbox / "received.csv", encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == RECEIVED_COLUMNS
        return list(reader)


def assert_collected(inbox: Path) -> list[dict]:
    """Exactly the returns, once each, with their received.csv rows."""
    saved = {p.name: p.read_bytes() for p in inbox.iterdir() if p.suffix == ".xlsx"}
    long_names = [n for n in saved if n.startswith("bao-cao-rat-rat")]
    assert len(long_names) == 1 and len(long_names[0]) <= 85 and saved.pop(long_names[0]) == LONG
    assert saved == EXPECTED_FILES
    rows = read_received(inbox)
    assert len(rows) == len(EXPECTED_FILES) + 1
    for row in rows:
        assert hashlib.sha256((inbox / row["file"]).read_bytes()).hexdigest() == row["sha256"]
        assert datetime.fromisoformat(row["received"]).tzinfo is not None
    by_file = {row["file"]: row for row in rows}
    son_hong = by_file["bao-cao-cchc-xa-son-hong.xlsx"]
    assert son_hong["sender"] == "UBND xã Sơn Hồng <xa-son-hong@example.com>"
    assert son_hong["subject"] == "Báo cáo tuyên truyền CCHC 6 tháng đầu năm 2020 – Xã Sơn Hồng"
    assert son_hong["received"] == "2020-06-16T08:30:00+07:00" and son_hong["message_id"] == "<r1@son-hong.example>"
    assert by_file["bao-cao-kim-hoa-6-thang.xlsx"]["subject"] == "V/v gửi báo cáo CCHC – Xã Kim Hoa"
    return rows


@pytest.mark.parametrize("make_source", [eml_folder, mbox_file, maildir_folder], ids=["eml", "mbox", "maildir"])
def test_collect_from_files_saves_each_return_once(run_cli, tmp_path, make_source):
    source = make_source(tmp_path)
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", source, "--out", inbox)
    assert result.exit_code == 0, result.output
    rows = assert_collected(inbox)
    assert "bỏ qua 1 tệp trùng và 2 tệp đính kèm không phải bảng tính" in result.output
    undated = next(r for r in rows if r["file"] == "attachment.xlsx")  # no Date: the file's or mbox From_ time
    assert abs(datetime.fromisoformat(undated["received"]) - datetime.now().astimezone()).total_seconds() < 300

    again = run_cli("collect", source, "--out", inbox)
    assert again.exit_code == 0
    assert "lưu 0 tệp mới" in again.output and read_received(inbox) == rows


def test_since_leaves_out_older_mail(run_cli, tmp_path):
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", eml_folder(tmp_path), "--out", inbox, "--since", "2020-06-19")
    assert result.exit_code == 0, result.output
    assert sorted(r["file"] for r in read_received(inbox)) == sorted(
        ["bao-cao-kim-hoa-6-thang.xlsx", "x.xlsx", "file-con.xlsx", "attachment.xlsx", next(
            p.name for p in inbox.iterdir() if p.name.startswith("bao-cao-rat"))])


# --------------------------------------------------------------------------- IMAP (Dovecot)


@pytest.fixture
def imap_returns(imap_server):
    imap_server.reset()
    for raw, internaldate in returns():
        imap_server.append(raw, f'"{internaldate}"')
    return imap_server


@pytest.mark.imap
def test_collect_from_imap_reads_without_touching_the_mailbox(run_cli, tmp_path, imap_returns, monkeypatch):
    monkeypatch.setenv("CCHC_IMAP_PASSWORD", imap_returns.password)
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", imap_returns.url(), "--out", inbox)
    assert result.exit_code == 0, result.output
    rows = assert_collected(inbox)
    undated = next(r for r in rows if r["file"] == "attachment.xlsx")
    # No Date header: the server's INTERNALDATE (Dovecot reports it in its own zone; same instant).
    assert datetime.fromisoformat(undated["received"]) == datetime.fromisoformat("2020-06-23T07:45:00+07:00")

    client = imap_returns.connect()
    try:
        client.select("INBOX", readonly=True)
        status, flags = client.fetch("1:*", "(FLAGS)")
    finally:
        client.logout()
    assert len(flags) == len(returns()) and all(b"\\Seen" not in f and b"\\Deleted" not in f for f in flags)

    again = run_cli("collect", imap_returns.url(), "--out", inbox)
    assert again.exit_code == 0 and read_received(inbox) == rows


@pytest.mark.imap
def test_imap_wrong_password_is_a_clear_error(run_cli, tmp_path, imap_server, monkeypatch):
    monkeypatch.delenv("CCHC_IMAP_PASSWORD", raising=False)
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", imap_server.url(), "--out", inbox, input="sai-mat-khau\n")
    assert result.exit_code == 2
    assert f"Hộp thư {imap_server.url()} từ chối đăng nhập của “officer”" in result.output
    assert "sai-mat-khau" not in result.output
    assert not inbox.exists()


@pytest.mark.imap
def test_imap_unknown_folder_is_a_clear_error(run_cli, tmp_path, imap_server, monkeypatch):
    monkeypatch.setenv("CCHC_IMAP_PASSWORD", imap_server.password)
    result = run_cli("collect", imap_server.url("Khong-Co"), "--out", tmp_path / "INBOX")
    assert result.exit_code == 2 and "Không mở được thư mục “Khong-Co”" in result.output


# --------------------------------------------------------------------------- bad input


def test_huge_attachment_and_zip_bomb_are_reported_not_saved(run_cli, tmp_path):
    message = new_message(("Xã X", "x@example.com"), "Tệp lớn", "Tue, 16 Jun 2020 08:30:00 +0700", "<big@x>")
    attach(message, b"PK" + b"\x01" * 300_000, rfc2231="lớn.xlsx")
    attach(message, zip_bytes({"bomb.xlsx": b"\x00" * 4_000_000}), "application/zip", rfc2231="bomb.zip")
    attach(message, b"PK small", rfc2231="nhỏ.xlsx")
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "big.eml").write_bytes(message.as_bytes())
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", folder, "--out", inbox, "--max-size", "0.2")
    assert result.exit_code == 1
    assert "“lớn.xlsx”" in result.output and "quá lớn" in result.output
    assert "“bomb.zip”" in result.output and "không được giải nén" in result.output
    assert [r["file"] for r in read_received(inbox)] == ["nho.xlsx"]
    assert sorted(p.name for p in inbox.iterdir()) == ["nho.xlsx", "received.csv"]


def test_zip_member_sizes_that_lie_are_caught(tmp_path):
    archive = bytearray(zip_bytes({"a.xlsx": b"A" * 50_000}))
    # Declare a tiny uncompressed size in both headers: the read stops at the limit anyway.
    fake = (10).to_bytes(4, "little")
    local = archive.index(b"PK\x03\x04")
    archive[local + 22:local + 26] = fake
    central = archive.index(b"PK\x01\x02")
    archive[central + 24:central + 28] = fake
    report = collect_module.CollectReport("t", tmp_path)
    info = collect_module.MailInfo("s", "subj", None, "", "test")
    found = list(collect_module.zip_spreadsheets(bytes(archive), "a.zip", info, report, limit=20_000))
    assert found == [] and [f.code for f in report.findings] == ["mail-zip-unsafe"]


@pytest.mark.parametrize("original, expected", [
    ("../../x.xlsx", "x.xlsx"),
    ("..\\..\\Windows\\evil.XLSM", "evil.xlsm"),
    ("Báo cáo Xã Sơn Hồng.xlsx", "bao-cao-xa-son-hong.xlsx"),
    ("Đề xuất.ods", "de-xuat.ods"),
    ("báo cáo.xls", "bao-cao.xls"),
    ("NUL.xlsx", "file-nul.xlsx"),
    ("...xlsx", "x.xlsx"),
    ("/etc/passwd", "passwd.xlsx"),
    ("a" * 300 + ".xlsx", "a" * 80 + ".xlsx"),
])
def test_safe_names(original, expected):
    assert safe_name(original) == expected


def test_new_files_never_overwrite(tmp_path):
    (tmp_path / "bao-cao.xlsx").write_bytes(b"old")
    first = write_new_file(tmp_path, "bao-cao.xlsx", b"new")
    second = write_new_file(tmp_path, "bao-cao.xlsx", b"newer")
    assert (first.name, second.name) == ("bao-cao-2.xlsx", "bao-cao-3.xlsx")
    assert (tmp_path / "bao-cao.xlsx").read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_file_already_in_inbox_is_listed_not_copied(run_cli, tmp_path):
    inbox = tmp_path / "INBOX"
    inbox.mkdir()
    (inbox / "tu-tay.xlsx").write_bytes(SON_HONG)  # saved by hand, or by a run that stopped before listing it
    result = run_cli("collect", eml_folder(tmp_path), "--out", inbox)
    assert result.exit_code == 0, result.output
    rows = {r["sha256"]: r for r in read_received(inbox)}
    assert rows[hashlib.sha256(SON_HONG).hexdigest()]["file"] == "tu-tay.xlsx"
    assert not (inbox / "bao-cao-cchc-xa-son-hong.xlsx").exists()


def test_dropped_connection_keeps_what_was_collected(run_cli, tmp_path, monkeypatch):
    import contextlib

    mails = [RawMail(raw, f"#{n}") for n, (raw, _) in enumerate(returns()[:2], start=1)]

    def dropping():
        yield from mails
        raise CchcError("mail-imap-disconnected", source="imap://officer@mail.example/INBOX", reason="connection reset")

    monkeypatch.setattr(collect_module, "open_source", lambda *a, **k: contextlib.nullcontext(dropping()))
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", "imap://officer@mail.example/INBOX", "--out", inbox, input="x\n")
    assert result.exit_code == 2
    assert "bị dừng giữa chừng" in result.output and "connection reset" in result.output and "2 tệp đã lưu" in result.output
    assert {r["file"] for r in read_received(inbox)} == {"bao-cao-cchc-xa-son-hong.xlsx", "bao-cao-kim-hoa-6-thang.xlsx"}
    assert not [p for p in inbox.iterdir() if p.name.startswith(".")]


def test_unknown_source_and_missing_source(run_cli, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a mailbox")
    assert run_cli("collect", text, "--out", tmp_path / "o").exit_code == 2
    missing = run_cli("collect", tmp_path / "khong-co", "--out", tmp_path / "o")
    assert missing.exit_code == 2 and "Không tìm thấy" in missing.output
    bad_url = run_cli("collect", "imaps://mail.example/INBOX", "--out", tmp_path / "o")
    assert bad_url.exit_code == 2 and "không hợp lệ" in bad_url.output


def test_garbage_message_is_harmless(tmp_path):
    from cchc_sheets.mail.collect import collect

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.eml").write_bytes(b"\x00\xff\xfe" * 100)
    (folder / "b.eml").write_bytes(b"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: "
                                   b"application/zip; name=\"r.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                   b"not base64 !!!\r\n--x")
    report = collect(str(folder), tmp_path / "INBOX")
    assert report.messages == 2 and report.saved == []
    assert [f.code for f in report.findings] == ["mail-zip-unsafe"]
    assert email.message_from_bytes((folder / "a.eml").read_bytes()) is not None


# --------------------------------------------------------------------------- the round trip


def test_collected_returns_merge_on_time_and_late_by_mail_time(run_cli, tmp_path, units_file):
    """template -> returns by mail (one late) -> collect -> merge: on time / late follow the Date header."""
    import openpyxl

    from cchc_sheets.forms import load_form
    from cchc_sheets.template.fill import fill_workbook

    assert run_cli("template", "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "t").exit_code == 0
    with open(tmp_path / "t" / "manifest.csv", encoding="utf-8-sig") as handle:
        manifest = list(csv.DictReader(handle))
    values = {i.code: (2 if i.is_numeric else "Hội nghị") for i in load_form("tuyen-truyen-cchc").indicators}
    folder = tmp_path / "mail"
    folder.mkdir()
    dates = {"T01": "Thu, 18 Jun 2020 09:00:00 +0700", "T02": "Thu, 25 Jun 2020 15:00:00 +0700",
             "T03": "Sat, 20 Jun 2020 23:30:00 +0700"}
    for row in manifest:
        message = new_message((row["name"], row["email"]), f"Re: báo cáo {row['name']}", dates[row["code"]], f"<{row['code']}@x>")
        attach(message, fill_workbook(tmp_path / "t" / row["file"], values), rfc2231=f"Báo cáo {row['name']}.xlsx")
        (folder / f"{row['code']}.eml").write_bytes(message.as_bytes())
    assert run_cli("collect", folder, "--out", tmp_path / "INBOX").exit_code == 0
    run_cli("merge", tmp_path / "INBOX", "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "m.xlsx")

    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx", read_only=True)["Tình hình nộp"]
    rows = list(sheet.iter_rows(values_only=True))
    header_index = next(i for i, r in enumerate(rows) if r and "Mã đơn vị" in r)
    header = rows[header_index]
    table = rows[header_index + 1:]
    table = table[:next((i for i, r in enumerate(table) if not any(r)), len(table))]  # up to the first blank row
    status = {r[header.index("Mã đơn vị")]: r for r in table}
    on_time = {code: r[header.index("Đúng hạn")] for code, r in status.items()}
    assert on_time == {"T01": "Đúng hạn", "T02": "Trễ hạn", "T03": "Đúng hạn"}
    assert status["T02"][header.index("Người gửi")] == "Xã Thử Nghiệm Hai <t02@example.org>"
