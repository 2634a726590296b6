"""``cchc web`` in a real browser: Debian's chromium driven by Selenium through Debian's chromedriver.

Skipped when /usr/bin/chromium is missing, except under CI=true (then it fails: see
``require_tool``). Screenshots of each page go to ``CCHC_SCREENSHOT_DIR`` when set, else to
the test's tmp folder, so a person can look at them.
"""
from __future__ import annotations

import io
import os
import socket
import threading
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from builders import CLEAN_VALUES, make_return
from conftest import require_tool
from mailservers import imap_server, mail_with_return, smtp_server  # noqa: F401  (fixtures)

pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PERIOD = "2020-H1"
SCRIPT_NOTE = "<script>document.title='pwned'</script>"


@pytest.fixture
def browser():
    chromium = require_tool("chromium", "/usr/bin/chromium")
    driver_path = require_tool("chromedriver", "/usr/bin/chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900", "--lang=vi"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def server(tmp_path, units_file):
    """The page on a free loopback port, served by uvicorn in a thread as ``cchc web`` serves it."""
    from cchc_sheets.workspace import init_workspace

    workspace = init_workspace(tmp_path / "ws", "tuyen-truyen-cchc", units_file, sender="vp@example.org")
    yield from _serving(workspace)


@pytest.fixture
def mail_server(tmp_path, units_file, imap_server, smtp_server):
    """The page of a workspace whose mailbox is the private Dovecot and whose SMTP is aiosmtpd."""
    from cchc_sheets.workspace import init_workspace

    workspace = init_workspace(tmp_path / "ws-mail", "tuyen-truyen-cchc", units_file, sender="vp@example.org",
                               imap_host=f"imap://{imap_server.host}:{imap_server.port}/INBOX",
                               smtp_host=f"{smtp_server.host}:{smtp_server.port}")
    yield from _serving(workspace)


def _serving(workspace):
    import uvicorn

    from cchc_sheets.web import create_app

    app = create_app(workspace, allowed_hosts=["127.0.0.1"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app, workspace
    uv.should_exit = True
    thread.join(10)
    workspace.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("CCHC_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait(driver, condition, timeout=30):
    return WebDriverWait(driver, timeout).until(condition)


def test_upload_watch_the_board_open_findings_download_the_consolidated_workbook(
        browser, server, shots, tmp_path, form, units, period):
    base, app, workspace = server
    by_code = units.by_code()
    clean = make_return(tmp_path / "in", form, by_code["T01"], period, CLEAN_VALUES)
    bad = make_return(tmp_path / "in", form, by_code["T02"], period, {**CLEAN_VALUES, "01": "mười hai", "04": 7},
                      notes={"04": SCRIPT_NOTE})
    third = make_return(tmp_path / "in", form, by_code["T03"], period, {**CLEAN_VALUES, "01": 30})

    browser.get(f"{base}/?period={PERIOD}")
    assert "Tổng quan" in browser.page_source
    browser.save_screenshot(str(shots / "1-tong-quan.png"))

    browser.get(f"{base}/templates?period={PERIOD}")
    browser.find_element(By.ID, "make-templates").click()
    _wait(browser, EC.text_to_be_present_in_element((By.ID, "templates-result"), "3"))
    browser.get(f"{base}/templates?period={PERIOD}")
    browser.save_screenshot(str(shots / "2-bieu-mau.png"))

    # The board is open while a return arrives through the API: it updates without a reload.
    browser.get(f"{base}/board?period={PERIOD}")
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-unit='T01'].status-missing")))
    with httpx.Client(base_url=base, headers={"X-CSRF-Token": app.state.csrf}) as api:
        job = api.post("/api/returns", data={"period": PERIOD},
                       files=[("files", (third.name, third.read_bytes()))]).json()
        _wait_job(api, job["job"])
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-unit='T03'].status-valid")), 15)

    # Upload through the page; the progress arrives over SSE.
    browser.get(f"{base}/returns?period={PERIOD}")
    browser.find_element(By.ID, "files").send_keys(f"{clean}\n{bad}")
    chosen = browser.find_element(By.ID, "files-chosen").text           # the names, in the page's own control
    assert clean.name in chosen and bad.name in chosen
    browser.find_element(By.ID, "upload-button").click()
    _wait(browser, EC.presence_of_element_located((By.ID, "job-done")))
    done = browser.find_element(By.ID, "job-done").text
    assert "xa-thu-nghiem-mot.xlsx" in done and "Có lỗi" in done
    browser.save_screenshot(str(shots / "3-nhan-bao-cao.png"))

    browser.get(f"{base}/board?period={PERIOD}")
    row = _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-unit='T02']")))
    assert "Có lỗi" in row.text
    browser.save_screenshot(str(shots / "4-tinh-hinh-nop.png"))
    row.find_element(By.TAG_NAME, "a").click()
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "table.findings")))
    findings = browser.find_element(By.CSS_SELECTOR, "table.findings").text
    assert "Báo cáo" in findings and "D" in findings            # sheet and cell of each finding
    assert SCRIPT_NOTE in browser.find_element(By.CSS_SELECTOR, "dl.notes").text   # shown as text
    assert browser.title != "pwned"
    browser.save_screenshot(str(shots / "5-don-vi.png"))

    browser.get(f"{base}/consolidate?period={PERIOD}")
    browser.find_element(By.ID, "run-merge").click()
    link = _wait(browser, EC.presence_of_element_located((By.ID, "download-workbook")))
    browser.save_screenshot(str(shots / "6-tong-hop.png"))
    data = httpx.get(link.get_attribute("href")).content
    totals = _totals(openpyxl.load_workbook(io.BytesIO(data), data_only=True))
    assert totals["01"] == CLEAN_VALUES["01"] + 30               # T01 and T03 count; T02 has errors
    assert totals["04"] == 2 * CLEAN_VALUES["04"]

    browser.get(f"{base}/audit?period={PERIOD}")
    browser.find_element(By.NAME, "by").send_keys("Chị Lan")
    browser.find_element(By.NAME, "note").send_keys("đã báo cáo huyện")
    browser.find_element(By.ID, "lock").click()
    _wait(browser, EC.text_to_be_present_in_element((By.ID, "lock-result"), "Chị Lan"))
    browser.get(f"{base}/audit?period={PERIOD}")
    assert "đã báo cáo huyện" in browser.page_source
    browser.save_screenshot(str(shots / "7-khoa-ky-nhat-ky.png"))

    browser.get(f"{base}/board?period={PERIOD}&lang=en")
    assert "Status board" in browser.page_source
    browser.save_screenshot(str(shots / "8-board-en.png"))


@pytest.mark.imap
def test_collect_from_the_mailbox_then_mail_the_marked_up_copy_back(
        browser, mail_server, imap_server, smtp_server, shots, tmp_path, form, units, period):
    import email
    from email import policy

    base, app, workspace = mail_server
    by_code = units.by_code()
    clean = make_return(tmp_path / "in", form, by_code["T01"], period, CLEAN_VALUES, name="t01-bao-cao.xlsx")
    bad = make_return(tmp_path / "in", form, by_code["T02"], period, {**CLEAN_VALUES, "01": "mười hai"},
                      name="t02-bao-cao.xlsx")
    imap_server.reset()
    for path, day in ((clean, "Fri, 19 Jun 2020"), (bad, "Tue, 23 Jun 2020")):
        imap_server.append(mail_with_return(path, by_code[path.name[:3].upper()].email, day))

    browser.get(f"{base}/returns?period={PERIOD}")
    user = browser.find_element(By.ID, "collect-user")
    user.clear()
    user.send_keys(imap_server.user)
    browser.find_element(By.ID, "collect-password").send_keys(imap_server.password)
    browser.find_element(By.ID, "collect-since").send_keys("19/06/2020")     # day first; both came later
    browser.find_element(By.ID, "collect-button").click()
    _wait(browser, EC.presence_of_element_located((By.ID, "job-done")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#job-done tbody tr")
    assert sorted(r.get_attribute("class") for r in rows) == ["status-invalid", "status-valid"]
    browser.save_screenshot(str(shots / "9-nhan-tu-hop-thu.png"))
    with httpx.Client(base_url=base) as api:
        status = {u["unit_code"]: u for u in api.get(f"/api/status?period={PERIOD}").json()["units"]}
    assert [(status[c]["status"], status[c]["on_time"]) for c in ("T01", "T02", "T03")] == [
        ("valid", True), ("invalid", False), ("missing", None)]            # mail times 19/06 and 23/06, deadline 20/06
    assert smtp_server.envelopes == []

    browser.get(f"{base}/units/T02?period={PERIOD}")
    browser.find_element(By.ID, "mail-feedback").click()
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#mail-result .note")))
    browser.save_screenshot(str(shots / "10-gui-lai-ban-danh-dau.png"))
    deadline = time.monotonic() + 10
    while not smtp_server.envelopes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == [by_code["T02"].email]
    message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
    attached = [part for part in message.iter_attachments()]
    assert [part.get_filename() for part in attached] == [workspace_feedback_name(workspace, "T02")]
    book = openpyxl.load_workbook(io.BytesIO(attached[0].get_content()))
    assert "Báo cáo" in book.sheetnames
    events = [e for e in workspace.ledger.events(PERIOD) if e.kind == "mailed"]
    assert [(e.unit_code, e.detail["dry_run"], e.detail["email"]) for e in events] == [
        ("T02", False, by_code["T02"].email)]


def test_the_file_picker_is_the_pages_own_reached_by_keyboard_and_files_can_be_dropped(
        browser, server, shots, tmp_path, form, units, period):
    """The native control (its button and 'no file chosen' in the browser's language) is hidden
    but stays in the tab order; the page's label opens it; a drop still sends the files."""
    import base64

    from selenium.webdriver.common.keys import Keys

    base, app, workspace = server
    browser.get(f"{base}/returns?period={PERIOD}")
    native = browser.find_element(By.ID, "files")
    assert native.size["width"] <= 1 and native.size["height"] <= 1
    label = browser.find_element(By.CSS_SELECTOR, "label[for='files']")
    assert label.is_displayed() and label.size["width"] > 40
    assert "files-chosen" in native.get_attribute("aria-describedby")

    active = browser.find_element(By.TAG_NAME, "body")
    for _ in range(40):
        if browser.execute_script("return document.activeElement.id") == "files":
            break
        active.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
    assert browser.execute_script("return document.activeElement.id") == "files"
    assert browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", label) == "solid"
    browser.save_screenshot(str(shots / "11-chon-tep-ban-phim.png"))

    path = make_return(tmp_path / "in", form, units.by_code()["T01"], period, CLEAN_VALUES)
    browser.execute_script("""
        const [name, data] = arguments, bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const files = new DataTransfer();
        files.items.add(new File([bytes], name));
        const drop = document.getElementById("drop");
        drop.dispatchEvent(new DragEvent("dragenter", {dataTransfer: files, bubbles: true, cancelable: true}));
        window.overSeen = drop.classList.contains("over");
        drop.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
    """, path.name, base64.b64encode(path.read_bytes()).decode())
    assert browser.execute_script("return window.overSeen") is True
    _wait(browser, EC.presence_of_element_located((By.ID, "job-done")))
    assert [r.get_attribute("class") for r in browser.find_elements(By.CSS_SELECTOR, "#job-done tbody tr")] == [
        "status-valid"]
    assert path.name in browser.find_element(By.ID, "files-chosen").text
    assert [(r.unit_code, r.counted) for r in workspace.ledger.returns("tuyen-truyen-cchc", PERIOD)] == [("T01", True)]


def workspace_feedback_name(workspace, unit_code):
    """The name the marked-up copy of the unit's current return is made under (feedback.feedback_name)."""
    from cchc_sheets.feedback import feedback_name

    current = [r for r in workspace.ledger.returns("tuyen-truyen-cchc", PERIOD, unit_code) if r.current]
    return feedback_name(current[-1].report.path)


def _wait_job(api, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/api/jobs/{job_id}").json()["done"]:
            return
        time.sleep(0.1)
    raise AssertionError("upload job did not finish")


def _totals(book) -> dict:
    """Indicator code -> Số lượng on the summary sheet (column D), as the officer sees it."""
    sheet = book["Tổng hợp"]
    found = {}
    for row in sheet.iter_rows(values_only=True):
        if isinstance(row[0], str) and row[0][:2].isdigit():
            found[row[0]] = row[3]
    return found


@pytest.fixture
def big_server(tmp_path):
    """The page of a workspace of 650 units (more than two pages of the board), none sent yet."""
    from cchc_sheets.workspace import init_workspace

    units_csv = tmp_path / "many.csv"
    units_csv.write_text("code,name,parent\n" + "".join(f"U{i:03d},Xã Số {i:03d},Huyện Thử\n" for i in range(650)),
                         encoding="utf-8")
    yield from _serving(init_workspace(tmp_path / "many", "tuyen-truyen-cchc", units_csv))


def test_the_board_shows_a_page_then_more_then_all_and_its_refresh_keeps_them(browser, big_server, shots):
    base, _app, _workspace = big_server
    browser.get(f"{base}/board?period={PERIOD}")
    rows = lambda: len(browser.find_elements(By.CSS_SELECTOR, "tr[data-unit]"))  # noqa: E731
    count = lambda: browser.find_element(By.ID, "board-count").text  # noqa: E731
    assert rows() == 300 and "300/650" in count()
    browser.save_screenshot(str(shots / "4-board-page-vi.png"))
    browser.find_element(By.CSS_SELECTOR, "a[data-show='600']").click()
    _wait(browser, lambda d: rows() == 600)
    assert "600/650" in count() and browser.find_element(By.ID, "board-show").get_attribute("value") == "600"
    assert browser.current_url.endswith(f"/board?period={PERIOD}")           # htmx, not a page load
    time.sleep(3.5)                                                          # a refresh (204: nothing changed)
    assert rows() == 600
    browser.find_element(By.CSS_SELECTOR, "a[data-show='all']").click()
    _wait(browser, lambda d: rows() == 650)
    assert "650/650" in count() and not browser.find_elements(By.CSS_SELECTOR, "tr.board-more")
    browser.find_element(By.CSS_SELECTOR, "input[name=q]").send_keys("Số 64")
    _wait(browser, lambda d: rows() == 10)
    assert "10/10" in count()
