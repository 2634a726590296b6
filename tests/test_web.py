"""``cchc web`` through Starlette's test client: pages, the JSON API, and what it refuses."""
from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import date

import openpyxl
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from cchc_sheets.web import UploadLimits, create_app  # noqa: E402
from cchc_sheets.workspace import init_workspace  # noqa: E402

from builders import CLEAN_VALUES, make_return  # noqa: E402

PERIOD = "2020-H1"
SCRIPT_NOTE = "<script>alert('xã')</script>"


@pytest.fixture
def workspace(tmp_path, units_file):
    ws = init_workspace(tmp_path / "ws", "tuyen-truyen-cchc", units_file, sender="vp@example.org")
    yield ws
    ws.close()


@pytest.fixture
def app(workspace):
    return create_app(workspace)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        client.headers["X-CSRF-Token"] = app.state.csrf
        yield client


@pytest.fixture
def returns(tmp_path, form, units, period):
    """T01 clean; T02 with an error (text in a number cell) and a note holding a script."""
    by_code = units.by_code()
    clean = make_return(tmp_path / "in", form, by_code["T01"], period, CLEAN_VALUES)
    bad = make_return(tmp_path / "in", form, by_code["T02"], period, {**CLEAN_VALUES, "01": "mười hai"},
                      notes={"01": SCRIPT_NOTE})
    return [clean, bad]


def upload(client, paths, period=PERIOD, **data):
    files = [("files", (p.name, p.read_bytes() if hasattr(p, "read_bytes") else p[1])) if hasattr(p, "name")
             else ("files", p) for p in paths]
    return client.post("/api/returns", data={"period": period, **data}, files=files)


def wait(client, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["done"]:
            return state
        time.sleep(0.05)
    raise AssertionError("the upload job did not finish")


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    home = client.get(f"/?period={PERIOD}")
    assert home.status_code == 200 and "Tổng quan" in home.text and "Xã Thử Nghiệm Một" in home.text
    english = client.get(f"/board?period={PERIOD}&lang=en")
    assert "Status board" in english.text and "Not sent" in english.text
    assert client.cookies.get("cchc_lang") == "en"      # the choice sticks
    assert "Status board" in client.get("/board").text
    for path in ("/templates", "/returns", "/consolidate", "/audit", "/units/T01"):
        assert client.get(path).status_code == 200, path


def test_security_headers_and_offline_front_end(client):
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "/static/htmx.min.js" in page.text and "http" not in page.text.split("<body")[0].replace(
        "http-equiv", "")
    for name in ("htmx.min.js", "sse.min.js", "app.js", "app.css"):
        assert client.get(f"/static/{name}").status_code == 200


def test_state_changing_requests_need_the_csrf_token(app):
    with TestClient(app) as bare:
        assert bare.post("/api/templates", json={"period": PERIOD}).status_code == 403
        assert bare.post("/api/templates", data={"period": PERIOD}).status_code == 403
        assert bare.post("/api/merge", data={"period": PERIOD, "csrf_token": "wrong"}).status_code == 403
        assert bare.post("/api/lock", headers={"X-CSRF-Token": "wrong"}, json={"by": "A"}).status_code == 403
        assert bare.post("/api/returns", files=[("files", ("a.xlsx", b"x"))]).status_code == 403
        ok = bare.post("/api/templates", data={"period": PERIOD, "csrf_token": app.state.csrf})
        assert ok.status_code == 200 and ok.json()["templates"] == 3


def test_templates_made_zipped_and_mailed_as_a_dry_run(client, workspace):
    made = client.post("/api/templates", json={"period": PERIOD}).json()
    assert made == {"period": PERIOD, "templates": 3, "zip": f"/download/templates.zip?period={PERIOD}"}
    archive = zipfile.ZipFile(io.BytesIO(client.get(made["zip"]).content))
    names = archive.namelist()
    assert "manifest.csv" in names and sum(n.endswith(".xlsx") for n in names) == 3
    sent = client.post("/api/templates/send", json={"period": PERIOD, "dry_run": "1"}).json()
    assert sent["dry_run"] is True
    assert len(list((workspace.root / "thu-nhap" / PERIOD).glob("*.eml"))) == 3
    assert "2020-H1_tuyen-truyen-cchc_T01" in client.get(f"/templates?period={PERIOD}").text


def test_upload_checks_records_and_the_board_shows_status_and_errors(client, returns):
    started = upload(client, returns)
    assert started.status_code == 202
    state = wait(client, started.json()["job"])
    assert [f["status"] for f in state["files"]] == ["valid", "invalid"]
    assert all(f["recorded"] for f in state["files"])
    status = client.get(f"/api/status?period={PERIOD}").json()
    units = {u["unit_code"]: u for u in status["units"]}
    assert units["T01"]["status"] == "valid" and units["T01"]["errors"] == 0 and units["T01"]["counted"]
    assert units["T02"]["status"] == "invalid" and units["T02"]["errors"] >= 1
    assert units["T03"]["status"] == "missing" and not units["T03"]["submitted"]
    assert status["expected"] == 3 and status["submitted"] == 2 and status["completeness"] == round(2 / 3, 4)
    board = client.get(f"/board?period={PERIOD}&status=invalid").text
    assert "Xã Thử Nghiệm Hai" in board and "Xã Thử Nghiệm Một" not in board


def test_the_boards_refresh_sends_rows_only_when_they_changed(client, returns):
    import re

    def seen(html):
        return re.search(r'id="board-seen" value="([0-9a-f]+)"', html).group(1)

    first = seen(client.get(f"/board?period={PERIOD}").text)
    again = client.get(f"/board/rows?period={PERIOD}&seen={first}")
    assert (again.status_code, again.content) == (204, b"")               # nothing changed: htmx swaps nothing
    wait(client, upload(client, returns[:1]).json()["job"])
    changed = client.get(f"/board/rows?period={PERIOD}&seen={first}")
    assert changed.status_code == 200 and 'data-unit="T01"' in changed.text and 'class="status-valid"' in changed.text
    assert seen(changed.text) != first and 'hx-swap-oob="true"' in changed.text
    assert client.get(f"/board/rows?period={PERIOD}&seen={seen(changed.text)}").status_code == 204
    only_valid = client.get(f"/board/rows?period={PERIOD}&status=valid&seen={seen(changed.text)}")
    assert only_valid.status_code == 200 and only_valid.text.count("data-unit=") == 1     # a filter is a change


def test_progress_is_streamed_as_server_sent_events(client, returns):
    job = upload(client, returns).json()
    with client.stream("GET", job["events"]) as stream:
        body = "".join(stream.iter_text())
    assert body.count("event: progress") >= 1 and "event: done" in body
    assert "2/2" in body and "xa-thu-nghiem-hai.xlsx" in body


def test_a_note_holding_a_script_shows_as_text(client, returns):
    wait(client, upload(client, returns).json()["job"])
    page = client.get(f"/units/T02?period={PERIOD}").text
    assert SCRIPT_NOTE not in page and "&lt;script&gt;alert(&#39;xã&#39;)&lt;/script&gt;" in page


def test_a_units_page_has_its_findings_versions_and_differences(client, returns, tmp_path, form, units, period):
    wait(client, upload(client, returns).json()["job"])
    fixed = make_return(tmp_path / "again", form, units.by_code()["T02"], period, {**CLEAN_VALUES, "01": 15},
                        name="xa-thu-nghiem-hai-sua.xlsx")
    wait(client, upload(client, [fixed]).json()["job"])
    unit = client.get(f"/api/units/T02?period={PERIOD}").json()
    first, second = unit["versions"]
    assert first["status"] == "invalid" and any(f["cell"] and f["sheet"] for f in first["findings"])
    assert second["current"] and second["counted"]
    assert {"cell": "01", "old": None, "new": 15} in second["differences"] or any(
        d["cell"] == "01" and d["new"] == 15 for d in second["differences"])
    page = client.get(f"/units/T02?period={PERIOD}").text
    assert "Lần gửi 2" in page and "Lần gửi 1" in page and "Thay đổi so với lần gửi trước" in page


def test_marked_up_copy_of_a_return_with_errors(client, returns):
    wait(client, upload(client, returns).json()["job"])
    got = client.get(f"/units/T02/feedback?period={PERIOD}")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert client.get(f"/units/T01/feedback?period={PERIOD}").status_code == 404   # nothing to mark


def test_hostile_and_odd_uploads_are_findings_or_refusals_never_a_crash(client, returns):
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w") as archive:
        archive.writestr("thu-muc/../../tra-ve.xlsx", returns[0].read_bytes())
        archive.writestr("readme.txt", "không phải bảng tính")
    uploads = [("rac.xlsx", os.urandom(3000)), ("ghi-chu.txt", b"hello"), ("hong.zip", b"PK\x03\x04 broken"),
               ("goi.zip", members.getvalue())]
    state = wait(client, upload(client, uploads).json()["job"])
    by_name = {f["name"]: f for f in state["files"]}
    assert by_name["rac.xlsx"]["status"] == "unreadable" and by_name["rac.xlsx"]["findings"]
    assert by_name["ghi-chu.txt"]["status"] == "refused" and "không phải bảng tính" in by_name["ghi-chu.txt"]["refused"]
    assert by_name["hong.zip"]["status"] == "refused"
    assert by_name["tra-ve.xlsx"]["status"] == "valid"           # the zip member's path is dropped, not followed
    assert state["error"] is None


def test_uploads_are_limited_in_size_and_count(workspace, returns):
    app = create_app(workspace, limits=UploadLimits(max_files=1, max_bytes=10_000_000, max_file_bytes=5_000))
    with TestClient(app) as client:
        client.headers["X-CSRF-Token"] = app.state.csrf
        state = wait(client, upload(client, returns).json()["job"])
        assert [f["status"] for f in state["files"]] == ["refused", "refused"]   # each over 5 kB
        small = [("a.xlsx", b"x" * 100), ("b.xlsx", b"y" * 100)]
        state = wait(client, upload(client, small).json()["job"])
        assert [f["status"] for f in state["files"]] == ["unreadable", "refused"]  # one file at most
        huge = client.post("/api/returns", content=b"x", headers={"content-length": str(12 * 1024 * 1024),
                                                                   "content-type": "multipart/form-data; boundary=x"})
        assert huge.status_code == 413


@pytest.mark.parametrize("path", [
    "/files/../cchc.yaml", "/files/%2e%2e/%2e%2e/etc/passwd", "/files/bieu-mau/%2e%2e/cchc.yaml",
    "/files//etc/passwd", "/files/%2Fetc%2Fpasswd", "/files/ledger.sqlite", "/files/cchc.yaml",
    "/files/units.csv", "/files/bieu-mau/..%2F..%2Fcchc.yaml", "/files/bieu-mau/%2e%2e%2f%2e%2e%2fetc/passwd",
    "/files/bieu-mau/link-out", "/files/bieu-mau/",
])
def test_downloads_only_from_the_workspaces_own_folders(client, workspace, path):
    (workspace.root / "bieu-mau").mkdir(exist_ok=True)
    outside = workspace.root.parent / "secret.txt"
    outside.write_text("secret")
    link = workspace.root / "bieu-mau" / "link-out"
    if not link.exists():
        link.symlink_to(outside)
    got = client.get(path)
    assert got.status_code == 404 and "secret" not in got.text and "root:" not in got.text


def test_merge_downloads_and_totals(client, returns, workspace):
    wait(client, upload(client, returns).json()["job"])
    merged = client.post("/api/merge", json={"period": PERIOD}).json()
    assert merged["counted"] == 1 and merged["totals"]["01"] == CLEAN_VALUES["01"]
    workbook = client.get(merged["workbook"])
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames[0]
    long = client.get(merged["long"]).text
    assert "T01" in long
    drafted = client.post("/api/draft", json={"period": PERIOD}).json()
    assert client.get(drafted["draft"]).content[:2] == b"PK"



def test_the_consolidate_page_draws_the_totals_as_an_svg_bar_chart(client, returns):
    import re

    wait(client, upload(client, returns).json()["job"])
    client.post("/api/merge", json={"period": PERIOD})
    page = client.get(f"/consolidate?period={PERIOD}").text
    rows = dict(re.findall(r'<g class="chart-row" data-code="([^"]+)" data-value="([^"]+)"', page))
    assert float(rows["01"]) == CLEAN_VALUES["01"]
    widths = [float(w) for w in re.findall(r'<rect class="chart-bar" x="\d+" y="\d+" width="([\d.]+)"', page)]
    assert len(widths) == len(rows) and max(widths) == 330.0      # the largest total: the longest bar
    assert "<svg" in page and "<script" not in page.split("<main")[1]


def test_lock_needs_a_name_unlock_needs_a_reason_and_the_audit_trail_shows_both(client, returns):
    wait(client, upload(client, returns).json()["job"])
    assert client.post("/api/lock", json={"period": PERIOD, "by": ""}).json()["error"] == "web-name-required"
    locked = client.post("/api/lock", json={"period": PERIOD, "by": "Chị Lan", "note": "đã báo cáo huyện"}).json()
    assert locked["locked"] and len(locked["workbook_sha256"]) == 64
    assert client.get(f"/api/status?period={PERIOD}").json()["locked"] is True
    refused = client.post("/api/unlock", json={"period": PERIOD, "by": "Chị Lan", "reason": " "})
    assert refused.status_code == 400 and refused.json()["error"] == "ledger-unlock-needs-reason"
    assert client.post("/api/unlock", json={"period": PERIOD, "by": "Chị Lan", "reason": "xã sửa số"}).json()[
        "locked"] is False
    kinds = [e["kind"] for e in client.get(f"/api/audit?period={PERIOD}").json()["events"]]
    assert "received" in kinds and "locked" in kinds and "unlocked" in kinds
    page = client.get(f"/audit?period={PERIOD}").text
    assert "khóa kỳ" in page and "xã sửa số" in page


def test_merging_a_locked_period_gives_back_the_locked_workbook_byte_for_byte(client, returns, workspace, tmp_path,
                                                                            form, units, period):
    import hashlib

    wait(client, upload(client, returns).json()["job"])
    locked = client.post("/api/lock", json={"period": PERIOD, "by": "Chị Lan"}).json()
    workbook = workspace.root / "tong-hop" / PERIOD / "tong-hop.xlsx"
    time.sleep(1.1)                                          # a new merge would carry a new time
    later = make_return(tmp_path / "sau", form, units.by_code()["T02"], period, CLEAN_VALUES)
    wait(client, upload(client, [later]).json()["job"])      # received after the lock: not counted
    again = client.post("/api/merge", json={"period": PERIOD}).json()
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == locked["workbook_sha256"]
    assert (again["counted"], again["totals"]["01"]) == (1, CLEAN_VALUES["01"])
    workbook.unlink()                                        # the copy kept under files/ brings it back
    client.post("/api/draft", json={"period": PERIOD})
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == locked["workbook_sha256"]
    digest = locked["workbook_sha256"]
    kept = workspace.root / "files" / digest[:2] / f"{digest}.xlsx"
    kept.unlink()
    workbook.unlink()                                        # both lost: rebuilt from the ledger as at the lock
    assert client.post("/api/merge", json={"period": PERIOD}).json()["counted"] == 1
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == digest == hashlib.sha256(kept.read_bytes()).hexdigest()
    client.post("/api/unlock", json={"period": PERIOD, "by": "Chị Lan", "reason": "xã sửa số"})
    time.sleep(1.1)
    unlocked = client.post("/api/merge", json={"period": PERIOD}).json()
    assert unlocked["counted"] == 2
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() != locked["workbook_sha256"]


def test_a_shared_page_needs_the_password_and_says_it_is_shared(workspace):
    app = create_app(workspace, password="mat-khau", shared=True)
    with TestClient(app) as client:
        assert client.get("/").status_code == 401
        assert client.get("/", auth=("", "sai")).status_code == 401
        page = client.get("/", auth=("can-bo", "mat-khau"))
        assert page.status_code == 200 and "đang được chia sẻ" in page.text
    with pytest.raises(ValueError):
        create_app(workspace, shared=True)


def test_the_command_refuses_another_host_without_a_password(run_cli, workspace, monkeypatch):
    monkeypatch.delenv("CCHC_WEB_PASSWORD", raising=False)
    result = run_cli("web", "--workspace", workspace.root, "--host", "0.0.0.0", "--no-browser")
    assert result.exit_code == 2 and "CCHC_WEB_PASSWORD" in result.output
    assert run_cli("web", "--help").exit_code == 0


# ---------------------------------------------------------------------- mail: collect, and the marked-up copy back
from mailservers import imap_server, mail_with_return, smtp_server  # noqa: E402,F401  (fixtures)


@pytest.fixture
def mail_workspace(tmp_path, units_file, imap_server, smtp_server):
    ws = init_workspace(tmp_path / "ws-mail", "tuyen-truyen-cchc", units_file, sender="vp@example.org",
                        imap_host=f"imap://{imap_server.host}:{imap_server.port}/INBOX",
                        smtp_host=f"{smtp_server.host}:{smtp_server.port}")
    yield ws
    ws.close()


@pytest.mark.imap
def test_collect_from_the_mailbox_checks_and_records_with_the_mail_time(mail_workspace, imap_server, returns):
    imap_server.reset()
    for path, day in zip(returns, ("Fri, 19 Jun 2020", "Tue, 23 Jun 2020")):
        imap_server.append(mail_with_return(path, "xa@example.org", day))
    app = create_app(mail_workspace)
    with TestClient(app) as client:
        client.headers["X-CSRF-Token"] = app.state.csrf
        refused = client.post("/api/collect", data={"period": PERIOD, "user": "officer", "password": "sai"})
        assert wait(client, refused.json()["job"])["error_code"] == "mail-imap-login-failed"
        assert client.post("/api/collect", data={"period": PERIOD}).json()["error"] == "web-imap-user-required"
        started = client.post("/api/collect", data={"period": PERIOD, "user": imap_server.user,
                                                    "password": imap_server.password})
        assert started.status_code == 202
        state = wait(client, started.json()["job"])
        assert (state["error_code"], state["total"], state["checked"]) == (None, 2, 2)
        status = {u["unit_code"]: u for u in client.get(f"/api/status?period={PERIOD}").json()["units"]}
        assert (status["T01"]["status"], status["T01"]["on_time"]) == ("valid", True)     # 19/06, deadline 20/06
        assert (status["T02"]["status"], status["T02"]["on_time"]) == ("invalid", False)  # 23/06
        again = wait(client, client.post("/api/collect", data={"period": PERIOD, "user": imap_server.user,
                                                               "password": imap_server.password}).json()["job"])
        assert again["total"] == 0                       # nothing new: the mailbox is only read, never changed
    assert "sai" not in (mail_workspace.root / "cchc.yaml").read_text(encoding="utf-8")
    with sqlite3_connect(mail_workspace) as raw:
        ids = sorted(row[0] for row in raw.execute("SELECT message_id FROM files WHERE message_id IS NOT NULL"))
    assert ids == sorted(f"<{p.stem}@xa.example.org>" for p in returns)


def sqlite3_connect(workspace):
    import contextlib
    import sqlite3

    return contextlib.closing(sqlite3.connect(workspace.root / "ledger.sqlite"))


def test_the_marked_up_copy_is_mailed_back_or_drafted(mail_workspace, smtp_server, returns):
    import email

    app = create_app(mail_workspace)
    with TestClient(app) as client:
        client.headers["X-CSRF-Token"] = app.state.csrf
        wait(client, upload(client, returns).json()["job"])
        nothing = client.post("/api/units/T01/mail", data={"period": PERIOD})
        assert nothing.json()["error"] == "web-no-feedback-to-mail"           # T01 is clean
        drafted = client.post("/api/units/T02/mail", data={"period": PERIOD, "dry_run": "1"}).json()
        assert (drafted["dry_run"], drafted["results"]) == (True, {"drafted": 1}) and smtp_server.envelopes == []
        eml = email.message_from_bytes(client.get(drafted["drafts"][0]).content)
        sent = client.post("/api/units/T02/mail", data={"period": PERIOD}).json()
        assert (sent["dry_run"], sent["results"]) == (False, {"sent": 1})
        assert client.post("/api/units/T02/mail", data={"period": PERIOD}).json()["results"] == {"already-sent": 1}
    assert len(smtp_server.envelopes) == 1 and smtp_server.envelopes[0].rcpt_tos == [eml["To"].split("<")[-1][:-1]]
    attachment = next(p for p in eml.walk() if p.get_filename())
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_payload(decode=True)))
    assert book.sheetnames                                   # the marked-up copy itself


@pytest.mark.parametrize("typed, seen", [("19/06/2020", date(2020, 6, 19)), (" 1.6.2020 ", date(2020, 6, 1)),
                                          ("2020-06-19", date(2020, 6, 19))])
def test_a_date_is_typed_day_first_or_iso(typed, seen):
    from cchc_sheets.web.routes import day_month_year

    assert day_month_year(typed) == seen


def test_a_date_the_page_cannot_read_is_refused_before_the_mailbox_is_asked(client):
    for typed in ("31/02/2020", "06/19", "2020/06/19"):
        refused = client.post("/api/collect", data={"period": PERIOD, "user": "a", "since": typed})
        assert (refused.status_code, refused.json()["error"]) == (400, "web-date-invalid")


def test_without_smtp_the_copy_is_drafted_into_the_workspace(client, returns, workspace):
    wait(client, upload(client, returns).json()["job"])
    done = client.post("/api/units/T02/mail", data={"period": PERIOD}).json()
    assert (done["dry_run"], done["results"]) == (True, {"drafted": 1})
    assert [p.suffix for p in (workspace.root / "thu-nhap" / PERIOD).iterdir()] == [".eml"]
    assert client.post("/api/collect", data={"period": PERIOD, "user": "a"}).json()["error"] == "web-imap-host-missing"


@pytest.fixture
def big_client(tmp_path):
    """A workspace of 320 units (more than the board's page of 300), none sent yet."""
    units_csv = tmp_path / "many.csv"
    units_csv.write_text("code,name,parent\n" + "".join(f"U{i:03d},Xã Số {i:03d},Huyện Thử\n" for i in range(320)),
                         encoding="utf-8")
    ws = init_workspace(tmp_path / "many", "tuyen-truyen-cchc", units_csv)
    app = create_app(ws)
    with TestClient(app) as client:
        client.headers["X-CSRF-Token"] = app.state.csrf
        yield client
    ws.close()


def test_a_board_larger_than_a_page_shows_a_page_and_counts_every_unit(big_client):
    import re

    from cchc_sheets.web.routes import BOARD_PAGE

    assert BOARD_PAGE == 300
    board = big_client.get(f"/board?period={PERIOD}").text
    assert board.count("data-unit=") == 300 and 'data-unit="U000"' in board and 'data-unit="U300"' not in board
    assert 'id="board-count"' in board and "300/320" in board                    # Đang hiện 300/320 đơn vị
    assert 'data-more="600"' in board and 'data-show="all"' in board
    assert "(0/320)" in board and 'value="missing">Chưa gửi (320)' in board        # bars and counts: every unit
    every = big_client.get(f"/board?period={PERIOD}&show=all").text
    assert every.count("data-unit=") == 320 and "data-more=" not in every and "320/320" in every
    more = big_client.get(f"/board/rows?period={PERIOD}&show=600")
    assert more.status_code == 200 and more.text.count("data-unit=") == 320 and "data-more=" not in more.text
    assert 'id="board-count"' in more.text                                          # the count follows (out of band)
    digest = re.search(r'id="board-seen" value="([0-9a-f]+)"', more.text).group(1)
    assert big_client.get(f"/board/rows?period={PERIOD}&show=600&seen={digest}").status_code == 204
    assert big_client.get(f"/board/rows?period={PERIOD}&seen={digest}").status_code == 200   # back to a page
    searched = big_client.get(f"/board?period={PERIOD}&q=Số 31").text                # filtered on the server
    assert searched.count("data-unit=") == 10 and "10/10" in searched and "data-more=" not in searched
    status = big_client.get(f"/api/status?period={PERIOD}").json()
    assert len(status["units"]) == 320 and status["expected"] == 320                # the API: every unit
    english = big_client.get(f"/board?period={PERIOD}&lang=en").text
    assert "300 of 320" in english and 'data-more="600"' in english


def test_the_board_shows_units_needing_action_first_unless_asked_by_code(client, returns):
    import re

    wait(client, upload(client, returns).json()["job"])           # T01 valid, T02 invalid, T03 not sent
    order = re.findall(r'data-unit="(\w+)"', client.get(f"/board?period={PERIOD}").text)
    assert order == ["T02", "T03", "T01"]
    by_code = re.findall(r'data-unit="(\w+)"', client.get(f"/board?period={PERIOD}&sort=code").text)
    assert by_code == ["T01", "T02", "T03"]
    page = client.get(f"/board?period={PERIOD}&show=2").text
    assert re.findall(r'data-unit="(\w+)"', page) == ["T02", "T03"] and 'data-more="302"' in page
    assert "(2/3)" in page and "2/3" in re.search(r'id="board-count"[^>]*>([^<]*)', page).group(1)
