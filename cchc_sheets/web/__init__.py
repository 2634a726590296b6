"""``cchc web``: the round trip behind a page on the officer's own PC, offline, in Vietnamese.

``Desk`` (desk.py) is the library face: every step the page offers as a plain call on a
workspace. ``create_app`` (app.py) is the thin HTTP face on it (Starlette, Jinja2, htmx).
"""
from .desk import Desk, UploadLimits

__all__ = ["Desk", "UploadLimits", "create_app"]


def create_app(*args, **kwargs):
    from .app import create_app as make

    return make(*args, **kwargs)
