"""``cchc web``: start the page on a workspace; option parsing only, the page is ``cchc_sheets.web``."""
from __future__ import annotations

import os
import threading
import webbrowser

import click

from ..messages import CchcError
from .common import say

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@click.command()
@click.option("--workspace", "workspace_dir", type=click.Path(file_okay=False), default=None,
              help="Workspace folder (default: the one holding the current folder, or CCHC_WORKSPACE).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than this PC needs CCHC_WEB_PASSWORD.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port.")
@click.option("--no-browser", is_flag=True, help="Do not open the default browser.")
def web(workspace_dir, host, port, no_browser):
    """Mở trang làm việc trên máy này (không cần Internet).

    Start the office's web page on this PC (works offline) and open the browser on it.
    """
    import uvicorn

    from ..web.app import PASSWORD_ENV, create_app
    from ..workspace import find_workspace, open_workspace

    workspace = open_workspace(workspace_dir) if workspace_dir else find_workspace()
    if workspace is None:
        raise CchcError("web-no-workspace")
    shared = host not in LOCAL_HOSTS
    password = os.environ.get(PASSWORD_ENV) or None
    if shared and not password:
        raise CchcError("web-password-needed", host=host, variable=PASSWORD_ENV)
    allowed = None if shared else list(LOCAL_HOSTS) + [f"[{h}]" for h in ("::1",)]
    app = create_app(workspace, password=password, shared=shared, allowed_hosts=allowed)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(say("web-starting", url=url))
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
