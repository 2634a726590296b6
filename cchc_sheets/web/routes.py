"""Pages, the JSON API under ``/api/`` and downloads. Each handler reads the request, calls one
``Desk`` step and shows its result; an action answers htmx with a fragment, a plain form with a
redirect, and any other client with JSON (the fields documented in the README)."""
from __future__ import annotations

import asyncio
import functools
import hashlib
import re
from datetime import date
from pathlib import Path
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from markupsafe import Markup
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response,
                                 StreamingResponse)
from starlette.routing import Route

from ..messages import CchcError, render
from ..periods import Period, parse_period
from . import desk as D
from .app import check_form_csrf, page, page_text, request_language, request_user, wants_html, words
from .serialize import board_json, job_json, record_json

PERIOD_COOKIE = "cchc_period"
DOWNLOAD_FOLDERS = (D.TEMPLATES_DIR, D.INBOX_DIR, D.MERGED_DIR, D.FEEDBACK_DIR, D.OUTBOX_DIR, "files")
SSE_TICK = 0.15


def routes() -> list[Route]:
    return [
        Route("/", home), Route("/templates", templates_page), Route("/returns", returns_page),
        Route("/board", board_page), Route("/board/rows", board_rows), Route("/units/{code}", unit_page),
        Route("/units/{code}/feedback", unit_feedback), Route("/consolidate", consolidate_page),
        Route("/audit", audit_page), Route("/files/{path:path}", download),
        Route("/download/templates.zip", templates_zip),
        Route("/api/status", api_status), Route("/api/units/{code}", api_unit), Route("/api/audit", api_audit),
        Route("/api/csrf", api_csrf), Route("/api/jobs/{job}", api_job), Route("/api/jobs/{job}/events", job_events),
        Route("/api/templates", make_templates, methods=["POST"]),
        Route("/api/templates/send", send_templates, methods=["POST"]),
        Route("/api/returns", upload_returns, methods=["POST"]), Route("/api/collect", collect_mail, methods=["POST"]),
        Route("/api/units/{code}/mail", mail_feedback, methods=["POST"]),
        Route("/api/merge", merge, methods=["POST"]), Route("/api/draft", draft, methods=["POST"]),
        Route("/api/lock", lock, methods=["POST"]), Route("/api/unlock", unlock, methods=["POST"]),
    ]


# ---------------------------------------------------------------------- shared pieces
def chosen_period(request: Request) -> Period:
    """``?period=``, else the last one chosen (cookie), else the newest the workspace knows."""
    desk: D.Desk = request.app.state.desk
    for text in (request.query_params.get("period"), request.cookies.get(PERIOD_COOKIE)):
        if text:
            try:
                return parse_period(text)
            except CchcError:
                continue
    return parse_period(desk.periods()[0])


def action(handler):
    """A state-changing request: CSRF checked (header or form field), catalogue errors shown, not raised."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        if not await check_form_csrf(request):
            return JSONResponse({"error": "csrf", "message": render("web-csrf-refused", request_language(request))},
                                status_code=403)
        try:
            return await handler(request)
        except CchcError as exc:
            return _problem(request, exc)

    return wrapped


def _problem(request: Request, exc: CchcError, status_code: int = 400) -> Response:
    lang = request_language(request)
    if wants_html(request):
        return page(request, "_message.html", status_code=200 if "hx-request" in request.headers else status_code,
                    kind="error", text=exc.message(lang))
    return JSONResponse({"error": exc.code, "message": exc.message(lang)}, status_code=status_code)


async def _fields(request: Request) -> dict:
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/")):
        return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        return body if isinstance(body, dict) else {}
    return dict(request.query_params)


def _period_of(fields: dict, request: Request) -> Period:
    return parse_period(str(fields["period"])) if fields.get("period") else chosen_period(request)


def _done(request: Request, fragment: str, data: dict, back: str, **context) -> Response:
    if "hx-request" in request.headers:
        return page(request, fragment, **context)
    if wants_html(request):
        return RedirectResponse(back, status_code=303)
    return JSONResponse(data)


def _with_period_cookie(response: Response, period: Period) -> Response:
    response.set_cookie(PERIOD_COOKIE, period.code, samesite="strict", httponly=True)
    return response


def _link(relative: Path | str) -> str:
    return "/files/" + quote(Path(relative).as_posix())


def _relative(desk: D.Desk, path: Path) -> str:
    return path.resolve().relative_to(desk.root).as_posix()


def _outputs(desk: D.Desk, period: Period) -> dict:
    folder = desk.folder(D.MERGED_DIR, period)
    names = {"workbook": D.MERGED_NAME, "long": D.LONG_NAME, "draft": D.DRAFT_NAME}
    return {key: _link(_relative(desk, folder / name)) for key, name in names.items() if (folder / name).is_file()}


# ---------------------------------------------------------------------- pages
async def _page(request: Request, template: str, **context) -> Response:
    period = chosen_period(request)
    response = page(request, template, period=period, periods=request.app.state.desk.periods(), **context)
    return _with_period_cookie(response, period)


async def home(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    board = await run_in_threadpool(desk.board, chosen_period(request))
    return await _page(request, "workspace.html", board=board)


async def templates_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    folder = desk.folder(D.TEMPLATES_DIR, chosen_period(request))
    files = sorted(p.name for p in folder.glob("*.xlsx")) if folder.is_dir() else []
    return await _page(request, "templates.html", files=files, settings=desk.workspace.settings)


async def returns_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    return await _page(request, "returns.html", limits=desk.limits, settings=desk.workspace.settings)


async def board_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    board = await run_in_threadpool(desk.board, chosen_period(request))
    shown = _board_rows_html(request, board)
    return await _page(request, "board.html", board=board, rows_html=Markup(shown.html), digest=shown.digest,
                       shown=shown, groups=sorted({r.group for r in board.rows if r.group}), filters=_filters(request))


async def board_rows(request: Request) -> Response:
    """The board's rows, asked for every 3 s and on each filter change. ``seen`` is the digest of
    the rows the page shows: when nothing changed the answer is 204 and htmx swaps nothing (the
    browser re-processing 3,300 rows every 3 s would keep it busy); else the rows and the new digest."""
    desk: D.Desk = request.app.state.desk
    board = await run_in_threadpool(desk.board, chosen_period(request))
    shown = _board_rows_html(request, board)
    if request.query_params.get("seen") == shown.digest:
        return Response(status_code=204)
    extra = page_text(request, "_board_oob.html", shown=shown, digest=shown.digest)
    return _with_period_cookie(HTMLResponse(shown.html + extra), chosen_period(request))


BOARD_PAGE = 300
"""Rows the board shows at first (``?show=N`` more, ``?show=all`` every one): the browser lays out 3,300
rows in about 3.4 s, 300 in 0.75 s (500: 0.95 s, too near). The bars and the status counts always count every unit."""
ATTENTION = {"unreadable": 0, "invalid": 1, "received-after-lock": 2, "missing": 3, "warnings": 4, "valid": 5}
"""The default order: what the officer must act on first (unreadable, errors, after the lock, not sent)."""


@dataclass
class ShownRows:
    html: str
    digest: str
    shown: int                   # rows on the page
    matching: int                # rows the filters let through (every one, not only the page)
    more: int | None             # the ``show`` value of "show more", None when all are shown
    query: str                   # the filters as a query string (for the links), without ``show``


def _board_rows_html(request: Request, board: D.Board) -> ShownRows:
    period = chosen_period(request)
    rows = _filtered(board, request)
    limit = _show_limit(request)
    page_rows = rows if limit is None else rows[:limit]
    more = limit + BOARD_PAGE if limit is not None and limit < len(rows) else None
    wanted = {key: value for key, value in _filters(request).items() if value and key != "show"}
    query = urlencode({"period": period.code, **wanted})
    html = page_text(request, "_board_rows.html", board=board, rows=page_rows, period=period,
                     matching=len(rows), more=more, query=query, page_size=BOARD_PAGE)
    return ShownRows(html, hashlib.sha256(html.encode("utf-8")).hexdigest()[:20], len(page_rows), len(rows),
                     more, query)


def _show_limit(request: Request) -> int | None:
    """``?show=``: ``all`` -> None (every row), a whole number >= 1 -> that many, else the first page."""
    show = request.query_params.get("show", "")
    if show == "all":
        return None
    return int(show) if show.isdigit() and int(show) >= 1 else BOARD_PAGE


def _filters(request: Request) -> dict:
    return {key: request.query_params.get(key, "") for key in ("status", "group", "q", "late", "sort", "show")}


def _filtered(board: D.Board, request: Request) -> list[D.BoardRow]:
    wanted = _filters(request)
    rows = board.rows
    if wanted["status"]:
        rows = [r for r in rows if r.status == wanted["status"]]
    if wanted["group"]:
        rows = [r for r in rows if r.group == wanted["group"]]
    if wanted["late"]:
        rows = [r for r in rows if r.submitted and r.on_time is False]
    if wanted["q"]:
        needle = wanted["q"].casefold()
        rows = [r for r in rows if needle in r.unit_code.casefold() or needle in (r.unit_name or "").casefold()]
    if wanted["sort"] != "code":             # "code": as the ledger gives them, the units list's order
        rows = sorted(rows, key=lambda r: (ATTENTION.get(r.status, 9), -(r.errors or 0), -(r.warnings or 0)))
    return rows


async def unit_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    code = request.path_params["code"]
    versions = await run_in_threadpool(desk.unit_returns, chosen_period(request), code)
    unit = next((u for u in desk.units if u.code == code), None)
    return await _page(request, "unit.html", code=code, unit=unit, versions=list(reversed(versions)),
                       settings=desk.workspace.settings)


async def unit_feedback(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = chosen_period(request)
    path = await run_in_threadpool(desk.feedback_copy, period, request.path_params["code"])
    if path is None:
        return page(request, "_message.html", status_code=404, kind="info", text=render(
            "web-no-feedback", request_language(request)))
    return RedirectResponse(_link(_relative(desk, path)), status_code=303)


async def consolidate_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = chosen_period(request)
    last = await run_in_threadpool(desk.last_consolidation, period)
    return await _page(request, "consolidate.html", outputs=_outputs(desk, period), consolidation=last)


async def audit_page(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = chosen_period(request)
    events = await run_in_threadpool(desk.audit, period)
    locks = await run_in_threadpool(desk.ledger.locks, desk.form.id, period.code)
    return await _page(request, "audit.html", events=list(reversed(events)), locks=locks,
                       locked=next((lock for lock in locks if lock.active), None))


# ---------------------------------------------------------------------- downloads
async def download(request: Request) -> Response:
    """A file of the workspace's own output folders; anything else (``..``, absolute, a link out) is 404."""
    desk: D.Desk = request.app.state.desk
    relative = request.path_params["path"]
    parts = Path(relative).parts
    path = desk.inside(relative) if parts and parts[0] in DOWNLOAD_FOLDERS else None
    if path is None or Path(_relative(desk, path)).parts[0] not in DOWNLOAD_FOLDERS:
        return JSONResponse({"error": "not-found", "message": render("web-file-not-found", request_language(request))},
                            status_code=404)
    return FileResponse(path, filename=path.name)


async def templates_zip(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = chosen_period(request)
    data = await run_in_threadpool(desk.templates_zip, period)
    name = f"bieu-mau-{period.code}.zip"
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------------- JSON reads
async def api_status(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    board = await run_in_threadpool(desk.board, chosen_period(request))
    return JSONResponse(board_json(board, request_language(request)))


async def api_unit(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = chosen_period(request)
    versions = await run_in_threadpool(desk.unit_returns, period, request.path_params["code"])
    lang = request_language(request)
    return JSONResponse({"period": period.code, "unit_code": request.path_params["code"],
                         "versions": [record_json(r, lang) for r in versions]})


async def api_audit(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    events = await run_in_threadpool(desk.audit, chosen_period(request))
    return JSONResponse({"events": [{"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "period": e.period,
                                     "unit_code": e.unit_code, "sha256": e.sha256, "detail": e.detail}
                                    for e in events]})


async def api_csrf(request: Request) -> Response:
    """The token a script on this machine sends as ``X-CSRF-Token`` (another site cannot read it)."""
    return JSONResponse({"csrf_token": request.app.state.csrf})


async def api_job(request: Request) -> Response:
    job = request.app.state.jobs.get(request.path_params["job"])
    if job is None:
        return JSONResponse({"error": "not-found"}, status_code=404)
    return JSONResponse(job_json(job, request_language(request)))


# ---------------------------------------------------------------------- actions
@action
async def make_templates(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = _period_of(await _fields(request), request)
    rows = await run_in_threadpool(desk.make_templates, period)
    return _done(request, "_message.html", {"period": period.code, "templates": len(rows),
                                            "zip": f"/download/templates.zip?period={period.code}"},
                 f"/templates?period={period.code}", kind="ok",
                 text=render("web-templates-made", request_language(request), count=len(rows), period=period.code))


@action
async def send_templates(request: Request) -> Response:
    import os

    desk: D.Desk = request.app.state.desk
    fields = await _fields(request)
    period = _period_of(fields, request)
    dry_run = str(fields.get("dry_run", "")).lower() in ("1", "true", "on", "yes")
    report = await run_in_threadpool(functools.partial(desk.send_templates, period, dry_run=dry_run,
                                                       password=os.environ.get("CCHC_SMTP_PASSWORD", "")))
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    lang = request_language(request)
    text = render("web-mail-drafted" if dry_run else "web-mail-sent", lang,
                  count=sum(counts.values()), folder=_relative(desk, desk.folder(D.OUTBOX_DIR, period)))
    return _done(request, "_message.html", {"period": period.code, "dry_run": dry_run, "results": counts},
                 f"/templates?period={period.code}", kind="ok", text=text)


@action
async def upload_returns(request: Request) -> Response:
    """Files (or zips) under the field ``files``; answers at once with a job to watch (SSE or polling)."""
    desk: D.Desk = request.app.state.desk
    limits = desk.limits
    form = await request.form(max_files=limits.max_files + 1, max_fields=50)   # the size was checked by _Guard
    period = parse_period(str(form.get("period"))) if form.get("period") else chosen_period(request)
    uploads = []
    for item in form.getlist("files"):
        if hasattr(item, "read"):
            uploads.append((item.filename or "tep", await item.read(limits.max_file_bytes + 1)))
    actor = str(form.get("actor") or "").strip()[:80] or request_user(request)
    jobs = request.app.state.jobs
    job = jobs.start(lambda job: desk.receive(period, uploads, actor=actor, progress=job.tell))
    data = {"job": job.id, "events": f"/api/jobs/{job.id}/events", "status": f"/api/jobs/{job.id}"}
    if "hx-request" in request.headers:
        return page(request, "_job.html", job=job, period=period)
    return JSONResponse(data, status_code=202)


def day_month_year(text: str) -> date:
    """A date typed in the page: ``19/06/2020`` (day first, as Vietnam writes it; ``.`` or ``-`` between
    too) or ISO ``2020-06-19``; any other text is refused with ``web-date-invalid``."""
    text = text.strip()
    day_first = _DAY_FIRST.fullmatch(text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CchcError("web-date-invalid", value=text)


_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@action
async def collect_mail(request: Request) -> Response:
    """``cchc collect`` from the workspace's mailbox (user and password typed in the page, the
    password used for this login only), then each new file checked and recorded: a job, as an upload."""
    desk: D.Desk = request.app.state.desk
    fields = await _fields(request)
    period = _period_of(fields, request)
    user, password = str(fields.get("user", "")).strip(), str(fields.get("password", ""))
    since = day_month_year(str(fields["since"])) if str(fields.get("since") or "").strip() else None
    source = desk.mailbox(user)                          # a missing host or user is refused now, not in the job
    actor = str(fields.get("actor") or "").strip()[:80] or request_user(request)

    def work(job):
        received, job.summary = desk.collect(period, user=user, password=password, actor=actor, since=since,
                                             progress=job.tell)
        return received

    job = request.app.state.jobs.start(work)          # the password lives in this closure until the login
    if "hx-request" in request.headers:
        return page(request, "_job.html", job=job, period=period)
    return JSONResponse({"job": job.id, "events": f"/api/jobs/{job.id}/events", "status": f"/api/jobs/{job.id}",
                         "source": source}, status_code=202)


@action
async def mail_feedback(request: Request) -> Response:
    """Mail the unit its marked-up copy (``.eml`` in ``thu-nhap/PERIOD/`` on a dry run or without SMTP)."""
    import os

    desk: D.Desk = request.app.state.desk
    fields = await _fields(request)
    period, code = _period_of(fields, request), request.path_params["code"]
    dry_run = str(fields.get("dry_run", "")).lower() in ("1", "true", "on", "yes") or not desk.workspace.settings.smtp_host
    report = await run_in_threadpool(functools.partial(desk.mail_feedback, period, code, dry_run=dry_run,
                                                       password=os.environ.get("CCHC_SMTP_PASSWORD", ""),
                                                       actor=request_user(request)))
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    drafts = [_link(_relative(desk, r.path)) for r in report.results if getattr(r, "path", None)]
    lang = request_language(request)
    text = render("web-mail-drafted" if dry_run else "web-mail-sent", lang, count=sum(counts.values()),
                  folder=_relative(desk, desk.folder(D.OUTBOX_DIR, period)))
    return _done(request, "_message.html", {"period": period.code, "unit_code": code, "dry_run": dry_run,
                                            "results": counts, "drafts": drafts},
                 f"/units/{quote(code)}?period={period.code}", kind="ok", text=text)


async def job_events(request: Request) -> Response:
    """Server-sent events: ``progress`` (an HTML fragment) as files are checked, then ``done``."""
    job = request.app.state.jobs.get(request.path_params["job"])
    if job is None:
        return JSONResponse({"error": "not-found"}, status_code=404)
    env = request.app.state.templates
    lang = request_language(request)

    def fragment(name: str) -> str:
        return env.get_template(name).render(job=job, lang=lang, words=lambda v: words(v, lang),
                                             t=lambda code, **p: render(code, lang, **p))

    async def stream():
        seen = -1
        while True:
            if len(job.events) != seen:
                seen = len(job.events)
                yield _sse("progress", fragment("_progress.html"))
            if job.done:
                yield _sse("done", fragment("_job_done.html"))
                return
            await asyncio.sleep(SSE_TICK)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


def _sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


@action
async def merge(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = _period_of(await _fields(request), request)
    consolidation = await run_in_threadpool(desk.consolidate, period)
    outputs = _outputs(desk, period)
    data = {"period": period.code, "expected": consolidation.expected_count,
            "submitted": consolidation.submitted_count, "counted": consolidation.counted_count,
            "totals": consolidation.totals, **outputs}
    return _done(request, "_merged.html", data, f"/consolidate?period={period.code}", outputs=outputs,
                 consolidation=consolidation)


@action
async def draft(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    period = _period_of(await _fields(request), request)
    await run_in_threadpool(desk.draft, period)
    outputs = _outputs(desk, period)
    last = await run_in_threadpool(desk.last_consolidation, period) if "hx-request" in request.headers else None
    return _done(request, "_merged.html", {"period": period.code, **outputs}, f"/consolidate?period={period.code}",
                 outputs=outputs, consolidation=last)


@action
async def lock(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    fields = await _fields(request)
    period = _period_of(fields, request)
    done = await run_in_threadpool(functools.partial(desk.lock, period, by=str(fields.get("by", "")),
                                                     note=str(fields.get("note", "")) or None))
    return _done(request, "_message.html", {"period": period.code, "locked": True, "by": done.locked_by,
                                            "workbook_sha256": done.workbook_sha256},
                 f"/audit?period={period.code}", kind="ok",
                 text=render("web-locked", request_language(request), period=period.code, by=done.locked_by))


@action
async def unlock(request: Request) -> Response:
    desk: D.Desk = request.app.state.desk
    fields = await _fields(request)
    period = _period_of(fields, request)
    changed = await run_in_threadpool(functools.partial(desk.unlock, period, by=str(fields.get("by", "")),
                                                        reason=str(fields.get("reason", ""))))
    return _done(request, "_message.html", {"period": period.code, "locked": False, "changed": len(changed)},
                 f"/audit?period={period.code}", kind="ok",
                 text=render("web-unlocked", request_language(request), period=period.code, changed=len(changed)))
