"""cchc send against a real SMTP server on loopback (aiosmtpd), and the .eml dry run."""
from __future__ import annotations

import csv
import email
import hashlib
from email import policy
from email.header import decode_header, make_header
from email.utils import collapse_rfc2231_value
from pathlib import Path

import pytest

from cchc_sheets.fileio import ascii_slug
from cchc_sheets.layout import META_KEYS, META_SHEET
from cchc_sheets.mail.compose import rfc2231_parameter
from mailservers import smtp_server  # noqa: F401  (fixture)

FROM = "phongnoivu@huongson.example"
CONTACT = "Chị Lan, Phòng Nội vụ, 0239 3875 123"
UNITS = [
    ("18118", "Xã An Hòa Thịnh", "xa-an-hoa-thinh@example.com"),
    ("18106", "Xã Sơn Hồng", "xa-son-hong@example.com"),
    ("18157", "Xã Kim Hoa", "xa-kim-hoa@example.com"),
    ("18100", "Thị trấn Phố Châu", "tt-pho-chau@example.com"),
]


def _workbook(path: Path, code: str, name: str) -> None:
    """A small stand-in for a template: a visible sheet and the hidden metadata sheet."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Báo cáo"
    workbook.active["A4"] = f"Đơn vị báo cáo: {name} (mã {code})"
    meta = workbook.create_sheet(META_SHEET)
    values = {"form_id": "tuyen-truyen-cchc", "unit_code": code, "unit_name": name,
              "parent_name": "UBND huyện Hương Sơn", "period": "2020-H1", "deadline": "2020-06-20"}
    for row, key in enumerate(META_KEYS, start=1):
        meta.cell(row, 1, key)
        meta.cell(row, 2, values.get(key, ""))
    meta.sheet_state = "hidden"
    workbook.save(path)


def make_mailing(folder: Path, units=UNITS, period_columns: bool = True) -> Path:
    """manifest.csv + one workbook per unit, as the template writer lays them out."""
    folder.mkdir(parents=True, exist_ok=True)
    header = ["code", "name", "email", "file", "sha256"] + (["period", "form_id", "deadline"] if period_columns else [])
    rows = []
    for code, name, address in units:
        file_name = f"2020-H1_tuyen-truyen-cchc_{code}_{ascii_slug(name)}.xlsx"
        _workbook(folder / file_name, code, name)
        digest = hashlib.sha256((folder / file_name).read_bytes()).hexdigest()
        extra = ["2020-H1", "tuyen-truyen-cchc", "2020-06-20"] if period_columns else []
        rows.append([code, name, address, file_name, digest] + extra)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header] + rows)
    return folder / "manifest.csv"


def manifest_rows(manifest: Path) -> dict[str, dict]:
    with open(manifest, encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def send_args(manifest: Path, server) -> list:
    return ["send", "--manifest", manifest, "--smtp-host", server.host, "--smtp-port", server.port,
            "--from", FROM, "--contact", CONTACT]


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def attachment(message):
    parts = list(message.iter_attachments())
    assert len(parts) == 1
    return parts[0]


def vietnamese_filename(part) -> str:
    """The RFC 2231 filename* value, read with the compat32 parser as a 2231-aware client would."""
    legacy = email.message_from_bytes(part.as_bytes())
    encoded = [v for k, v in legacy.get_params(header="content-disposition") if k == "filename" and isinstance(v, tuple)]
    assert encoded, "no filename*= parameter"
    return collapse_rfc2231_value(encoded[0])


def log_rows(manifest: Path) -> list[dict]:
    with open(manifest.parent / "send-log.csv", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def mailing(tmp_path):
    return make_mailing(tmp_path / "templates")


def test_one_message_per_unit_with_its_own_template(smtp_server, run_cli, mailing):
    result = run_cli(*send_args(mailing, smtp_server))
    assert result.exit_code == 0, result.output
    assert len(smtp_server.envelopes) == len(UNITS)
    expected = manifest_rows(mailing)
    for envelope in smtp_server.envelopes:
        message = parse(envelope.content)
        code = message["X-CCHC-Unit"]
        row = expected.pop(code)
        assert envelope.rcpt_tos == [row["email"]]
        assert envelope.mail_from == FROM
        assert message["To"].addresses[0].addr_spec == row["email"]
        assert message["Subject"] == f"[CCHC] Đề nghị gửi báo cáo tuyên truyền CCHC 6 tháng đầu năm 2020 – {row['name']}"
        part = attachment(message)
        assert hashlib.sha256(part.get_content()).hexdigest() == row["sha256"]
        assert f'filename="{row["file"]}"' in str(part.as_bytes(), "ascii")
        assert vietnamese_filename(part) == (
            f"Công tác Tuyên truyền cải cách hành chính 6 tháng đầu năm 2020 - {row['name']}.xlsx")
        body = message.get_body(("plain",)).get_content()
        assert f"Kính gửi: {row['name']}" in body
        assert "20/6/2020" in body and CONTACT in body and "UBND huyện Hương Sơn" in body
    assert expected == {}
    assert [r["status"] for r in log_rows(mailing)] == ["sent"] * len(UNITS)


def test_subject_is_encoded_as_rfc2047_words(smtp_server, run_cli, mailing):
    run_cli(*send_args(mailing, smtp_server))
    raw_subject = email.message_from_bytes(smtp_server.envelopes[0].content)["Subject"]
    assert raw_subject.isascii() and "=?utf-8?" in raw_subject
    assert "tuyên truyền CCHC" in str(make_header(decode_header(raw_subject)))


def test_period_and_deadline_come_from_the_workbook_when_the_manifest_lacks_them(smtp_server, run_cli, tmp_path):
    manifest = make_mailing(tmp_path / "t", UNITS[:1], period_columns=False)
    result = run_cli(*send_args(manifest, smtp_server))
    assert result.exit_code == 0, result.output
    message = parse(smtp_server.envelopes[0].content)
    assert "6 tháng đầu năm 2020" in message["Subject"]
    assert "chậm nhất ngày 20/6/2020" in message.get_body(("plain",)).get_content()


def test_unit_without_email_is_listed_and_logged(smtp_server, run_cli, tmp_path):
    manifest = make_mailing(tmp_path / "t", UNITS[:2] + [("18199", "Xã Không Thư", "")])
    result = run_cli(*send_args(manifest, smtp_server))
    assert result.exit_code == 1
    assert len(smtp_server.envelopes) == 2
    assert "18199" in result.output and "Xã Không Thư" in result.output and "chưa có địa chỉ email" in result.output
    statuses = {r["code"]: r["status"] for r in log_rows(manifest)}
    assert statuses == {"18118": "sent", "18106": "sent", "18199": "no-email"}


def test_dry_run_writes_the_same_messages_as_eml(smtp_server, run_cli, mailing, tmp_path):
    out = tmp_path / "eml"
    result = run_cli(*send_args(mailing, smtp_server), "--dry-run", "--out", out)
    assert result.exit_code == 0, result.output
    assert smtp_server.envelopes == [] and not (mailing.parent / "send-log.csv").exists()
    drafts = {parse(p.read_bytes())["X-CCHC-Unit"]: parse(p.read_bytes()) for p in sorted(out.glob("*.eml"))}
    assert len(drafts) == len(UNITS)
    run_cli(*send_args(mailing, smtp_server))
    for envelope in smtp_server.envelopes:
        sent = parse(envelope.content)
        draft = drafts[sent["X-CCHC-Unit"]]
        for header in ("From", "To", "Subject"):
            assert draft[header] == sent[header]
        assert attachment(draft).get_content() == attachment(sent).get_content()
        assert attachment(draft)["Content-Disposition"] == attachment(sent)["Content-Disposition"]
        assert draft.get_body(("plain",)).get_content() == sent.get_body(("plain",)).get_content()


def test_resume_after_a_refused_recipient_sends_only_the_rest(smtp_server, run_cli, mailing):
    third = UNITS[2][2]
    smtp_server.refuse.add(third)
    first = run_cli(*send_args(mailing, smtp_server))
    assert first.exit_code == 1
    assert "18157" in first.output and "không nhận thư" in first.output
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == sorted(u[2] for u in UNITS if u[2] != third)

    smtp_server.refuse.clear()
    smtp_server.envelopes.clear()
    second = run_cli(*send_args(mailing, smtp_server))
    assert second.exit_code == 0, second.output
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[third]]

    smtp_server.envelopes.clear()
    third_run = run_cli(*send_args(mailing, smtp_server))
    assert third_run.exit_code == 0 and smtp_server.envelopes == []
    assert [r["status"] for r in log_rows(mailing)] == ["sent", "sent", "failed", "sent", "sent"]


def test_a_changed_template_is_sent_again(smtp_server, run_cli, mailing):
    run_cli(*send_args(mailing, smtp_server))
    smtp_server.envelopes.clear()
    rows = manifest_rows(mailing)
    changed = mailing.parent / rows["18106"]["file"]
    _workbook(changed, "18106", "Xã Sơn Hồng (bản sửa)")
    text = mailing.read_text(encoding="utf-8").replace(rows["18106"]["sha256"], hashlib.sha256(changed.read_bytes()).hexdigest())
    mailing.write_text(text, encoding="utf-8")
    result = run_cli(*send_args(mailing, smtp_server))
    assert result.exit_code == 0, result.output
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["xa-son-hong@example.com"]]


def test_a_template_changed_behind_the_manifest_is_not_sent(smtp_server, run_cli, mailing):
    target = mailing.parent / manifest_rows(mailing)["18157"]["file"]
    target.write_bytes(target.read_bytes() + b"tampered")
    result = run_cli(*send_args(mailing, smtp_server))
    assert result.exit_code == 1
    assert "18157" in result.output and "sha256" in result.output
    assert len(smtp_server.envelopes) == len(UNITS) - 1


def test_password_from_environment_and_never_an_option(smtp_server, run_cli, mailing, monkeypatch):
    monkeypatch.setenv("CCHC_SMTP_PASSWORD", "secret")
    result = run_cli(*send_args(mailing, smtp_server), "--smtp-user", "officer")
    assert result.exit_code == 0, result.output
    assert smtp_server.logins == ["officer"]
    help_text = run_cli("send", "--help").output
    assert "--password" not in help_text and "--smtp-password" not in help_text


def test_wrong_password_from_the_prompt_is_a_clear_error(smtp_server, run_cli, mailing, monkeypatch):
    monkeypatch.delenv("CCHC_SMTP_PASSWORD", raising=False)
    result = run_cli(*send_args(mailing, smtp_server), "--smtp-user", "officer", input="wrong\n")
    assert result.exit_code == 2
    assert f"{smtp_server.host}:{smtp_server.port}" in result.output and "từ chối đăng nhập" in result.output
    assert "wrong" not in result.output  # hidden prompt, never echoed
    assert smtp_server.envelopes == []


def test_no_server_listening_is_a_clear_error(run_cli, mailing):
    from mailservers import free_port

    port = free_port()
    result = run_cli("send", "--manifest", mailing, "--smtp-host", "127.0.0.1", "--smtp-port", port, "--from", FROM)
    assert result.exit_code == 2
    assert f"Không kết nối được máy chủ gửi thư 127.0.0.1:{port}" in result.output


def test_rfc2231_continuations_never_split_an_escape():
    text = rfc2231_parameter("filename", "Đ" * 40 + ".xlsx", width=20)
    lines = [line.strip() for line in text.split("\r\n") if line.strip()]
    assert all(len(line) < 40 for line in lines)
    values = [line.split("=", 1)[1].rstrip(";") for line in lines]
    assert all(v.count("%") * 3 <= len(v) and not v.endswith("%") and v[-2:-1] != "%" for v in values)
    raw = b"Content-Disposition: attachment;" + text.encode() + b"\r\n\r\n"
    legacy = email.message_from_bytes(raw)
    assert collapse_rfc2231_value(legacy.get_params(header="content-disposition")[1][1]) == "Đ" * 40 + ".xlsx"
