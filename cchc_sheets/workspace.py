"""An office's workspace: a folder with ``cchc.yaml`` (its settings), its units list, the ledger and ``files/``.

    ws = init_workspace("bao-cao", "tuyen-truyen-cchc", "xa.csv", sender="vp@ubnd.gov.vn")
    ws = find_workspace()                  # from the current folder upwards, like git; None outside one
    with ws.exclusive("merge"):            # one command at a time on a workspace
        record = ws.record(report, actor="Nguyễn Văn A")   # files/ab/abcdef….xlsx kept, the return recorded

``cchc.yaml`` never holds a password: SMTP/IMAP passwords come from the environment or a
prompt as today, a PostgreSQL password from PGPASSWORD or ~/.pgpass.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import yaml

from . import yamlio
from .fileio import sha256_bytes, write_bytes_atomic, write_text_atomic
from .messages import CchcError, os_reason
from .model import FileReport
from .units import UnitList, load_units

if TYPE_CHECKING:
    from .forms import Form

SETTINGS_FILE = "cchc.yaml"
FILES_DIR = "files"
LEDGER_FILE = "ledger.sqlite"
LOCK_FILE = ".cchc.lock"
WORKSPACE_ENV = "CCHC_WORKSPACE"
SETTINGS_FORMAT = 1
_SETTING_KEYS = ("form", "units", "sender", "smtp_host", "imap_host", "ledger")


@dataclass(frozen=True)
class Settings:
    """What ``cchc.yaml`` says. ``form`` is a bundled form id or a path relative to the workspace."""

    form: str
    units: str
    sender: str | None = None
    smtp_host: str | None = None
    imap_host: str | None = None
    ledger: str | None = None           # a database URL; None: ``ledger.sqlite`` in the workspace

    def to_yaml(self) -> str:
        data = {"cchc_workspace": SETTINGS_FORMAT}
        data.update({key: getattr(self, key) for key in _SETTING_KEYS if getattr(self, key) is not None})
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class Workspace:
    """An opened workspace; the form, units and ledger are loaded on first use."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.settings = read_settings(self.root / SETTINGS_FILE)

    @cached_property
    def form(self) -> "Form":
        from .forms import load_form         # not at import: ``cchc status`` never needs the form pack

        return load_form(self._form_source())

    @cached_property
    def units(self) -> UnitList:
        return load_units(self.root / self.settings.units)

    @property
    def ledger_url(self) -> str:
        return self.settings.ledger or f"sqlite:///{self.root / LEDGER_FILE}"

    @cached_property
    def ledger(self):
        from .ledger import Ledger

        # The quick connection is closed first: opening the store reads the file's header with
        # plain file I/O, and closing that descriptor drops every POSIX lock this process holds
        # on the file, the quick connection's too. Another process could then take the ledger
        # for unused and reset its WAL under our writer (a reader saw "database disk image is
        # malformed" during a merge that had looked up its periods the quick way).
        quick = self.__dict__.pop("_quick_ledger", None)
        if quick is not None:
            quick.close()
        return Ledger.open(self.ledger_url)

    def periods(self, form_id: str) -> list[str]:
        """``Ledger.periods``, read without SQLAlchemy when the ledger allows (see ``ledger.quick``)."""
        quick = self._quick_ledger
        found = quick.periods(form_id) if quick is not None else None
        return found if found is not None else self.ledger.periods(form_id)

    def status(self, form_id: str, period: str, units, deadline=None):
        """``Ledger.status``, read without SQLAlchemy when the ledger allows (see ``ledger.quick``)."""
        quick = self._quick_ledger
        found = quick.status(form_id, period, units, deadline) if quick is not None else None
        return found if found is not None else self.ledger.status(form_id, period, units, deadline)

    @cached_property
    def _quick_ledger(self):
        """A read-only stdlib connection; None once the full store is open (it answers then)."""
        if "ledger" in self.__dict__:
            return None
        from .ledger.quick import quick_ledger

        return quick_ledger(self.ledger_url)

    def close(self) -> None:
        if "ledger" in self.__dict__:
            self.__dict__.pop("ledger").close()
        quick = self.__dict__.pop("_quick_ledger", None)
        if quick is not None:
            quick.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _form_source(self) -> str | Path:
        form = self.settings.form
        local = self.root / form
        return local if local.exists() else form

    def store_file(self, path: str | os.PathLike, data: bytes | None = None) -> Path:
        """Keep a content-addressed copy (``files/ab/abcdef….xlsx``) and return its path; ``path`` is only read.

        The same content is stored once; the copy is written atomically.
        """
        return self._keep(path, data)[0]

    def _keep(self, path: str | os.PathLike, data: bytes | None = None) -> tuple[Path, dict]:
        """``store_file``, and what the ledger is told of the copy (its size and place in the workspace)."""
        if data is None:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise CchcError("input-not-found", path=f"{path} ({os_reason(exc)})") from exc
        digest = sha256_bytes(data)
        relative = f"{FILES_DIR}/{digest[:2]}/{digest}{Path(path).suffix.lower()}"
        target = self.root / relative
        try:
            kept = target.stat().st_size == len(data)
        except OSError:
            kept = False
        if not kept:
            write_bytes_atomic(target, data)
        return target, {"size": len(data), "stored_path": relative}

    def record(self, report: FileReport, *, actor: str, data: bytes | None = None, message_id: str | None = None,
               received_at: datetime | None = None):
        """Keep a returned file's evidence and record it: ``ReturnRecord`` for a return, None for another file.

        A report that names its form, period and unit becomes a return in the ledger; any
        other file (unreadable, not ours) is still remembered with its copy.
        """
        stored, known = self._keep(report.path, data)
        known["message_id"] = message_id
        if report.form and report.period and report.unit_code and report.sha256:
            return self.ledger.record_return(report, actor=actor, received_at=received_at, **known)
        self.ledger.record_file(report.sha256 or stored.stem, report.path, sender=report.sender,
                                mail_time=received_at or report.received, **known)
        return None

    def record_many(self, reports: list[FileReport], *, actor: str, message_ids: dict[str, str] | None = None,
                    received_at: dict[str, datetime] | None = None) -> list:
        """``record`` for a whole batch in ONE ledger transaction (all recorded or none): the
        copies are kept first, then one ``ReturnRecord`` (or None) per report, in order.
        ``message_ids`` and ``received_at``: sha256 -> the Message-ID and time of the mail a file came in.

        Recording 300 uploaded returns one transaction each took longer than checking them.
        """
        items = []
        for report in reports:
            stored, known = self._keep(report.path)
            known.update(message_id=(message_ids or {}).get(report.sha256 or ""),
                         received_at=(received_at or {}).get(report.sha256 or ""))
            if not report.sha256:
                known["sha256"] = stored.stem
            items.append((report, known))
        return self.ledger.record_batch(items, actor=actor)

    def relative(self, path: str | os.PathLike) -> str:
        """``path`` as the ledger records it: relative to the workspace when inside it (POSIX slashes)."""
        path = Path(path).resolve()
        with contextlib.suppress(ValueError):
            return path.relative_to(self.root).as_posix()
        return str(path)

    @contextlib.contextmanager
    def exclusive(self, command: str, wait: float = 0.0) -> Iterator[None]:
        """Hold the workspace for one command; another holder makes this wait ``wait`` seconds, then refuse.

        An OS file lock on ``.cchc.lock`` (fcntl, msvcrt on Windows): the OS lifts it when
        the process dies, so a killed command never leaves the workspace locked.
        """
        with _file_lock(self.root / LOCK_FILE, command, wait):
            yield


# ---------------------------------------------------------------------- making and finding
def init_workspace(directory: str | os.PathLike, form: str | os.PathLike, units_path: str | os.PathLike, *,
                   sender: str | None = None, smtp_host: str | None = None, imap_host: str | None = None,
                   ledger_url: str | None = None) -> Workspace:
    """Make a workspace in ``directory`` (new or empty): settings, a copy of the units list, files/, the ledger.

    Everything is checked (form, units, ledger address) before anything is written, and the
    folder is built beside its final place and renamed into it, so a failure leaves nothing.
    """
    from .forms import load_form

    target = Path(directory).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CchcError("workspace-not-empty", path=str(target))
    load_form(_absolute_form(form))                       # refuse a bad form or units list up front
    load_units(units_path)
    from sqlalchemy.engine import make_url   # here, not at the top: every command looks for a workspace

    if ledger_url and make_url(ledger_url).password is not None:
        raise CchcError("workspace-password-in-url", url=make_url(ledger_url).render_as_string(hide_password=True))
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    try:
        units_name = "units" + (Path(units_path).suffix.lower() or ".csv")
        shutil.copyfile(units_path, building / units_name)
        (building / FILES_DIR).mkdir()
        settings = Settings(form=_form_setting(form, target), units=units_name, sender=sender,
                            smtp_host=smtp_host, imap_host=imap_host, ledger=ledger_url)
        write_text_atomic(building / SETTINGS_FILE, settings.to_yaml())
        _create_ledger(ledger_url or f"sqlite:///{building / LEDGER_FILE}")
        if target.exists():
            target.rmdir()                                # empty, checked above
        os.replace(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return Workspace(target)


def _create_ledger(url: str) -> None:
    from .ledger import Ledger

    Ledger.open(url).close()


def _absolute_form(form: str | os.PathLike) -> str | Path:
    return Path(form).resolve() if Path(form).exists() else str(form)


def _form_setting(form: str | os.PathLike, workspace: Path) -> str:
    """A bundled form's id as given; a form pack elsewhere as a path relative to the workspace."""
    from .forms import packs_root

    path = Path(form)
    if not path.exists() and (packs_root() / str(form)).exists():
        return str(form)
    return Path(os.path.relpath(path.resolve(), workspace)).as_posix()


def find_workspace(start: str | os.PathLike | None = None) -> Workspace | None:
    """The workspace holding ``start`` (default the current folder), looking upwards like git; None if none.

    ``CCHC_WORKSPACE`` names the workspace outright (an error if it holds no ``cchc.yaml``).
    """
    named = os.environ.get(WORKSPACE_ENV)
    if named:
        return open_workspace(named)
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return Workspace(folder)
    return None


def open_workspace(directory: str | os.PathLike) -> Workspace:
    """The workspace at ``directory`` (``--workspace DIR``); ``workspace-not-found`` if it is not one."""
    if not (Path(directory) / SETTINGS_FILE).is_file():
        raise CchcError("workspace-not-found", path=str(Path(directory).resolve()))
    return Workspace(directory)


def read_settings(path: Path) -> Settings:
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CchcError("workspace-settings-invalid", path=str(path), reason=type(exc).__name__) from exc
    if not isinstance(data, dict) or data.get("cchc_workspace") != SETTINGS_FORMAT:
        raise CchcError("workspace-settings-invalid", path=str(path), reason=f"cchc_workspace: {SETTINGS_FORMAT}")
    for key in ("form", "units"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise CchcError("workspace-settings-invalid", path=str(path), reason=key)
    unknown = sorted(set(data) - set(_SETTING_KEYS) - {"cchc_workspace"})
    if unknown:
        raise CchcError("workspace-settings-invalid", path=str(path), reason=", ".join(unknown))
    return Settings(**{key: None if data.get(key) is None else str(data[key]) for key in _SETTING_KEYS})


# ---------------------------------------------------------------------- one command at a time
@contextlib.contextmanager
def _file_lock(path: Path, command: str, wait: float) -> Iterator[None]:
    handle = open(path, "a+b")
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read(200).decode("utf-8", "replace").strip() or "?"
                raise CchcError("workspace-busy", path=str(path.parent), holder=holder)
            time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{command} (pid {os.getpid()})".encode("utf-8"))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)
    finally:
        handle.close()


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
