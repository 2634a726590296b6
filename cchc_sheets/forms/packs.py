"""Where packs are and how one is loaded: a bundled id, a pack folder, a form.yaml or a form.xlsx."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import yamlio
from ..messages import CchcError, Listing
from .checker import check_form, form_from_dict
from .model import Form

DEFAULT_FORM = "tuyen-truyen-cchc"
PACK_FILES = ("form.yaml", "form.xlsx")


def packs_root() -> Path:
    """Where bundled packs live: CCHC_FORMS_DIR, the source tree, or the installed share dir."""
    if os.environ.get("CCHC_FORMS_DIR"):
        return Path(os.environ["CCHC_FORMS_DIR"])
    source_tree = Path(__file__).resolve().parent.parent.parent / "xlsx_templates"
    if source_tree.is_dir():
        return source_tree
    return Path(sys.prefix) / "share" / "cchc-sheets" / "xlsx_templates"


def available_forms() -> list[str]:
    root = packs_root()
    if not root.is_dir():
        return []
    return sorted({p.parent.name for name in PACK_FILES for p in root.glob(f"*/{name}")})


def pack_file(name_or_path: str | os.PathLike | None) -> Path | None:
    """The description file a ``--form`` value points at, or None."""
    target = str(name_or_path or DEFAULT_FORM)
    path = Path(target)
    if path.is_file():
        return path
    for root in (path, packs_root() / target):
        for name in PACK_FILES:
            if (root / name).is_file():
                return root / name
    return None


def load_form(name_or_path: str | os.PathLike | None = None) -> Form:
    """Load a pack by id (bundled) or by path to its folder, its form.yaml or its form.xlsx."""
    path = pack_file(name_or_path)
    if path is None:
        raise CchcError("form-not-found", form=str(name_or_path or DEFAULT_FORM),
                        available=", ".join(available_forms()) or "—")
    data, place = read_description(path)
    return form_from_dict(data, path.parent, path, place)


def check_pack(name_or_path: str | os.PathLike) -> tuple[Path | None, Form | None, list]:
    """(description file, form or None, every problem) for ``cchc form check``; never raises for a bad pack."""
    path = pack_file(name_or_path)
    if path is None:
        raise CchcError("form-not-found", form=str(name_or_path), available=", ".join(available_forms()) or "—")
    try:
        data, place = read_description(path)
    except CchcError as exc:
        return path, None, list(exc.params.get("problems", Listing(())).items)
    form, problems = check_form(data, path.parent, place)
    return path, form, problems


def read_description(path: Path):
    """(the pack's description as plain data, how its places are shown) from form.yaml or form.xlsx."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .workbook_source import read_form_workbook

        return read_form_workbook(path)
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yamlio.YAMLError) as exc:
        raise CchcError("form-invalid", path=path, problems=Listing((str(exc),))) from exc
    return data, None
