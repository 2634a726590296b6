"""A pack's description (form.yaml, or form.xlsx read into the same shape) checked completely.

Every problem is kept with its place (``indicators[3].unit`` in YAML, ``rows!C7`` in a
form workbook) instead of stopping at the first, and the form is built as frozen
dataclasses. Two shapes are accepted:

- ``tables:`` a list of tables, each with ``columns`` and ``rows`` (any form);
- ``columns:`` (the five headers) and ``indicators:`` (the first, one-column shape),
  read as one table whose rows are the indicators.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..messages import CchcError, Listing, Phrase, phrase
from ..text import nfc
from . import expressions as X
from .model import (AGGREGATES, DEFAULT_ANSWER_MAX_LENGTH, DEFAULT_NOTE_MAX_LENGTH, KINDS,
                    SEVERITIES, SUMMABLE_KINDS, Choice, Column, Form, Indicator, Question, Row, Rule, Table, cell_key)

CODE_PATTERN = re.compile(r"^[0-9A-Za-z]+([._-][0-9A-Za-z]+)*$")
MAX_HEADER_LEVELS = 3
MAX_SHEET_NAME = 31
LEGACY_TABLE = "bao-cao"
LEGACY_COLUMN = "so-luong"
FIRST_SHEET = "Báo cáo"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_YES = {"có", "co", "yes", "true", "x", "1"}
_NO = {"không", "khong", "no", "false", "0", ""}

Place = Callable[[str], str]


def form_from_dict(data: object, directory: Path, source: object = "form.yaml", place: Place | None = None) -> Form:
    """Check a parsed pack completely and build the Form, or raise ``form-invalid`` listing every problem.

    ``place``: how a YAML-style place (``tables[0].rows[2].unit``) is shown, for packs read
    from another shape (a form workbook shows ``rows!D5``).
    """
    form, problems = check_form(data, directory, place)
    if problems:
        raise CchcError("form-invalid", path=source, problems=Listing(tuple(problems)))
    return form


def check_form(data: object, directory: Path, place: Place | None = None) -> tuple[Form | None, list[Phrase]]:
    """The form and every problem found (``pack-problem`` phrases: place and problem)."""
    checker = _PackChecker(place or (lambda p: p))
    form = checker.build(data, directory)
    return form, checker.problems


def _flag(value: object, default: bool) -> bool | None:
    """Yes/no written as a YAML boolean or as text (có/không, x); None when it is neither."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = nfc(str(value)).strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


class _PackChecker:
    """Collects every problem of a pack with its place instead of stopping at the first."""

    def __init__(self, place: Place):
        self.problems: list[Phrase] = []
        self.place = place
        self.legacy = False                          # the first shape: indicators and five headers
        self.legacy_aggregates: dict[str, str] = {}
        self.choice_lists: dict[str, tuple[Choice, ...]] = {}
        self.formula_places: dict[str, str] = {}     # cell key -> where its formula is written

    # --- primitives -----------------------------------------------------------------
    def problem(self, place: str, message_code: str, /, **params: object) -> None:
        found = phrase("pack-problem", place=self.place(place), problem=phrase(message_code, **params))
        if found not in self.problems:     # a formula copied on every row is one problem, not one per row
            self.problems.append(found)

    def text(self, data: dict, key: str, place: str, name_code: str, required=True) -> str:
        """The text at ``key``; ``name_code`` is the catalogue phrase naming the field in problems."""
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(f"{place}.{key}", "pack-missing", what=phrase(name_code))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(f"{place}.{key}", "pack-not-text", what=phrase(name_code))
            return ""
        return nfc(str(value).strip())

    def code(self, data: dict, place: str, name_code: str, seen: set[str]) -> str:
        code = self.text(data, "code", place, name_code)
        if code and not CODE_PATTERN.match(code):
            self.problem(f"{place}.code", "pack-bad-code", code=code)
        elif code in seen:
            self.problem(f"{place}.code", "pack-code-repeats", code=code)
        return code

    def flag(self, data: dict, key: str, place: str, default: bool | None) -> bool | None:
        value = _flag(data.get(key), default)
        if value is None:
            self.problem(f"{place}.{key}", "pack-not-yes-no", key=key)
            return default
        return value

    def bound(self, item: dict, key: str, place: str, default: float | None) -> float | None:
        value = item.get(key, default)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{place}.{key}", "pack-not-number", key=key)
            return default
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def mappings(self, value: object, section: str):
        """(place, item) for every mapping of a list section; what is not one is a problem."""
        if not isinstance(value, list):
            self.problem(section if "." in section or "[" in section else f"form.{section}", "pack-not-list")
            return
        for n, item in enumerate(value):
            place = f"{section}[{n}]"
            if isinstance(item, dict):
                yield place, item
            else:
                self.problem(place, "pack-not-mapping")

    def kind(self, item: dict, place: str, default: str | None) -> str | None:
        kind = item.get("kind", default)
        if kind is None or (isinstance(kind, str) and not kind.strip()):
            return default
        kind = str(kind).strip()
        if kind not in KINDS:
            self.problem(f"{place}.kind", "pack-bad-kind", kind=kind, kinds=", ".join(KINDS))
            return default
        return kind

    # --- the form -----------------------------------------------------------------------
    def build(self, data: object, directory: Path) -> Form | None:
        if not isinstance(data, dict):
            self.problem("form.yaml", "pack-not-mapping")
            return None
        data = dict(data)
        for place, code, params in data.pop("_problems", ()):   # found while reading a form workbook
            self.problem(place, code, **params)
        form_id = self.text(data, "id", "form", "pack-field-form-id")
        if form_id and not CODE_PATTERN.match(form_id):
            self.problem("form.id", "pack-bad-code", code=form_id)
        version = data.get("version")
        if isinstance(version, float) and version.is_integer():
            version = int(version)
        if isinstance(version, str) and version.strip().isdigit():
            version = int(version.strip())
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("form.version", "pack-bad-version")
            version = 0
        self.choice_lists = self.choices(data.get("choices"))
        if "tables" in data and "indicators" in data:
            self.problem("form.indicators", "pack-tables-and-indicators")
        if "tables" in data:
            tables = self.tables(data.get("tables"))
        else:
            tables = self.legacy_table(data)
        indicators = self.cells(tables)
        by_key = {i.code: i for i in indicators}
        form = Form(
            id=form_id,
            version=version,
            title=self.text(data, "title", "form", "pack-field-title"),
            appendix_title=self.text(data, "appendix_title", "form", "pack-field-appendix-title", required=False),
            subject=self.text(data, "subject", "form", "pack-field-subject"),
            tables=tables,
            indicators=indicators,
            questions=self.questions(data.get("questions") or []),
            rules=self.rules(data.get("rules") or [], tables, by_key),
            note_max_length=int(self.bound(data, "note_max_length", "form", DEFAULT_NOTE_MAX_LENGTH)
                                or DEFAULT_NOTE_MAX_LENGTH),
            directory=directory,
            choices=self.choice_lists,
            extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        )
        if "{period_label}" not in form.subject and form.subject:
            self.problem("form.subject", "pack-subject-period")
        self.cycles(indicators)
        return form

    def choices(self, value: object) -> dict[str, tuple[Choice, ...]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem("form.choices", "pack-not-mapping")
            return {}
        lists: dict[str, tuple[Choice, ...]] = {}
        for name, items in value.items():
            place = f"choices.{name}"
            if not isinstance(items, list) or not items:
                self.problem(place, "pack-choices-empty", name=name)
                continue
            seen, result = set(), []
            for n, item in enumerate(items):
                if isinstance(item, dict):
                    choice_value = self.text(item, "value", f"{place}[{n}]", "pack-field-choice-value")
                    label = self.text(item, "label", f"{place}[{n}]", "pack-field-choice-label", required=False)
                else:
                    choice_value = label = nfc(str(item)).strip()
                if choice_value.casefold() in seen:
                    self.problem(f"{place}[{n}]", "pack-code-repeats", code=choice_value)
                seen.add(choice_value.casefold())
                result.append(Choice(choice_value, label or choice_value))
            lists[str(name)] = tuple(result)
        return lists

    # --- tables ---------------------------------------------------------------------------
    def tables(self, value: object) -> tuple[Table, ...]:
        if not isinstance(value, list) or not value:
            self.problem("form.tables", "pack-no-tables")
            return ()
        tables, codes, sheets = [], set(), set()
        for place, item in self.mappings(value, "tables"):
            table = self.table(item, place, codes, first=not tables)
            if table is None:
                continue
            if table.sheet.casefold() in sheets:
                self.problem(f"{place}.sheet", "pack-sheet-repeats", sheet=table.sheet)
            codes.add(table.code)
            sheets.add(table.sheet.casefold())
            tables.append(table)
        return tuple(tables)

    def table(self, item: dict, place: str, seen: set[str], first: bool) -> Table | None:
        code = self.code(item, place, "pack-field-table-code", seen)
        title = self.text(item, "title", place, "pack-field-table-title")
        default_sheet = FIRST_SHEET if first else (title or code)[:MAX_SHEET_NAME]
        sheet = self.text(item, "sheet", place, "pack-field-sheet", required=False) or default_sheet
        if first and sheet != FIRST_SHEET:
            self.problem(f"{place}.sheet", "pack-first-sheet", sheet=FIRST_SHEET)
            sheet = FIRST_SHEET
        if len(sheet) > MAX_SHEET_NAME or _SHEET_FORBIDDEN.search(sheet) or sheet.casefold() in ("ý kiến", "_cchc"):
            self.problem(f"{place}.sheet", "pack-bad-sheet", sheet=sheet)
        columns = self.columns(item.get("columns"), place)
        rows = self.rows(item.get("rows"), place, columns)
        if not code:
            return None
        return Table(
            code=code, title=title, sheet=sheet,
            row_header=self.text(item, "row_header", place, "pack-field-row-header", required=False) or "Chỉ tiêu",
            columns=columns, rows=rows,
            unit_column=bool(self.flag(item, "unit_column", place, True)),
            note_column=bool(self.flag(item, "note_column", place, True)),
        )

    def columns(self, value: object, table_place: str) -> tuple[Column, ...]:
        if not isinstance(value, list) or not value:
            self.problem(f"{table_place}.columns", "pack-no-columns")
            return ()
        result, seen = [], set()
        for place, item in self.mappings(value, f"{table_place}.columns"):
            code = self.code(item, place, "pack-field-column-code", seen)
            seen.add(code)
            kind = self.kind(item, place, "count")
            group_text = item.get("group") or ()
            if isinstance(group_text, str):
                group = tuple(nfc(part).strip() for part in group_text.split(" / ") if part.strip())
            elif isinstance(group_text, (list, tuple)):
                group = tuple(nfc(str(part)).strip() for part in group_text if str(part).strip())
            else:
                self.problem(f"{place}.group", "pack-not-text", what=phrase("pack-field-group"))
                group = ()
            if len(group) + 1 > MAX_HEADER_LEVELS:
                self.problem(f"{place}.group", "pack-too-many-levels", limit=MAX_HEADER_LEVELS)
            minimum = self.bound(item, "min", place, None)
            maximum = self.bound(item, "max", place, None)
            if minimum is not None and maximum is not None and minimum > maximum:
                self.problem(f"{place}.max", "pack-max-below-min")
            formula = self.text(item, "formula", place, "pack-field-formula", required=False) or None
            aggregate = self.aggregate(item, place, kind)
            choices = self.choice_list(item, place, kind)
            result.append(Column(
                code=code, label=self.text(item, "label", place, "pack-field-column-label"), group=group,
                kind=kind, min=minimum, max=maximum, required=bool(self.flag(item, "required", place, True)),
                formula=formula, aggregate=aggregate, choices=choices,
                help=self.text(item, "help", place, "pack-field-help", required=False)))
        return tuple(c for c in result if c.code)

    def aggregate(self, item: dict, place: str, kind: str) -> str:
        default = "sum" if kind in SUMMABLE_KINDS or kind == "yesno" else "none"
        aggregate = item.get("aggregate") or default
        if aggregate not in AGGREGATES or (aggregate == "sum" and kind not in SUMMABLE_KINDS | {"yesno"}):
            self.problem(f"{place}.aggregate", "pack-bad-aggregate", aggregate=aggregate)
            return default
        return aggregate

    def choice_list(self, item: dict, place: str, kind: str | None) -> str | None:
        name = item.get("choices")
        name = str(name).strip() if name not in (None, "") else None
        if kind == "choice" and not name:
            self.problem(f"{place}.choices", "pack-choice-list-missing")
        elif name and name not in self.choice_lists:
            self.problem(f"{place}.choices", "pack-choice-list-unknown", name=name)
        return name

    def rows(self, value: object, table_place: str, columns: tuple[Column, ...]) -> tuple[Row, ...]:
        if not isinstance(value, list) or not value:
            self.problem(f"{table_place}.rows", "pack-no-rows")
            return ()
        result, seen = [], set()
        for place, item in self.mappings(value, f"{table_place}.rows"):
            code = self.code(item, place, "pack-field-row-code", seen)
            parent = item.get("parent")
            parent = nfc(str(parent)).strip() if parent not in (None, "") else None
            if parent is not None and parent not in seen:
                every_code = {nfc(str(other.get("code"))).strip() for other in value if isinstance(other, dict)}
                self.problem(f"{place}.parent", "pack-parent-later" if parent in every_code else "pack-parent-unknown",
                             parent=parent)
            seen.add(code)
            kind = self.kind(item, place, None)
            total = bool(self.flag(item, "total", place, False))
            minimum, maximum = self.bound(item, "min", place, None), self.bound(item, "max", place, None)
            if minimum is not None and maximum is not None and minimum > maximum:
                self.problem(f"{place}.max", "pack-max-below-min")
            required = self.flag(item, "required", place, None) if item.get("required") is not None else None
            choices = self.choice_list(item, place, kind) if kind == "choice" or item.get("choices") else None
            result.append(Row(
                code=code, label=self.text(item, "label", place, "pack-field-row-label"), parent=parent,
                unit=self.text(item, "unit", place, "pack-field-indicator-unit", required=False), kind=kind,
                total=total, required=required, min=minimum, max=maximum,
                help=self.text(item, "help", place, "pack-field-help", required=False),
                formula=self.text(item, "formula", place, "pack-field-formula", required=False) or None,
                choices=choices))
        return tuple(r for r in result if r.code)

    def legacy_table(self, data: dict) -> tuple[Table, ...]:
        """The first shape: five header texts and a list of indicators, read as one table."""
        self.legacy = True
        headers = data.get("columns")
        if not isinstance(headers, list) or len(headers) != 5:
            self.problem("form.columns", "pack-five-columns")
            headers = ["TT", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú"]
        headers = [nfc(str(h)) for h in headers]
        value = data.get("indicators")
        if not isinstance(value, list) or not value:
            self.problem("form.indicators", "pack-no-indicators")
            value = []
        rows, seen = [], set()
        for place, item in self.mappings(value, "indicators"):
            code = self.code(item, place, "pack-field-indicator-code", seen)
            kind = self.kind(item, place, "count") or "count"
            if kind not in ("count", "number", "text"):
                self.problem(f"{place}.kind", "pack-bad-kind", kind=kind, kinds="count, number, text")
            aggregate = self.aggregate(item, place, kind)
            parent = item.get("parent")
            if parent is not None and str(parent) not in seen:
                self.problem(f"{place}.parent", "pack-parent-later", parent=parent)
            seen.add(code)
            minimum = self.bound(item, "min", place, 0 if kind != "text" else None)
            maximum = self.bound(item, "max", place, None)
            if minimum is not None and maximum is not None and minimum > maximum:
                self.problem(f"{place}.max", "pack-max-below-min")
            self.legacy_aggregates[code] = aggregate
            rows.append(Row(
                code=code, label=self.text(item, "label", place, "pack-field-indicator-label"),
                unit=self.text(item, "unit", place, "pack-field-indicator-unit"), kind=kind,
                required=bool(item.get("required", True)), min=minimum, max=maximum,
                parent=str(parent) if parent is not None else None,
                help=self.text(item, "help", place, "pack-field-help", required=False)))
        column = Column(code=LEGACY_COLUMN, label=headers[3], kind="count", min=0)

        return (Table(code=LEGACY_TABLE, title=nfc(str(data.get("title") or "")), sheet=FIRST_SHEET,
                      row_header=headers[1], columns=(column,), rows=tuple(r for r in rows if r.code),
                      tt_header=headers[0], unit_header=headers[2], note_header=headers[4]),)

    # --- cells, formulas --------------------------------------------------------------------
    def key(self, tables: tuple[Table, ...], table: Table, row: str, column: str) -> str:
        return cell_key(len(tables) > 1, table, row, column)

    def resolve(self, ref: X.Reference, tables: tuple[Table, ...], table: Table | None, row: str | None,
                place: str, own_column: str | None = None) -> str | None:
        """The key a reference stands for in its context, or None (with a problem).

        ``own_column``: the column a row formula is copied into (``[ROW]`` means that column's cell).
        """
        if ref.table is not None:
            table = next((t for t in tables if t.code == ref.table), None)
            if table is None:
                self.problem(place, "pack-unknown-table", reference=ref.text, table=ref.table)
                return None
        if table is None:
            self.problem(place, "pack-reference-needs-table", reference=ref.text)
            return None
        row_code = ref.row or row
        if row_code is None:
            self.problem(place, "pack-reference-needs-row", reference=ref.text)
            return None
        if not any(r.code == row_code for r in table.rows):
            if self.legacy:
                self.problem(place, "pack-unknown-indicators", codes=row_code)
            else:
                self.problem(place, "pack-unknown-row", reference=ref.text, row=row_code, table=table.code)
            return None
        column = ref.column or (own_column if ref.table is None else None)
        if column is None:
            if not table.single_value:
                self.problem(place, "pack-reference-needs-column", reference=ref.text, table=table.code)
                return None
            column = table.columns[0].code
        elif not any(c.code == column for c in table.columns):
            self.problem(place, "pack-unknown-column", reference=ref.text, column=column, table=table.code)
            return None
        return self.key(tables, table, row_code, column)

    def expression(self, source: str, place: str, tables, table, row, column: str | None = None) -> X.Expression | None:
        """The expression with its references resolved; every unknown reference and a syntax
        that is not allowed are problems."""
        try:
            references = X.references_in(source)
        except ValueError as exc:
            self.problem(place, "pack-bad-condition", error=exc)
            return None
        keys = [self.resolve(ref, tables, table, row, place, column) for ref in references]
        try:
            X.parse(source)
        except (SyntaxError, ValueError) as exc:
            self.problem(place, "pack-bad-condition", error=exc)
            return None
        if any(k is None for k in keys):
            return None
        return X.Expression(source, tuple(keys))

    def cells(self, tables: tuple[Table, ...]) -> tuple[Indicator, ...]:
        cells: list[Indicator] = []
        for t_index, table in enumerate(tables):
            tplace = "indicators" if self.legacy else f"tables[{t_index}]"
            top_level = [r for r in table.rows if r.parent is None and not r.total]
            if sum(r.total for r in table.rows) > 1:
                self.problem(f"{tplace}.rows", "pack-two-totals")
            for r_index, row in enumerate(table.rows):
                rplace = f"indicators[{r_index}]" if self.legacy else f"{tplace}.rows[{r_index}]"
                for c_index, column in enumerate(table.columns):
                    cells.append(self.cell(tables, table, row, column, top_level,
                                           rplace, f"{tplace}.columns[{c_index}]"))
        return tuple(c for c in cells if c is not None)

    def cell(self, tables, table: Table, row: Row, column: Column, top_level: list[Row],
             row_place: str, column_place: str) -> Indicator | None:
        kind = row.kind or column.kind
        formula, source, place = None, None, None
        if column.formula:
            source, place, context_row = column.formula, f"{column_place}.formula", row.code
        elif row.formula:
            source, place, context_row = row.formula, f"{row_place}.formula", None
        elif row.total and kind in SUMMABLE_KINDS:
            parts = [r.code for r in top_level]
            source = " + ".join(f"[{r}:{column.code}]" for r in parts) if parts else "0"
            place, context_row = f"{row_place}.total", None
        if source:
            # a row formula names rows; each value column uses its own cells
            own_column = column.code if (row.formula and not column.formula) else None
            formula = self.expression(source, place, tables, table, context_row, own_column)
        key = self.key(tables, table, row.code, column.code)
        if place:
            self.formula_places[key] = place
        is_legacy = self.legacy
        minimum = row.min if row.min is not None else column.min
        if minimum is None and kind in SUMMABLE_KINDS | {"percent"} and not is_legacy:
            minimum = 0
        maximum = row.max if row.max is not None else column.max
        if kind == "percent":   # written in percent (max: 100), held as fractions
            minimum = minimum / 100 if minimum is not None else None
            maximum = maximum / 100 if maximum is not None else None
        if kind in ("yesno", "choice", "date", "text") and not is_legacy:
            minimum = maximum = None
        required = row.required if row.required is not None else column.required
        label = row.label if table.single_value else f"{row.label} – {' / '.join(column.header_path)}"
        parent = self.key(tables, table, row.parent, column.code) if row.parent else None
        aggregate = self.legacy_aggregates.get(row.code, column.aggregate) if is_legacy else \
            ("sum" if kind in SUMMABLE_KINDS | {"yesno"} and column.aggregate == "sum" else "none")
        return Indicator(
            code=key, label=label, unit=row.unit, kind=kind, required=required and formula is None,
            min=minimum, max=maximum, aggregate=aggregate, parent=parent,
            help=row.help or column.help, table=table.code, row=row.code, column=column.code,
            choices=(row.choices or column.choices) if kind == "choice" else None, total=row.total, formula=formula,
            row_tt=None if is_legacy else row.tt)

    def cycles(self, cells: tuple[Indicator, ...]) -> None:
        """A computed cell that depends on itself, and a formula over a cell that holds no number."""
        by_key = {c.code: c for c in cells}
        over_text: set[str] = set()        # a formula written once is one problem, whatever rows it is copied on
        for cell in cells:
            if cell.formula is None or self._cell_place(cell) in over_text:
                continue
            for key in cell.formula.cells:
                used = by_key.get(key)
                if used is not None and not used.is_numeric:
                    over_text.add(self._cell_place(cell))
                    self.problem(self._cell_place(cell), "pack-formula-over-text", cell=cell.code, used=key)
                    break
        state: dict[str, int] = {}
        reported: set[str] = set()
        cycle_places: set[str] = set()

        def visit(key: str, path: list[str]) -> None:
            state[key] = 1
            cell = by_key[key]
            for used in (cell.formula.cells if cell.formula else ()):
                if used not in by_key:
                    continue
                if state.get(used) == 1:
                    loop = path[path.index(used):] + [used] if used in path else [key, used]
                    place = self._cell_place(by_key[used])
                    if not reported.intersection(loop) and place not in cycle_places:
                        cycle_places.add(place)
                        self.problem(place, "pack-formula-cycle", cells=" → ".join(loop))
                    reported.update(loop)
                elif used not in state:
                    visit(used, path + [used])
            state[key] = 2

        for cell in cells:
            if cell.formula is not None and cell.code not in state:
                visit(cell.code, [cell.code])

    def _cell_place(self, cell: Indicator) -> str:
        return self.formula_places.get(cell.code, cell.code)

    # --- questions and rules ---------------------------------------------------------------
    def questions(self, value: object) -> tuple[Question, ...]:
        result, seen = [], set()
        for place, item in self.mappings(value, "questions"):
            code = self.code(item, place, "pack-field-question-code", seen)
            seen.add(code)
            result.append(Question(
                code=code, label=self.text(item, "label", place, "pack-field-question-label"),
                section=self.text(item, "section", place, "pack-field-question-section"),
                help=self.text(item, "help", place, "pack-field-help", required=False),
                required=bool(self.flag(item, "required", place, False)),
                max_length=int(self.bound(item, "max_length", place, DEFAULT_ANSWER_MAX_LENGTH)
                               or DEFAULT_ANSWER_MAX_LENGTH)))
        return tuple(result)

    def rules(self, value: object, tables: tuple[Table, ...], by_key: dict[str, Indicator]) -> tuple[Rule, ...]:
        rules = []
        for place, item in self.mappings(value, "rules"):
            rules.extend(self.rule(item, place, tables, by_key))
        return tuple(rules)

    def rule(self, item: dict, place: str, tables, by_key) -> list[Rule]:
        when = self.text(item, "when", place, "pack-field-rule-when")
        severity = item.get("severity") or "warning"
        if severity not in SEVERITIES:
            self.problem(f"{place}.severity", "pack-bad-severity", severity=severity)
        code = self.text(item, "code", place, "pack-field-rule-code")
        message = self.text(item, "message", place, "pack-field-rule-message")
        message_en = nfc(str(item.get("message_en") or message))
        table_code = item.get("table")
        table = next((t for t in tables if t.code == table_code), None) if table_code else \
            (tables[0] if len(tables) == 1 else None)
        if table_code and table is None:
            self.problem(f"{place}.table", "pack-unknown-table", reference=table_code, table=table_code)
        if not when:
            return []
        try:
            references = X.references_in(when)
        except ValueError as exc:
            self.problem(f"{place}.when", "pack-bad-condition", error=exc)
            return []
        per_row = any(ref.row is None for ref in references)
        if per_row and table is None:
            self.problem(f"{place}.table", "pack-reference-needs-table", reference=when)
            return []
        named = [str(c) for c in item.get("cells") or []]
        rows = table.rows if per_row else (None,)
        result = []
        for row in rows:
            row_code = row.code if row is not None else None
            before = len(self.problems)
            condition = self.expression(when, f"{place}.when", tables, table, row_code)
            cells = [self.resolve_text(c, tables, table, row_code, f"{place}.cells") for c in named]
            if len(self.problems) > before:
                break        # one report per rule, not one per row
            keys = tuple(k for k in cells if k) or (condition.cells if condition else ())
            result.append(Rule(code=code, when=when, severity=severity if severity in SEVERITIES else "warning",
                               cells=keys, message=message, message_en=message_en, condition=condition,
                               row=row_code))
        return result

    def resolve_text(self, text: str, tables, table, row, place) -> str | None:
        """A rule's ``cells`` entry: a reference with or without brackets (``05.1``, ``[:COL]``)."""
        text = text.strip()
        reference = text if text.startswith("[") else f"[{text}]"
        try:
            refs = X.references_in(reference)
        except ValueError:
            self.problem(place, "pack-bad-condition", error=text)
            return None
        return self.resolve(refs[0], tables, table, row, place) if refs else None


_KNOWN_KEYS = {"id", "version", "title", "appendix_title", "subject", "columns", "indicators", "tables",
               "choices", "questions", "rules", "note_max_length"}
