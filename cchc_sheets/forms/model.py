"""The form model: tables of rows and value columns, the cells they make, questions and rules.

A form has one or more tables, each on its own sheet (the first on ``Báo cáo`` with
the heading and the reporter's lines), and the qualitative questions on ``Ý kiến``.
A table has rows (a row may be a sub-row of another, or the ``total`` of the table's
top-level rows) and value columns under a header of up to three levels. Each row ×
value column is one cell of the form, an :class:`Indicator`, named by its key:

- ``ROW`` when the form has one table with one value column (the bundled pack: ``05.1``),
- ``ROW:COL`` when the form has one table with several value columns,
- ``TABLE!ROW`` / ``TABLE!ROW:COL`` when the form has several tables.

The rest of the toolkit works on ``Form.indicators`` (every cell, table by table,
row by row, column by column) and looks layout up in ``layout``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..messages import Texts
from .expressions import Expression

KINDS = ("count", "number", "percent", "yesno", "choice", "date", "text")
NUMERIC_KINDS = frozenset({"count", "number", "percent", "yesno"})   # held as numbers (Có = 1, Không = 0)
SUMMABLE_KINDS = frozenset({"count", "number"})
AGGREGATES = ("sum", "none")
SEVERITIES = ("error", "warning")
DEFAULT_NOTE_MAX_LENGTH = 500
DEFAULT_ANSWER_MAX_LENGTH = 4000
YES_NO = ("Có", "Không")


def cell_key(several_tables: bool, table: "Table", row: str, column: str | None = None) -> str:
    """A cell's key (see the module docstring); without ``column``, the key its row is known by
    (notes are per row): ``05.1``, ``tong``, ``tthc!tong``."""
    prefix = f"{table.code}!" if several_tables else ""
    return prefix + row + ("" if column is None or table.single_value else f":{column}")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Column:
    """A value column of a table."""

    code: str
    label: str
    group: tuple[str, ...] = ()       # the header levels above the label, outermost first
    kind: str = "count"
    min: float | None = None
    max: float | None = None
    required: bool = True
    formula: str | None = None        # as written, references relative to the row (``[:COL]``)
    aggregate: str = "sum"
    choices: str | None = None
    help: str = ""

    @property
    def header_path(self) -> tuple[str, ...]:
        return self.group + (self.label,)


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    parent: str | None = None
    unit: str = ""
    kind: str | None = None           # overrides the column's kind
    total: bool = False               # the sum of the table's other top-level rows
    required: bool | None = None
    min: float | None = None
    max: float | None = None
    help: str = ""
    formula: str | None = None        # as written, references to rows of the same column (``[ROW]``)
    choices: str | None = None        # the choice list, for a row of kind ``choice``

    @property
    def tt(self) -> str:
        """The TT column as printed: sub-rows (05.1) and the total row carry no number."""
        return "" if self.parent or self.total else self.code


@dataclass(frozen=True)
class Table:
    code: str
    title: str
    sheet: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    unit_column: bool = True
    note_column: bool = True
    tt_header: str = "TT"
    unit_header: str = "Đơn vị tính"
    note_header: str = "Ghi chú"

    @property
    def header_depth(self) -> int:
        return max(len(c.header_path) for c in self.columns) if self.columns else 1

    @property
    def single_value(self) -> bool:
        return len(self.columns) == 1

    def column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)

    def row(self, code: str) -> Row:
        return next(r for r in self.rows if r.code == code)


@dataclass(frozen=True)
class Indicator:
    """One cell of the form: a row of a table under one value column.

    ``code`` is the cell key (see the module's docstring); ``label`` the row's label, with
    the column's header path after it when the table has several value columns.
    """

    code: str
    label: str
    unit: str
    kind: str = "count"
    required: bool = True
    min: float | None = 0
    max: float | None = None
    aggregate: str = "sum"
    parent: str | None = None         # the key of the parent row's cell in the same column
    help: str = ""
    table: str = ""
    row: str = ""
    column: str = ""
    choices: str | None = None
    total: bool = False
    formula: Expression | None = field(default=None, compare=False)
    row_tt: str | None = None         # the printed TT; None: as for the bundled pack

    @property
    def tt(self) -> str:
        if self.row_tt is not None:
            return self.row_tt
        return "" if self.parent else self.code

    @property
    def is_numeric(self) -> bool:
        """Held in ``values`` as a number (counts, numbers, percents, yes/no)."""
        return self.kind in NUMERIC_KINDS

    @property
    def computed(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    section: str
    help: str = ""
    required: bool = False
    max_length: int = DEFAULT_ANSWER_MAX_LENGTH


@dataclass(frozen=True)
class Rule:
    """A rule condition; a rule written with ``[:COL]`` is one Rule per row of its table."""

    code: str
    when: str
    severity: str
    cells: tuple[str, ...]            # keys of the cells the finding names, the first one marked
    message: str
    message_en: str
    condition: Expression | None = field(default=None, compare=False)
    row: str | None = None            # the row this copy checks, for a rule over ``[:COL]``

    def applies(self, values: dict[str, float | None]) -> bool:
        """True when the rule's condition holds; False when a referenced value is missing."""
        return self.condition.holds(values) if self.condition is not None else False

    @property
    def words(self) -> Texts:
        """The author's message, Vietnamese and English, for the rule-failed finding."""
        return Texts(self.message, self.message_en)


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: str
    appendix_title: str
    subject: str
    tables: tuple[Table, ...]
    indicators: tuple[Indicator, ...]
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    note_max_length: int
    directory: Path
    choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict, compare=False, hash=False)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def columns(self) -> tuple[str, ...]:
        """The first table's five header texts (TT, row header, unit, first value column, note)."""
        table = self.tables[0]
        return (table.tt_header, table.row_header, table.unit_header, table.columns[0].label, table.note_header)

    @cached_property
    def simple(self) -> bool:
        """One table with one value column, unit and note columns: the bundled pack's shape,
        laid out and read by the original fast path."""
        table = self.tables[0]
        return len(self.tables) == 1 and table.single_value and table.unit_column and table.note_column \
            and table.header_depth == 1

    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)

    def cell_key(self, table: Table, row: str, column: str | None = None) -> str:
        """``cell_key`` for this form's tables."""
        return cell_key(len(self.tables) > 1, table, row, column)

    @cached_property
    def computed(self) -> tuple[Indicator, ...]:
        """The computed cells in an order where each comes after the cells it uses."""
        order, done = [], set()
        pending = [i for i in self.indicators if i.formula is not None]
        computed_keys = {i.code for i in pending}
        while pending:
            rest = []
            for item in pending:
                if all(k in done or k not in computed_keys for k in item.formula.keys):
                    order.append(item)
                    done.add(item.code)
                else:
                    rest.append(item)
            if len(rest) == len(pending):   # a cycle: the checker refuses such a form
                order.extend(rest)
                break
            pending = rest
        return tuple(order)

    def recompute(self, values: dict[str, float | int | None]) -> dict[str, float | int | None]:
        """``values`` with every computed cell worked out from the cells it uses (in place)."""
        for item in self.computed:
            values[item.code] = item.formula.value(values)
        return values

    def subject_for(self, period_label: str) -> str:
        return self.subject.format(period_label=period_label)

    def pack_file(self, name: str) -> Path:
        """A file shipped in the pack (narrative or email templates)."""
        return self.directory / name

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in _WORKED_OUT}


_WORKED_OUT = ("_by_code", "computed", "simple")   # Form's cached properties: worked out again after unpickling
