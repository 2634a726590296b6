"""What every file of one form is compared with, and the memo of texts their checks fold."""
from __future__ import annotations

import re
from functools import cached_property

from .. import a1
from .. import layout as L
from ..forms import Form
from ..text import fold_name, fold_text

_CELL = re.compile(r"^([A-Z]+)(\d+)$")


class FormPlan:
    """What every file of one form is compared with, worked out once, and the memo of texts
    the checks of those files fold.

    Owner and lifetime: whoever validates a batch of files builds one and hands it to
    ``validate_content`` for each file (``batch`` builds one in each worker process, in the
    pool's per-worker set-up, and drops it with the pool). Returns repeat the template's
    texts, so folding is remembered per distinct text; the memos are bounded (cleared when
    full), so memory stays flat over any number of files.
    """

    MEMO_ENTRIES = 20_000
    LAYOUT_ENTRIES = 500           # distinct layouts remembered (a batch shows a handful)

    def __init__(self, form: Form):
        self.form = form
        self.layout = L.Layout(form)
        self.table_sheets = frozenset(fold_name(t.sheet) for t in form.tables[1:])   # beside Báo cáo
        self._folded: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._places: dict[str, tuple[str, int] | None] = {}
        self._grid_places: dict[str, tuple[int, int] | None] = {}
        self._layouts: dict[tuple, object] = {}
        layout, key = self.layout, self.key
        self.header_keys = {key(text): layout_col for layout_col, text in zip(L.MAIN_COLUMNS, form.columns)}
        self.indicator_keys = tuple(key(i.label) for i in form.indicators)        # in form order
        self.reporter_keys = tuple(key(label) for _, label, _ in L.REPORTER_FIELDS)
        self.question_keys = tuple(key(q.label) for q in form.questions)
        # Every key ``locate`` looks for on the main sheet and on the answers sheet (blank cells never match).
        self.main_keys = frozenset(self.header_keys).union(self.indicator_keys, self.reporter_keys) - {""}
        self.answer_keys = frozenset(self.question_keys) - {""}
        # The expected folded texts of the layout cells (the fingerprint's input), and per sheet
        # (cells, texts as sent) for the fast comparison; an empty layout cell is absent.
        self.layout_places = tuple((c.sheet, c.cell) for c in layout.layout_cells)
        self.layout_texts = tuple(fold_text(c.text) for c in layout.layout_cells)
        self.layout_by_sheet = tuple(
            (sheet, tuple(c.cell for c in layout.layout_cells if c.sheet == sheet),
             [fold_text(c.text) or None for c in layout.layout_cells if c.sheet == sheet])
            for sheet in (L.MAIN_SHEET, L.ANSWERS_SHEET))

    @cached_property
    def _table_plans(self) -> tuple:
        from .tables import table_plans

        return table_plans(self.form, self.layout, self)

    @property
    def tables(self) -> dict:
        """Table code -> ``tables.TablePlan`` (a form of tables; worked out on first use)."""
        return self._table_plans[0]

    @property
    def cells(self) -> tuple:
        """Every cell's ``tables.CellPlan``, in form order (a form of tables; worked out on first use)."""
        return self._table_plans[1]

    def fold(self, value: object) -> str:
        """``text.fold_text``, remembered for plain strings."""
        if value.__class__ is not str:
            return fold_text(value)
        folded = self._folded.get(value)
        if folded is None:
            if len(self._folded) >= self.MEMO_ENTRIES:
                self._folded.clear()
            folded = self._folded[value] = fold_text(value)
        return folded

    def key(self, value: object) -> str:
        """How labels are matched when looking for a moved row: folded and case-insensitive."""
        if value.__class__ is not str:
            return fold_text(value).casefold()
        key = self._keys.get(value)
        if key is None:
            if len(self._keys) >= self.MEMO_ENTRIES:
                self._keys.clear()
            key = self._keys[value] = self.fold(value).casefold()
        return key

    def place(self, address: str) -> tuple[str, int] | None:
        """'D12' -> ('D', 12), remembered (a workbook uses a few hundred addresses at most)."""
        found = self._places.get(address, False)
        if found is False:
            if len(self._places) >= self.MEMO_ENTRIES:
                self._places.clear()
            match = _CELL.match(address)
            found = self._places[address] = (match.group(1), int(match.group(2))) if match else None
        return found

    def grid_place(self, address: str) -> tuple[int, int] | None:
        """'D12' -> (12, 4) as (row, column number), remembered (table forms place every text cell)."""
        found = self._grid_places.get(address, False)
        if found is False:
            if len(self._grid_places) >= self.MEMO_ENTRIES:
                self._grid_places.clear()
            found = self._grid_places[address] = a1.split_cell(address)
        return found

    def layout_seen(self, key: tuple, work_out):
        """Where a table or grid sits, for the texts (``key``) that decide it, remembered.

        Returns on one template hold the same headings and labels in the same cells,
        so where each row and column sits is worked out once per distinct layout;
        ``work_out()`` builds the answer, which callers copy before changing it.
        """
        found = self._layouts.get(key)
        if found is None:
            if len(self._layouts) >= self.LAYOUT_ENTRIES:
                self._layouts.clear()
            found = self._layouts[key] = work_out()
        return found

    def grid_texts(self, cells: dict[str, object]) -> dict[tuple[int, int], str]:
        """(row, column number) -> folded key of every text cell, for finding a table's header
        paths and row labels; the memos are looked up inline, as in ``text_cells``."""
        found, keys, places = {}, self._keys, self._grid_places
        for address, value in cells.items():
            if value.__class__ is str and value:
                place = places.get(address, False)
                if place is False:
                    place = self.grid_place(address)
                if place:
                    key = keys.get(value)
                    found[place] = key if key is not None else self.key(value)
        return found

    def text_cells(self, cells: dict[str, object], wanted: frozenset[str]) -> list[tuple[str, int, str]]:
        """(column, row, folded key) of every text cell whose key is ``wanted`` (a heading or label).

        Runs over every cell of every file: the two remembered lookups are inlined
        (a call each cost as much as the rest of the loop).
        """
        result, keys, places = [], self._keys, self._places
        for address, value in cells.items():
            if isinstance(value, str):
                key = keys.get(value) if value.__class__ is str else None
                if key is None:
                    key = self.key(value)
                if key in wanted:
                    place = places.get(address, False)
                    if place is False:
                        place = self.place(address)
                    if place:
                        result.append((place[0], place[1], key))
        return result
