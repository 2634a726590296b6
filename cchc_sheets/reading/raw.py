"""What reading hands back (RawWorkbook, RawSheet), its limits, and the refusal every check raises."""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from .. import model

MB = 1024 * 1024
# A sheet this small is read whatever its name: a renamed form sheet is found by its labels
# (validation), and reading a few thousand cells costs nothing next to refusing to.
SMALL_SHEET_CELLS = 10_000


@dataclass
class Limits:
    max_file_bytes: int = 20 * MB            # a template is a few tens of KB
    max_uncompressed_bytes: int = 100 * MB   # all members of a ZIP package together
    max_member_ratio: int = 200              # declared size / compressed size of one member
    ratio_floor_bytes: int = 4 * MB          # the ratio only matters above this declared size
    max_members: int = 2000
    max_cells: int = 4_000_000               # rows x columns of one sheet's used grid
    max_total_cells: int = 5_000_000         # the used grids of all sheets together
    # cells holding something, in the sheets the native reader builds (all of an .ods or .xls; an
    # xlsx's loaded ones): each costs it (and Python) far more than an empty cell of a sparse grid
    max_filled_cells: int = 1_000_000
    max_sheets: int = 2048                   # a return has three; test suites hold 1,024 empty ones


@dataclass
class RawSheet:
    name: str
    visibility: str                # 'visible' | 'hidden' | 'veryhidden'
    cells: dict[str, object]       # 'D9' -> value; only non-empty cells
    protected: bool | None = None  # None when the format does not tell us cheaply
    # False: a sheet the form does not use, listed (name, visibility) but its cells never read
    # (``cells`` is empty then); ``declared_cells`` says how large its used grid is (None: unknown).
    loaded: bool = True
    declared_cells: int | None = None
    # Cells holding a formula but no cached result (never calculated, or saved by a tool that
    # does not calculate): A1 addresses, for the loaded sheets (a set, or a ``LazyAddresses``).
    formulas_without_value: AbstractSet[str] = field(default_factory=set)


class LazyAddresses(AbstractSet):
    """A set of A1 addresses worked out on first use.

    Which cells hold a formula without a result matters only for a blank input
    cell, and most returns have none: a table form's computed cells hold formulas
    in every return, and scanning them cost a fifth of reading an .xlsx.
    """

    __slots__ = ("_make", "_items")

    def __init__(self, make: Callable[[], Iterable[str]]):
        self._make: Callable[[], Iterable[str]] | None = make
        self._items: set[str] | None = None

    def _set(self) -> set[str]:
        if self._items is None:
            self._items, self._make = set(self._make()), None
        return self._items

    def __contains__(self, address: object) -> bool:
        return address in self._set()

    def __iter__(self):
        return iter(self._set())

    def __len__(self) -> int:
        return len(self._set())

    def __repr__(self) -> str:
        return repr(self._set())

    def __reduce__(self):
        return set, (list(self._set()),)


@dataclass
class RawWorkbook:
    path: str
    sha256: str
    size: int
    file_format: str | None        # 'xlsx' | 'xlsm' | 'xls' | 'ods' | 'xlsb'
    modified: datetime | None      # file mtime (UTC-aware)
    sheets: list[RawSheet] = field(default_factory=list)
    structure_protected: bool | None = None
    problem: model.Finding | None = None   # set when unreadable; sheets empty then
    macros: bool = False           # carries a macro project (VBA, LibreOffice Basic); never run here

    def sheet(self, name: str) -> RawSheet | None:
        wanted = fold_name(name)
        return next((s for s in self.sheets if fold_name(s.name) == wanted), None)

    @property
    def readable(self) -> bool:
        return self.problem is None


class Refused(Exception):
    """The file cannot be read; carries the catalogue code and its fields."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


def check_filled(cells: int, limits: Limits) -> None:
    """Refuse a workbook whose sheets hold more cells with content than any reader should build."""
    if cells > limits.max_filled_cells:
        from ..messages import phrase

        raise Refused("file-bomb", detail=phrase("detail-too-many-filled-cells", cells=cells,
                                                 limit=limits.max_filled_cells))


@functools.cache   # layout's constants: the same set for the life of the process
def form_sheets() -> frozenset[str]:
    """The folded names of the sheets a return of ours holds (their cells are always read)."""
    from .. import layout

    return frozenset(fold_name(name) for name in (layout.MAIN_SHEET, layout.ANSWERS_SHEET, layout.META_SHEET))


def fold_name(name: str) -> str:
    """A sheet name as every format's lookups compare it (NFC, trimmed, case-folded)."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")
