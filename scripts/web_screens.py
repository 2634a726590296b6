#!/usr/bin/env python3
"""Screenshots of every page of ``cchc web`` on a workspace, taken with Debian's chromium.

    python3 scripts/web_screens.py WORKSPACE [--period 2020-H1] [--out DIR] [--lang vi en] [--width 1280]

Starts the page on a free loopback port (as ``cchc web --no-browser`` does), opens each page
(workspace, templates, returns, board, the first unit that sent something, consolidate, lock
and audit) in headless chromium through chromedriver (``/usr/bin/chromium``,
``/usr/bin/chromedriver``: nothing is downloaded) and saves ``DIR/<n>-<page>-<lang>.png``, the
whole page tall, and ``3b-chon-tep-<lang>.png``: the returns page with two empty files chosen
in the picker (never uploaded) and the picker reached with Tab. Only reads: it submits nothing,
so the workspace is left as it was. Prints one PNG path per line, for a person to look at.
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MAX_HEIGHT = 1800          # px: a board of 300 units is cut there (its top is what a person checks)
PAGES = [("tong-quan", "/"), ("bieu-mau", "/templates"), ("nhan-bao-cao", "/returns"), ("tinh-hinh-nop", "/board"),
         ("don-vi", None), ("tong-hop", "/consolidate"), ("khoa-ky-nhat-ky", "/audit")]


def serve(workspace_dir: Path):
    """(base URL, stop) for the page on a free port, served by uvicorn in a thread."""
    import uvicorn

    from cchc_sheets.web import create_app
    from cchc_sheets.workspace import open_workspace

    workspace = open_workspace(workspace_dir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        workspace.close()

    return f"http://127.0.0.1:{port}", workspace, stop


def browser(width: int, lang: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},900", "--hide-scrollbars", f"--lang={lang}"):
        options.add_argument(flag)                    # --lang: the browser's own words (file and date inputs)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


def first_unit(workspace, period: str) -> str | None:
    """The first unit with a return for the period (errors first: the more telling page), else the first unit."""
    records = [r for r in workspace.ledger.returns(workspace.form.id, period) if r.current]
    records.sort(key=lambda r: (-r.errors, -r.warnings, r.unit_code))
    if records:
        return records[0].unit_code
    return workspace.units.units[0].code if len(workspace.units) else None


def shoot(driver, url: str, path: Path, width: int) -> Path:
    driver.set_window_size(width, 900)
    driver.get(url)
    time.sleep(0.3)                                   # htmx settles; the board's refresh is every 3 s
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(max(int(height) + 20, 600), MAX_HEIGHT))
    time.sleep(0.2)
    driver.save_screenshot(str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path, help="a workspace folder (cchc init)")
    parser.add_argument("--period", default=None, help="the period to show (default: the page's own choice)")
    parser.add_argument("--out", type=Path, default=Path("preview-web"), help="folder for the PNGs (default preview-web)")
    parser.add_argument("--lang", nargs="+", default=["vi"], choices=["vi", "en"], help="languages (default vi)")
    parser.add_argument("--width", type=int, default=1280, help="window width in px (default 1280)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    base, workspace, stop = serve(args.workspace)
    try:
        period = args.period or _page_period(workspace)
        unit = first_unit(workspace, period)
        for lang in args.lang:
            _shoot_language(base, period, unit, lang, args)
    finally:
        stop()
    return 0


def _shoot_language(base: str, period: str, unit: str | None, lang: str, args) -> None:
    driver = browser(args.width, lang)
    try:
        for number, (name, path) in enumerate(PAGES, start=1):
            path = path or (f"/units/{unit}" if unit else None)
            if path is None:
                continue
            url = f"{base}{path}?period={period}&lang={lang}"
            print(shoot(driver, url, args.out / f"{number}-{name}-{lang}.png", args.width), flush=True)
        print(shoot_files_chosen(driver, f"{base}/returns?period={period}&lang={lang}",
                                 args.out / f"3b-chon-tep-{lang}.png", args.width), flush=True)
    finally:
        driver.quit()


def shoot_files_chosen(driver, url: str, path: Path, width: int) -> Path:
    """The returns page with two (empty, never uploaded) files chosen and the picker reached by
    the keyboard: the label, the names chosen and the focus ring in the page's words, not the browser's."""
    import tempfile

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.set_window_size(width, 900)
    driver.get(url)
    with tempfile.TemporaryDirectory() as folder:
        names = [Path(folder) / "2020-H1_xa-mot.xlsx", Path(folder) / "2020-H1_xa-hai.ods"]
        for name in names:
            name.write_bytes(b"")
        driver.find_element(By.ID, "files").send_keys("\n".join(str(n) for n in names))
    body = driver.find_element(By.TAG_NAME, "body")
    for _ in range(40):                               # Tab until the hidden native control has the focus
        if driver.execute_script("return document.activeElement.id") == "files":
            break
        body.send_keys(Keys.TAB)
        body = driver.switch_to.active_element
    time.sleep(0.2)
    driver.save_screenshot(str(path))
    return path


def _page_period(workspace) -> str:
    from cchc_sheets.web import Desk

    return Desk(workspace).periods()[0]


if __name__ == "__main__":
    sys.exit(main())
