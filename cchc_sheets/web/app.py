"""The Starlette application: safety (host check, password, CSRF, headers), language, templates.

    app = create_app(open_workspace("bao-cao"))            # 127.0.0.1: no password needed
    app = create_app(ws, password="…", shared=True)        # any other host: HTTP Basic with that password

Routes live in ``routes``; every step they take is a ``Desk`` call.
"""
from __future__ import annotations

import base64
import hmac
import secrets
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..messages import LANGUAGES, Listing, Phrase, Texts, language, render
from .chart import bar_chart
from .desk import Desk, UploadLimits
from .jobs import Jobs

HERE = Path(__file__).parent
CSRF_HEADER, CSRF_FIELD = "x-csrf-token", "csrf_token"
LANG_COOKIE = "cchc_lang"
PASSWORD_ENV = "CCHC_WEB_PASSWORD"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def create_app(workspace, *, password: str | None = None, shared: bool = False,
               limits: UploadLimits | None = None, allowed_hosts: list[str] | None = None) -> Starlette:
    """The page for ``workspace``. ``shared`` (listening beyond this PC) requires ``password``."""
    from .routes import routes

    if shared and not password:
        raise ValueError("a shared page needs a password")
    desk = Desk(workspace, limits=limits)
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or ["*"])]
    app = Starlette(routes=[*routes(), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
                    middleware=middleware)
    app.state.desk = desk
    app.state.jobs = Jobs()
    app.state.csrf = secrets.token_urlsafe(32)
    app.state.password = password
    app.state.shared = shared
    app.state.templates = _environment()
    app.add_middleware(_Guard)
    return app


class _Guard:
    """Password (HTTP Basic, any user name), CSRF on every state-changing request, security headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        state = scope["app"].state
        refusal = _refusal(request, state)
        if refusal is not None:
            return await _with_headers(refusal)(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(_SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                     (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                     (b"cache-control", b"no-store")]


def _with_headers(response: Response) -> Response:
    for name, value in _SECURITY_HEADERS:
        response.headers[name.decode()] = value.decode()
    return response


def _refusal(request: Request, state) -> Response | None:
    if state.password and not _password_ok(request, state.password):
        return PlainTextResponse(render("web-password-required", request_language(request)), status_code=401,
                                 headers={"WWW-Authenticate": 'Basic realm="cchc", charset="UTF-8"'})
    if request.method not in SAFE_METHODS:
        if int(request.headers.get("content-length") or 0) > state.desk.limits.max_bytes + 1024 * 1024:
            return JSONResponse({"error": "too-large", "message": render(
                "web-upload-over-limit", request_language(request), files=state.desk.limits.max_files,
                megabytes=state.desk.limits.max_bytes >> 20)}, status_code=413)
        sent = request.headers.get(CSRF_HEADER, "")
        form_post = request.headers.get("content-type", "").startswith(FORM_TYPES)
        if (sent and not hmac.compare_digest(sent, state.csrf)) or (not sent and not form_post):
            return _csrf_refused(request)   # a form post's hidden field is checked by the route (``action``)
    return None


def _csrf_refused(request: Request) -> Response:
    return JSONResponse({"error": "csrf", "message": render("web-csrf-refused", request_language(request))},
                        status_code=403)


async def check_form_csrf(request: Request) -> bool:
    """For form posts without the header: the hidden ``csrf_token`` field must match."""
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return hmac.compare_digest(sent, request.app.state.csrf)
    limits = request.app.state.desk.limits
    form = await request.form(max_files=limits.max_files + 1, max_fields=50)
    return hmac.compare_digest(str(form.get(CSRF_FIELD, "")), request.app.state.csrf)


def _password_ok(request: Request, password: str) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    _, _, given = decoded.partition(":")
    return hmac.compare_digest(given.encode(), password.encode())


def request_user(request: Request) -> str:
    """Who acts, for the audit trail: the user name given with the password, else ``web``."""
    header = request.headers.get("authorization", "")
    try:
        user = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        user = ""
    return user.strip()[:80] if header.lower().startswith("basic ") and user.strip() else "web"


# ---------------------------------------------------------------------- language and pages
def request_language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return language(chosen)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda value: f"{round(100 * value)}%"
    env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    env.filters["when"] = vietnam_time
    env.filters["number"] = number_text
    env.globals["bar_chart"] = bar_chart
    env.globals["audit_detail"] = audit_detail
    return env


def number_text(value, lang: str = "vi") -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English; anything not a number as it is."""
    from ..vnformat import format_number

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    text = format_number(value)
    return text if lang == "vi" else text.replace(".", "\x00").replace(",", ".").replace("\x00", ",")


def vietnam_time(when, seconds: bool = False) -> str:
    """A ledger time (UTC) as an officer in Vietnam reads it: 03/12/2026 19:26."""
    from ..merge import VIETNAM_TIME

    if when is None:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(VIETNAM_TIME)
    return when.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def audit_detail(detail: dict, lang: str, relative) -> str:
    """An event's details in the page's words: "tệp: nhan-ve/…; nhận sau khi khóa: Không"."""
    from ..messages import CATALOGUE

    parts = []
    for key, value in detail.items():
        if value is None:
            continue
        label = render(f"web-detail-{key}", lang) if f"web-detail-{key}" in CATALOGUE else key
        if isinstance(value, bool):
            value = render("web-yes" if value else "web-no", lang)
        elif key == "status" and f"web-status-{value}" in CATALOGUE:
            value = render(f"web-status-{value}", lang)
        elif key == "path":
            value = relative(value)
        parts.append(f"{label}: {value}")
    return "; ".join(parts)


def words(value: object, lang: str) -> str:
    """A phrase, an author's text or a plain value as text in ``lang``."""
    if isinstance(value, (Phrase, Texts, Listing)):
        return value.render(lang)
    return "" if value is None else str(value)


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """Render ``template`` with the words of the request's language (every word from the catalogue)."""
    lang = request_language(request)
    response = HTMLResponse(page_text(request, template, **context), status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True)
    return response


def page_text(request: Request, template: str, **context) -> str:
    """``template`` rendered as ``page`` renders it, as text (for a part a page embeds)."""
    lang = request_language(request)
    state = request.app.state
    env: Environment = state.templates
    return env.get_template(template).render(
        request=request, lang=lang, languages=LANGUAGES, csrf=state.csrf, shared=state.shared,
        t=lambda code, **params: render(code, lang, **params), words=lambda value: words(value, lang),
        desk=state.desk, **context)


def wants_html(request: Request) -> bool:
    """htmx asks for a fragment; a plain form post for a page; anything else (the API) gets JSON."""
    return "hx-request" in request.headers or "text/html" in request.headers.get("accept", "")
