"""The list of reporting units (communes) and the level above them.

Read from CSV (UTF-8, with or without BOM, ``,`` or ``;``) or XLSX. Headers in
English or Vietnamese. Every problem is reported with its line number.
Lines starting with ``#`` are comments (the bundled sample says it is sample data).

Several levels may share one list: a ``parent`` that is another unit's code puts that unit
above it (province → former district → commune). A parent that is no code in the list is the
name of the office above the whole list (today's free text). Checked, each with its line: a
cycle, a parent that is neither a code nor the office's name, the same code under two parents.

Merged communes: a unit's ``predecessors`` (codes of the units it was formed from, separated
by ``;`` or ``,``), from a column of the list or from a crosswalk file (``load_crosswalk``:
old code, new code, date of the change). Comparisons with earlier periods add up the
predecessors' values; a return on a predecessor's template is ``unit-merged``.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
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
    "predecessors": ("predecessors", "đơn vị cũ", "don vi cu", "sáp nhập từ", "sap nhap tu", "mã cũ", "ma cu"),
}
CROSSWALK_ALIASES = {
    "old": ("old code", "old", "mã cũ", "ma cu", "mã đơn vị cũ", "ma don vi cu"),
    "new": ("new code", "new", "mã mới", "ma moi", "mã đơn vị mới", "ma don vi moi"),
    "date": ("date", "date of change", "ngày", "ngay", "ngày sắp xếp", "ngay sap xep", "ngày hiệu lực"),
}
PREDECESSOR_SEPARATORS = re.compile(r"[;,]")
REQUIRED_COLUMNS = ("code", "name")


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    parent: str = ""
    email: str = ""
    group: str = ""
    line: int = field(default=0, compare=False)   # the line of the units file it came from (0: not from a file)
    predecessors: tuple[str, ...] = ()   # codes of the units it was formed from (merged communes)
    merged_on: date | None = None        # when it was formed, if known (a crosswalk's date)

    def merged_for(self, period) -> bool:
        """Whether the merger had happened by ``period`` (no date known: it had)."""
        return bool(self.predecessors) and (self.merged_on is None or period is None or period.end >= self.merged_on)


@dataclass(frozen=True)
class UnitList:
    units: tuple[Unit, ...]
    source: str = ""
    office: str = field(default="", compare=False)   # the office above, when known otherwise than from ``parent`` (``reporting``)

    @property
    def parent_name(self) -> str:
        """The level above (the merging office): the most common ``parent`` that is no code in the list."""
        if self.office:
            return self.office
        parents = Counter(u.parent for u in self.units if u.parent and u.parent not in self._index)
        return parents.most_common(1)[0][0] if parents else ""

    @property
    def has_levels(self) -> bool:
        """Whether some unit's parent is another unit of this list."""
        return any(u.parent in self._index for u in self.units if u.parent)

    def children(self, code: str) -> list[Unit]:
        return self._children.get(code, [])

    @cached_property
    def _children(self) -> dict[str, list[Unit]]:
        found: dict[str, list[Unit]] = {}
        for unit in self.units:
            if unit.parent in self._index:
                found.setdefault(unit.parent, []).append(unit)
        return found

    def leaves(self, code: str) -> list[Unit]:
        """The lowest-level units under ``code`` (the unit itself when nothing is under it)."""
        below = self.children(code)
        if not below:
            unit = self.get(code)
            return [unit] if unit else []
        return [leaf for child in below for leaf in self.leaves(child.code)]

    def ancestor_below(self, code: str, top: str) -> str | None:
        """The unit directly under ``top`` on ``code``'s line of parents (None when ``code`` is not under it)."""
        seen, current = set(), self.get(code)
        while current is not None and current.code not in seen:
            seen.add(current.code)
            if current.parent == top:
                return current.code
            current = self.get(current.parent)
        return None

    def reporting(self) -> "UnitList":
        """The units that send returns to the office merging this list: the level directly below it.

        A list of one level is itself. With levels: the units whose parent is no code in the list
        (the office's name above them); when that is a single unit, the office is that unit and
        its children report. Each reporting unit's subtotal group is its own ``group``, else,
        when units lie under it, its own name (the merge subtotals by the level below it).
        """
        if not self.has_levels:
            return self
        tops = [u for u in self.units if u.parent not in self._index]
        if len(tops) == 1 and self.children(tops[0].code):
            tops = self.children(tops[0].code)
        chosen = tuple(replace(u, group=u.group or (u.name if self.children(u.code) else "")) for u in tops)
        return UnitList(chosen, self.source, office=self.office_name)

    @property
    def office_name(self) -> str:
        """The merging office: the free-text parent above the list, or its single top unit's name."""
        if self.office:
            return self.office
        tops = [u for u in self.units if u.parent not in self._index]
        if self.has_levels and len(tops) == 1 and self.children(tops[0].code):
            return tops[0].name
        return self.parent_name

    @property
    def has_groups(self) -> bool:
        return any(u.group for u in self.units)

    def by_code(self) -> dict[str, Unit]:
        return dict(self._index)

    def get(self, code: str) -> Unit | None:
        return self._index.get(code)

    def successor(self, code: str) -> Unit | None:
        """The unit ``code`` was merged into (None when ``code`` is no unit's predecessor)."""
        return self._successors.get(code)

    @cached_property
    def _successors(self) -> dict[str, Unit]:
        return {old: u for u in self.units for old in u.predecessors}

    @property
    def has_predecessors(self) -> bool:
        return any(u.predecessors for u in self.units)

    def with_crosswalk(self, crosswalk: "Crosswalk") -> "UnitList":
        """This list with each unit's predecessors and date of change from ``crosswalk`` (checked)."""
        problems = [phrase("units-crosswalk-unknown", line=line, code=new, old=old)
                    for line, old, new, _ in crosswalk.rows if new not in self._index]
        by_new: dict[str, list] = {}
        for _, old, new, when in crosswalk.rows:
            by_new.setdefault(new, []).append((old, when))
        units = tuple(replace(u, predecessors=tuple(dict.fromkeys([*u.predecessors, *(o for o, _ in by_new[u.code])])),
                              merged_on=max((w for _, w in by_new[u.code] if w), default=u.merged_on))
                      if u.code in by_new else u for u in self.units)
        problems += predecessor_problems(units)
        if problems:
            raise CchcError("units-invalid", path=crosswalk.source, problems=Listing(tuple(problems)))
        return UnitList(units, self.source, office=self.office)

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
    return units_from_rows(_rows_of(Path(path)), source=str(path))


def _rows_of(path: Path) -> list[tuple[int, list[str]]]:
    """``_read_rows``, a file that cannot be read being the catalogue's error naming it."""
    try:
        return _read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise CchcError("units-file-not-found", path=path, reason=os_reason(exc)) from exc


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank, non-comment line."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        numbered = [(n, [_cell_text(c) for c in row]) for n, row in enumerate(sheet, start=1)]
    else:
        # NFC of the whole text at once equals NFC cell by cell: the delimiters, quotes and line
        # ends are starters that compose with nothing (10,000 units: a fifth of the load).
        text = nfc(path.read_bytes().decode("utf-8-sig"))
        dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=dialect)
        numbered = [(reader.line_num, [c.strip() for c in row]) for row in reader]
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


_PICKED = ("code", "name", "email", "parent", "group", "predecessors")


def units_from_rows(rows: list[tuple[int, list[str]]], source: str = "") -> UnitList:
    if not rows:
        raise CchcError("units-invalid", path=source, problems=Listing((phrase("units-empty"),)))
    columns, problems = _column_map(rows[0][1])
    units: list[Unit] = []
    first_line: dict[str, tuple[int, str]] = {}   # code -> (line, parent) of its first line
    if not problems:
        shared: dict[str, str] = {}   # one copy of each parent and group name, not one a row
        picks = tuple(columns.get(key) for key in _PICKED)
        for line, cells in rows[1:]:
            width = len(cells)
            picked = [cells[i] if i is not None and i < width else "" for i in picks]
            unit, unit_problems = _unit_from_cells(line, picked, first_line, shared)
            problems += unit_problems
            if unit:
                units.append(unit)
        if not units and not problems:
            problems.append(phrase("units-empty"))
        problems += hierarchy_problems(units)
        problems += predecessor_problems(units)
    if problems:
        raise CchcError("units-invalid", path=source, problems=Listing(tuple(problems)))
    return UnitList(tuple(units), source)


def _unit_from_cells(line, picked, first_line, shared: dict[str, str]) -> tuple[Unit | None, list[str]]:
    """One line's unit from its cells in ``_PICKED`` order ('' for a column the file lacks)."""
    code, name, email, parent, group, predecessors = picked
    problems = []
    if not code:
        problems.append(phrase("units-empty-code", line=line))
    elif code in first_line:
        first, first_parent = first_line[code]
        if first_parent != parent:
            problems.append(phrase("units-two-parents", line=line, code=code, first_line=first,
                                   parent=parent, first_parent=first_parent))
        else:
            problems.append(phrase("units-duplicate-code", line=line, code=code, first_line=first))
    else:
        first_line[code] = (line, parent)
    if not name:
        problems.append(phrase("units-empty-name", line=line, code=code))
    if email and not EMAIL_PATTERN.match(email):
        problems.append(phrase("units-bad-email", line=line, email=email, code=code))
    if problems:
        return None, problems
    return Unit(code=code, name=name, parent=shared.setdefault(parent, parent), email=email,
                group=shared.setdefault(group, group), line=line,
                predecessors=split_codes(predecessors) if predecessors else ()), []


def split_codes(text: str) -> tuple[str, ...]:
    """'X1; X2,X3' -> ('X1', 'X2', 'X3')."""
    return tuple(dict.fromkeys(c.strip() for c in PREDECESSOR_SEPARATORS.split(text or "") if c.strip()))


def predecessor_problems(units) -> list:
    """A predecessor that is still a unit of the list, or one merged into two units, with its line."""
    index = {u.code for u in units}
    first: dict[str, Unit] = {}
    problems = []
    for unit in units:
        for old in unit.predecessors:
            if old in index and old != unit.code:
                problems.append(phrase("units-predecessor-listed", line=unit.line, code=unit.code, old=old))
            elif old in first and first[old].code != unit.code:
                problems.append(phrase("units-predecessor-twice", line=unit.line, code=unit.code, old=old,
                                       first=first[old].code))
            first.setdefault(old, unit)
    return problems


def hierarchy_problems(units: list[Unit]) -> list:
    """Cycles and unknown parents, each with its line (only when some parent is a code of the list)."""
    index = {u.code: u for u in units}
    if not any(u.parent in index for u in units if u.parent):
        return []   # one level: ``parent`` is the office's name, free text as ever
    office = Counter(u.parent for u in units if u.parent and u.parent not in index).most_common(1)
    office_name = office[0][0] if office else ""
    problems = [phrase("units-unknown-parent", line=u.line, code=u.code, parent=u.parent, office=office_name)
                for u in units if u.parent and u.parent not in index and u.parent != office_name]
    reported: set[str] = set()
    for unit in units:
        cycle = _cycle_from(unit, index)
        if cycle and not reported & set(cycle):
            reported |= set(cycle)
            problems.append(phrase("units-parent-cycle", line=unit.line, code=unit.code,
                                   cycle=" → ".join([*cycle, cycle[0]])))
    return problems


def _cycle_from(unit: Unit, index: dict[str, Unit]) -> list[str]:
    """The codes of the cycle ``unit`` lies on, from ``unit``; empty when its parents reach the top."""
    path, current = [], unit
    while current is not None and current.code not in path:
        path.append(current.code)
        current = index.get(current.parent)
    return path if current is not None and current.code == unit.code else []


@dataclass(frozen=True)
class Crosswalk:
    """Old code -> new code, with the date of the change: (line, old, new, date or None) per row."""
    rows: tuple[tuple[int, str, str, date | None], ...]
    source: str = ""


def load_crosswalk(path: str | Path) -> Crosswalk:
    """A crosswalk file (CSV or XLSX): old code, new code, date of change (YYYY-MM-DD or dd/mm/yyyy)."""
    return crosswalk_from_rows(_rows_of(Path(path)), source=str(path))


def crosswalk_from_rows(rows: list[tuple[int, list[str]]], source: str = "") -> Crosswalk:
    if not rows:
        raise CchcError("units-invalid", path=source, problems=Listing((phrase("units-empty"),)))
    folded = [fold_name(h) for h in rows[0][1]]
    columns = {key: next((folded.index(a) for a in aliases if a in folded), None)
               for key, aliases in CROSSWALK_ALIASES.items()}
    problems = [phrase("units-missing-column", column=key, accepted=", ".join(CROSSWALK_ALIASES[key]))
                for key in ("old", "new") if columns[key] is None]
    found = []
    for line, cells in ([] if problems else rows[1:]):
        get = lambda key: cells[columns[key]] if columns[key] is not None and columns[key] < len(cells) else ""  # noqa: E731
        when = _crosswalk_date(get("date"))
        if not get("old") or not get("new") or when is False:
            problems.append(phrase("units-crosswalk-bad-line", line=line))
            continue
        found.append((line, get("old"), get("new"), when))
    if problems:
        raise CchcError("units-invalid", path=source, problems=Listing(tuple(problems)))
    return Crosswalk(tuple(found), source)


def _crosswalk_date(text: str):
    """A date, None when blank, False when unreadable."""
    from datetime import datetime

    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    return False


def bundled_sample_units() -> Path:
    from .forms import packs_root

    return packs_root() / "sample-units-huong-son.csv"
