"""The list of reporting units (communes) and the level above them.

Read from CSV (UTF-8, with or without BOM, ``,`` or ``;``) or XLSX. Headers in
English or Vietnamese. Every problem is reported with its line number.
Lines starting with ``#`` are comments (the bundled sample says it is sample data).
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .messages import CchcError, Listing, os_reason, phrase
from .text import fold_name, nfc

EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")

COLUMN_ALIASES = {
    "code": ("code", "mã", "mã đơn vị", "ma", "ma don vi"),
    "name": ("name", "tên đơn vị", "tên", "ten don vi", "ten"),
    "parent": ("parent", "đơn vị cấp trên", "cấp trên", "don vi cap tren"),
    "email": ("email", "e-mail", "thư điện tử"),
    "group": ("group", "nhóm", "nhom", "khu vực", "huyện cũ"),
}
REQUIRED_COLUMNS = ("code", "name")


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    parent: str = ""
    email: str = ""
    group: str = ""


@dataclass(frozen=True)
class UnitList:
    units: tuple[Unit, ...]
    source: str = ""

    @property
    def parent_name(self) -> str:
        """The level above (the merging office), the most common ``parent`` value."""
        parents = Counter(u.parent for u in self.units if u.parent)
        return parents.most_common(1)[0][0] if parents else ""

    @property
    def has_groups(self) -> bool:
        return any(u.group for u in self.units)

    def by_code(self) -> dict[str, Unit]:
        return dict(self._index)

    def get(self, code: str) -> Unit | None:
        return self._index.get(code)

    @cached_property
    def _index(self) -> dict[str, Unit]:
        """Built once: validation looks up every return's unit (a rebuild per lookup is N² at 10,000 units)."""
        return {u.code: u for u in self.units}

    def __iter__(self):
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(value).strip()


def load_units(path: str | Path) -> UnitList:
    path = Path(path)
    try:
        rows = _read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise CchcError("units-file-not-found", path=path, reason=os_reason(exc)) from exc
    return units_from_rows(rows, source=str(path))


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank, non-comment line."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        numbered = [(n, [_cell_text(c) for c in row]) for n, row in enumerate(sheet, start=1)]
    else:
        text = path.read_bytes().decode("utf-8-sig")
        dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=dialect)
        numbered = [(reader.line_num, [_cell_text(c) for c in row]) for row in reader]
    return [(n, cells) for n, cells in numbered
            if any(cells) and not cells[0].startswith("#")]


def _column_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    folded = [fold_name(h) for h in header]
    columns, problems = {}, []
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in folded:
                columns[key] = folded.index(alias)
                break
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            problems.append(phrase("units-missing-column", column=key, accepted=", ".join(COLUMN_ALIASES[key])))
    return columns, problems


def units_from_rows(rows: list[tuple[int, list[str]]], source: str = "") -> UnitList:
    if not rows:
        raise CchcError("units-invalid", path=source, problems=Listing((phrase("units-empty"),)))
    columns, problems = _column_map(rows[0][1])
    units: list[Unit] = []
    first_line: dict[str, int] = {}
    if not problems:
        shared: dict[str, str] = {}   # one copy of each parent and group name, not one a row
        for line, cells in rows[1:]:
            unit, unit_problems = _unit_from_cells(line, cells, columns, first_line, shared)
            problems += unit_problems
            if unit:
                units.append(unit)
        if not units and not problems:
            problems.append(phrase("units-empty"))
    if problems:
        raise CchcError("units-invalid", path=source, problems=Listing(tuple(problems)))
    return UnitList(tuple(units), source)


def _unit_from_cells(line, cells, columns, first_line, shared: dict[str, str]) -> tuple[Unit | None, list[str]]:
    def get(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    code, name, email = get("code"), get("name"), get("email")
    problems = []
    if not code:
        problems.append(phrase("units-empty-code", line=line))
    elif code in first_line:
        problems.append(phrase("units-duplicate-code", line=line, code=code, first_line=first_line[code]))
    else:
        first_line[code] = line
    if not name:
        problems.append(phrase("units-empty-name", line=line, code=code))
    if email and not EMAIL_PATTERN.match(email):
        problems.append(phrase("units-bad-email", line=line, email=email, code=code))
    if problems:
        return None, problems
    parent, group = get("parent"), get("group")
    return Unit(code=code, name=name, parent=shared.setdefault(parent, parent), email=email,
                group=shared.setdefault(group, group)), []


def bundled_sample_units() -> Path:
    from .forms import packs_root

    return packs_root() / "sample-units-huong-son.csv"
