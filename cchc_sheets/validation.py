"""Checks on returned workbooks: every problem becomes a Finding with its sheet and cell.

``validate_workbook`` turns one RawWorkbook (from ``reading``) into a FileReport;
``check_batch`` adds what only shows across files (the same unit twice,
outliers); ``batch.validate_paths`` does both for files and folders. Nothing
here raises for a bad file: a problem with a return is a finding, never an
exception.
"""
from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from . import layout as L
from .forms import Form, Indicator
from .messages import render
from .model import FileReport, Finding, make_finding
from .periods import Period
from .units import UnitList
from .values import CellResult, parse_indicator_value, parse_text_value
from .vnformat import format_number

REPORTER_MAX_LENGTH = 200
OUTLIER_MIN_UNITS = 8
OUTLIER_IQR_FACTOR = 3
HEADER_SEARCH_ROWS = 40

UNIT_CODE_IN_HEADING = re.compile(r"\(mã\s*([^)]+?)\s*\)")
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


# --------------------------------------------------------------------------- A1 helpers


def split_cell(address: str) -> tuple[str, int]:
    """'D12' -> ('D', 12)."""
    match = _CELL.match(address)
    if not match:
        raise ValueError(address)
    return match.group(1), int(match.group(2))


def column_index(letters: str) -> int:
    """'A' -> 1, 'AA' -> 27."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Returns repeat the template's texts, so folding is remembered per distinct text
# (bounded: cleared when full, so memory stays flat over any number of files).
FOLD_CACHE_ENTRIES = 20_000
_folded: dict[str, str] = {}
_keys: dict[str, str] = {}


def _fold(value: object) -> str:
    """``layout.fold_text``, remembered for plain strings."""
    if value.__class__ is not str:
        return L.fold_text(value)
    folded = _folded.get(value)
    if folded is None:
        if len(_folded) >= FOLD_CACHE_ENTRIES:
            _folded.clear()
        folded = _folded[value] = L.fold_text(value)
    return folded


def _key(value: object) -> str:
    """How labels are matched when looking for a moved row: folded and case-insensitive."""
    if value.__class__ is not str:
        return L.fold_text(value).casefold()
    key = _keys.get(value)
    if key is None:
        if len(_keys) >= FOLD_CACHE_ENTRIES:
            _keys.clear()
        key = _keys[value] = _fold(value).casefold()
    return key


# --------------------------------------------------------------------------- where things are


@dataclass
class Grid:
    """Where the main table actually sits in this workbook (rows/columns may have moved)."""

    columns: dict[str, str]                      # layout column (A..E) -> actual column
    header_row: int | None
    rows: dict[str, int | None]                  # indicator code -> actual row
    reporter_rows: dict[str, int | None]
    answer_rows: dict[str, int]
    missing_columns: list[str] = field(default_factory=list)

    def value_cell(self, code: str) -> str:
        return f"{self.columns[L.COL_VALUE]}{self.rows[code]}"

    def note_cell(self, code: str) -> str:
        return f"{self.columns[L.COL_NOTE]}{self.rows[code]}"

    @property
    def columns_moved(self) -> bool:
        return any(layout_col != actual for layout_col, actual in self.columns.items()) or bool(self.missing_columns)


_addresses: dict[str, tuple[str, int] | None] = {}


def _address(address: str) -> tuple[str, int] | None:
    """'D12' -> ('D', 12), remembered (a workbook uses a few hundred addresses at most)."""
    found = _addresses.get(address, False)
    if found is False:
        if len(_addresses) >= FOLD_CACHE_ENTRIES:
            _addresses.clear()
        match = _CELL.match(address)
        found = _addresses[address] = (match.group(1), int(match.group(2))) if match else None
    return found


def _text_cells(cells: dict[str, object], wanted: frozenset[str]) -> list[tuple[str, int, str]]:
    """(column, row, folded key) of every text cell whose key is ``wanted`` (a heading or label).

    Runs over every cell of every file: the two remembered lookups are inlined
    (a call each cost as much as the rest of the loop).
    """
    result, keys, places = [], _keys, _addresses
    for address, value in cells.items():
        if isinstance(value, str):
            key = keys.get(value) if value.__class__ is str else None
            if key is None:
                key = _key(value)
            if key in wanted:
                place = places.get(address, False)
                if place is False:
                    place = _address(address)
                if place:
                    result.append((place[0], place[1], key))
    return result


def _rows_by_label(cells: list[tuple[str, int, str]], column: str) -> dict[str, list[int]]:
    """Folded label -> rows where it appears in ``column``."""
    found: dict[str, list[int]] = {}
    for col, row, key in cells:
        if col == column:
            found.setdefault(key, []).append(row)
    for rows in found.values():
        rows.sort()
    return found


def _find_header(cells: list[tuple[str, int, str]], form: Form) -> tuple[int | None, dict[str, str]]:
    """The row holding the column headings and where each heading actually is."""
    wanted = _plan_for(form).header_keys
    by_row: dict[int, dict[str, str]] = {}
    for col, row, key in cells:
        layout_col = wanted.get(key) if row <= HEADER_SEARCH_ROWS else None
        if layout_col:
            by_row.setdefault(row, {}).setdefault(layout_col, col)
    label_col, value_col = L.COL_LABEL, L.COL_VALUE
    candidates = [row for row, found in by_row.items() if label_col in found and value_col in found]
    if not candidates:
        return None, {}
    row = L.HEADER_ROW if L.HEADER_ROW in candidates else min(candidates)
    return row, by_row[row]


def _pick_row(rows: list[int], expected: int) -> int:
    return expected if expected in rows else rows[0]


def locate(raw_main: dict[str, object], raw_answers: dict[str, object], form: Form, layout: L.Layout) -> Grid:
    """Find the table by its headings and each row by its label, wherever they ended up."""
    plan = _plan_for(form)
    raw_main, raw_answers = _text_cells(raw_main, plan.main_keys), _text_cells(raw_answers, plan.answer_keys)
    header_row, found_columns = _find_header(raw_main, form)
    columns = {col: found_columns.get(col, col) for col in L.MAIN_COLUMNS}
    missing = [col for col in L.MAIN_COLUMNS if header_row is not None and col not in found_columns]
    labels = _rows_by_label(raw_main, columns[L.COL_LABEL])
    rows: dict[str, int | None] = {}
    for indicator, label_key in zip(form.indicators, plan.indicator_keys):
        expected = layout.indicator_rows[indicator.code]
        candidates = labels.get(label_key)
        rows[indicator.code] = _pick_row(candidates, expected) if candidates else None
    reporter_rows: dict[str, int | None] = {}
    for (key, _, _), label_key in zip(L.REPORTER_FIELDS, plan.reporter_keys):
        candidates = labels.get(label_key)
        reporter_rows[key] = _pick_row(candidates, layout.reporter_rows[key]) if candidates else None
    answer_labels = _rows_by_label(raw_answers, "A")
    answer_rows = {q.code: _pick_row(answer_labels[label_key], layout.answer_rows[q.code])
                   if label_key in answer_labels else layout.answer_rows[q.code]
                   for q, label_key in zip(form.questions, plan.question_keys)}
    return Grid(columns, header_row, rows, reporter_rows, answer_rows, missing)


# --------------------------------------------------------------------------- one workbook


_HEADING_CELLS = tuple(f"A{row}" for row in range(1, L.HEADER_ROW + 1))
_UNIT_PREFIX = L.UNIT_PREFIX.strip()


class _Checker:
    """Builds one FileReport; each method adds the findings of one kind of check."""

    def __init__(self, raw, form: Form):
        self.raw, self.form = raw, form
        self.layout = _layout_for(form)
        self.report = FileReport(path=str(raw.path), sha256=raw.sha256 or "", file_format=raw.file_format,
                                 modified=raw.modified)
        self.main = self._cells(L.MAIN_SHEET)
        self.answers_cells = self._cells(L.ANSWERS_SHEET)

    def _cells(self, name: str) -> dict[str, object]:
        sheet = self.raw.sheet(name)
        return dict(sheet.cells) if sheet is not None else {}

    def add(self, code: str, **kwargs) -> Finding:
        finding = make_finding(code, **kwargs)
        self.report.findings.append(finding)
        return finding

    # --- identity --------------------------------------------------------------------
    def run(self) -> FileReport:
        if self.raw.problem is not None:
            self.report.findings.append(self.raw.problem)
            return self.report
        identity = _identify(self.raw)
        if identity is None or self.raw.sheet(L.MAIN_SHEET) is None:
            self.add("not-a-cchc-form")
            return self.report
        grid = locate(self.main, self.answers_cells, self.form, self.layout)
        table_found = grid.header_row is not None or any(grid.rows.values())
        if identity.form_id is None and not table_found:
            self.add("not-a-cchc-form")
            return self.report
        self.identity(identity)
        if self.report.form != self.form.id:
            return self.report
        if not table_found:
            self.add("not-a-cchc-form")
            return self.report
        self.structure(identity, grid)
        if identity.source == "metadata":  # a workbook rebuilt by pasting was never protected
            self.protection()
        self.indicator_values(grid)
        self.texts(grid)
        self.rules(grid)
        return self.report

    def identity(self, identity) -> None:
        report = self.report
        # A heading names no form: the indicator table found under it says which one it is.
        report.form, report.form_version = identity.form_id or self.form.id, identity.form_version
        report.unit_code, report.unit_name = identity.unit_code, identity.unit_name
        report.period, report.generated_at = identity.period, identity.generated_at
        if identity.source == "heading":
            self.add("metadata-missing", sheet=L.MAIN_SHEET, cell=f"A{L.ROW_UNIT}")
        if report.form != self.form.id:
            self.add("wrong-form", sheet=identity.sheet, value=report.form, found=report.form, expected=self.form.id)
            return
        self.version(report.form_version)
        self.unit(identity)

    def version(self, version: int | None) -> None:
        if version is None or version == self.form.version:
            return
        code = "form-version-old" if version < self.form.version else "form-version-newer"
        self.add(code, sheet=L.META_SHEET, value=version, found=version, expected=self.form.version)

    def unit(self, identity) -> None:
        """The heading against the metadata; the units list is checked by ``with_context``."""
        cell = f"A{L.ROW_UNIT}"
        heading = self._heading_unit_line()
        code = identity.unit_code
        heading_code = _unit_code_in(heading)
        if identity.source == "metadata" and heading_code and code and heading_code != code:
            self.add("unit-unexpected", sheet=L.MAIN_SHEET, cell=cell, value=heading,
                     found=heading[len(L.UNIT_PREFIX):] if heading.startswith(L.UNIT_PREFIX) else heading,
                     expected=f"{identity.unit_name} (mã {code})")

    def _heading_unit_line(self) -> str:
        for cell in _HEADING_CELLS:
            text = _fold(self.main.get(cell))
            if text.startswith(_UNIT_PREFIX):
                return text
        return ""

    # --- layout ------------------------------------------------------------------------
    def structure(self, identity, grid: Grid) -> None:
        """Recompute the fingerprint; when it differs, say what changed and where."""
        if self.layout_as_sent():
            return
        texts = self.seen_layout_texts()
        if texts == _plan_for(self.form).layout_texts:
            return  # the same folded texts give the same fingerprint: no need to hash them
        seen = [L.LayoutCell(c.sheet, c.cell, text) for c, text in zip(self.layout.layout_cells, texts)]
        if L.fingerprint_of(self.form.id, self.form.version, seen) == self.layout.fingerprint:
            return
        if self.report.form_version not in (None, self.form.version):
            return  # an old/new version: the version finding already says the layout differs
        if identity.fingerprint and identity.fingerprint != self.layout.fingerprint and \
                L.fingerprint_of(self.form.id, self.form.version, seen) == identity.fingerprint:
            self.add("layout-altered", detail=render("layout-detail-pack-edition"))
            return
        _explain_layout(self, grid, seen)

    def layout_as_sent(self) -> bool:
        """Every layout cell holds exactly the template's text, as in any return filled in Excel.

        A text equal to its folded form folds to itself, so nothing needs folding.
        """
        sheets = {L.MAIN_SHEET: self.main, L.ANSWERS_SHEET: self.answers_cells}
        return all(list(map(sheets[sheet].get, cells)) == texts
                   for sheet, cells, texts in _plan_for(self.form).layout_by_sheet)

    def seen_layout_cells(self) -> list[L.LayoutCell]:
        return [L.LayoutCell(c.sheet, c.cell, text)
                for c, text in zip(self.layout.layout_cells, self.seen_layout_texts())]

    def seen_layout_texts(self) -> tuple[str, ...]:
        """The folded text found at every layout cell, in ``layout_cells`` order."""
        sheets = {L.MAIN_SHEET: self.main, L.ANSWERS_SHEET: self.answers_cells}
        return tuple(_fold(sheets[sheet].get(cell)) for sheet, cell in _plan_for(self.form).layout_places)

    def protection(self) -> None:
        # veryHidden coming back 'hidden' and a lost structure lock are what a plain
        # LibreOffice re-save does (DOMAIN.md), so only a sheet reporting "not protected" counts.
        for name in (L.MAIN_SHEET, L.ANSWERS_SHEET):
            sheet = self.raw.sheet(name)
            if sheet is not None and sheet.protected is False:
                self.add("protection-removed", sheet=name)

    # --- cells -------------------------------------------------------------------------
    def indicator_values(self, grid: Grid) -> None:
        for indicator in self.form.indicators:
            row = grid.rows[indicator.code]
            if row is None:
                self.report.values[indicator.code] = None
                continue
            self.indicator_value(indicator, grid)

    def indicator_value(self, indicator: Indicator, grid: Grid) -> None:
        cell, note_cell = grid.value_cell(indicator.code), grid.note_cell(indicator.code)
        raw_value = self.main.get(cell)
        result = parse_indicator_value(raw_value, indicator)
        self.issues(result.issues, L.MAIN_SHEET, cell, indicator, raw_value)
        self.report.values[indicator.code] = result.number if indicator.is_numeric else None
        raw_note = self.main.get(note_cell)
        note = _parse_text(raw_note, self.form.note_max_length)
        self.issues(note.issues, L.MAIN_SHEET, note_cell, indicator, raw_note)
        parts = [note.text, result.remark] + ([] if indicator.is_numeric else [result.text])
        joined = "; ".join(p for p in parts if p)
        if joined:
            self.report.notes[indicator.code] = joined

    def issues(self, issues, sheet: str, cell: str, indicator: Indicator | None, raw_value: object) -> None:
        for issue in issues:
            params = dict(issue.params)
            shown = params.pop("value", raw_value)
            params.pop("indicator", None)
            params.setdefault("label", indicator.label if indicator is not None else "")
            finding = self.add(issue.code, sheet=sheet, cell=cell, indicator=indicator.code if indicator else None,
                               value=_plain(shown), **params)
            # The message quotes the value as typed; the finding keeps what the cell held.
            finding.value = _plain(raw_value if not _blank(raw_value) else shown)

    def texts(self, grid: Grid) -> None:
        for question in self.form.questions:
            cell = f"B{grid.answer_rows[question.code]}"
            raw_value = self.answers_cells.get(cell)
            result = _parse_text(raw_value, question.max_length)
            self.issues(result.issues, L.ANSWERS_SHEET, cell, None, raw_value)
            if result.text:
                self.report.answers[question.code] = result.text
            elif question.required:
                self.add("required-missing", sheet=L.ANSWERS_SHEET, cell=cell, label=question.label)
        for key, _, _ in L.REPORTER_FIELDS:
            row = grid.reporter_rows[key]
            if row is None:
                continue
            cell = f"{grid.columns[L.COL_VALUE]}{row}"
            result = _parse_text(self.main.get(cell), REPORTER_MAX_LENGTH)
            self.issues(result.issues, L.MAIN_SHEET, cell, None, self.main.get(cell))
            if result.text:
                self.report.reporter[key] = result.text

    def rules(self, grid: Grid) -> None:
        values = self.report.values
        for rule, check in zip(self.form.rules, _plan_for(self.form).rule_checks):
            if not check(values):
                continue
            first = rule.cells[0]
            cell = grid.value_cell(first) if grid.rows.get(first) else self.layout.value_cell(first)
            self.add("rule-failed", sheet=L.MAIN_SHEET, cell=cell, indicator=first, value=values.get(first),
                     severity=rule.severity, rule_message=rule.words, rule=rule.code)


def _explain_layout(checker: _Checker, grid: Grid, seen: list[L.LayoutCell]) -> None:
    """Turn a fingerprint difference into findings a commune can act on."""
    layout, form = checker.layout, checker.form
    explained_rows = False
    if grid.columns_moved:
        checker.add("layout-altered", sheet=L.MAIN_SHEET, cell=f"A{grid.header_row or L.HEADER_ROW}",
                    detail=_columns_detail(grid, form))
        explained_rows = True
    labels = set(_plan_for(form).indicator_keys) | set(_plan_for(form).reporter_keys)
    for indicator in form.indicators:
        expected, found = layout.indicator_rows[indicator.code], grid.rows[indicator.code]
        if found is not None and found != expected:
            cell = grid.value_cell(indicator.code)
            checker.add("row-moved", sheet=L.MAIN_SHEET, cell=cell, indicator=indicator.code,
                        value=_plain(checker.main.get(cell)), found_row=found, expected_row=expected)
            explained_rows = True
        elif found is None:
            explained_rows |= _missing_or_edited(checker, grid, indicator, labels)
    _remaining_cells(checker, grid, seen, explained_rows)


def _missing_or_edited(checker: _Checker, grid: Grid, indicator: Indicator, labels: set[str]) -> bool:
    """An indicator label not found anywhere: edited in place (row still there) or row deleted.

    Returns True when the row is missing (so other cells moved as a consequence).
    """
    expected = checker.layout.indicator_rows[indicator.code]
    label_cell = f"{grid.columns[L.COL_LABEL]}{expected}"
    text = _fold(checker.main.get(label_cell))
    if text and _key(text) not in labels:
        checker.add("label-changed", sheet=L.MAIN_SHEET, cell=label_cell, indicator=indicator.code,
                    value=text, expected=indicator.label)
        grid.rows[indicator.code] = expected
        return False
    checker.add("row-missing", sheet=L.MAIN_SHEET, cell=label_cell, indicator=indicator.code,
                label=indicator.label)
    return True


def _remaining_cells(checker: _Checker, grid: Grid, seen: list[L.LayoutCell], rows_moved: bool) -> None:
    """Layout cells that differ and that no finding above explains: one layout-altered finding."""
    explained = {(L.MAIN_SHEET, f.cell) for f in checker.report.findings if f.code == "label-changed"}
    differing = []
    for expected, actual in zip(checker.layout.layout_cells, seen):
        if expected.text == actual.text or (expected.sheet, expected.cell) in explained:
            continue
        if rows_moved and expected.sheet == L.MAIN_SHEET:
            continue
        differing.append((expected, actual))
    if not differing:
        return
    details = [render("layout-detail-cell", sheet=e.sheet, cell=e.cell, found=a.text or "—", expected=e.text or "—")
               for e, a in differing[:3]]
    if len(differing) > 3:
        details.append(render("layout-detail-more", count=len(differing) - 3))
    first = differing[0][0]
    checker.add("layout-altered", sheet=first.sheet, cell=first.cell, value=differing[0][1].text or None,
                detail="; ".join(details))


def _columns_detail(grid: Grid, form: Form) -> str:
    parts = []
    for (layout_col, actual), heading in zip(grid.columns.items(), form.columns):
        if layout_col in grid.missing_columns:
            parts.append(render("layout-detail-column-missing", heading=heading, column=layout_col))
        elif actual != layout_col:
            parts.append(render("layout-detail-column-moved", heading=heading, found=actual, expected=layout_col))
    return "; ".join(parts)


# --------------------------------------------------------------------------- small conversions


def _unit_code_in(heading: str) -> str | None:
    match = UNIT_CODE_IN_HEADING.search(heading)
    return match.group(1) if match else None


_NO_TEXT = CellResult()   # what parse_text_value gives for an empty cell


def _parse_text(value: object, max_length: int | None) -> CellResult:
    """A note, answer or reporter cell; an empty one (most notes) has nothing to parse."""
    return _NO_TEXT if value is None else parse_text_value(_as_text(value), max_length)


def _as_text(value: object) -> object:
    """Dates typed in text cells read as dd/mm/yyyy; phone numbers typed as numbers keep their digits."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if not (value.hour or value.minute) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _plain(value: object) -> object:
    """A value safe to put in JSON and a findings workbook."""
    if isinstance(value, str):
        return str(value)  # CellError and other str subclasses become plain text
    if value is None or isinstance(value, (bool, int, float, datetime, date)):
        return value
    return str(value)


_layouts: dict[tuple[str, int, int], L.Layout] = {}


def _layout_for(form: Form) -> L.Layout:
    key = (form.id, form.version, id(form))
    if key not in _layouts:
        _layouts[key] = L.Layout(form)
    return _layouts[key]


@dataclass(frozen=True)
class _FormPlan:
    """What every file of one form is compared with, worked out once per form (not per file)."""

    form: Form                                  # kept so id(form) stays this form's
    header_keys: dict[str, str]                 # folded column heading -> layout column
    indicator_keys: tuple[str, ...]             # folded label of each indicator, in form order
    reporter_keys: tuple[str, ...]              # folded label of each reporter field
    question_keys: tuple[str, ...]              # folded label of each question
    main_keys: frozenset[str]                   # every key ``locate`` looks for on the main sheet
    answer_keys: frozenset[str]                 # ... and on the answers sheet
    layout_places: tuple[tuple[str, str], ...]  # (sheet, cell) of every layout cell
    layout_texts: tuple[str, ...]               # their expected folded texts (the fingerprint's input)
    layout_by_sheet: tuple[tuple[str, tuple[str, ...], list[str | None]], ...]  # (sheet, cells, texts as sent)
    rule_checks: tuple[Callable[[dict], bool], ...]


_plans: dict[tuple[str, int, int], _FormPlan] = {}


def _plan_for(form: Form) -> _FormPlan:
    key = (form.id, form.version, id(form))
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= 32:
            _plans.clear()
        plan = _plans[key] = _make_plan(form)
    return plan


def _make_plan(form: Form) -> _FormPlan:
    layout = _layout_for(form)
    header_keys = {_key(text): layout_col for layout_col, text in zip(L.MAIN_COLUMNS, form.columns)}
    indicator_keys = tuple(_key(i.label) for i in form.indicators)
    reporter_keys = tuple(_key(label) for _, label, _ in L.REPORTER_FIELDS)
    question_keys = tuple(_key(q.label) for q in form.questions)
    return _FormPlan(
        form=form,
        header_keys=header_keys,
        indicator_keys=indicator_keys,
        reporter_keys=reporter_keys,
        question_keys=question_keys,
        main_keys=frozenset(header_keys).union(indicator_keys, reporter_keys) - {""},   # blank cells never match
        answer_keys=frozenset(question_keys) - {""},
        layout_places=tuple((c.sheet, c.cell) for c in layout.layout_cells),
        layout_texts=tuple(L.fold_text(c.text) for c in layout.layout_cells),
        layout_by_sheet=tuple((sheet, tuple(c.cell for c in layout.layout_cells if c.sheet == sheet),
                               [L.fold_text(c.text) or None for c in layout.layout_cells if c.sheet == sheet])
                              for sheet in (L.MAIN_SHEET, L.ANSWERS_SHEET)),   # an empty layout cell is absent
        rule_checks=tuple(_rule_check(rule) for rule in form.rules),
    )


@functools.lru_cache(maxsize=4096)
def _reference_name(code: str) -> str:
    """``forms._reference_name``, remembered: every rule of every file names the same indicators."""
    from . import forms

    return forms._reference_name(code)


def _rule_check(rule) -> Callable[[dict], bool]:
    """``rule.applies`` with the condition compiled once (the form's own checker when that fails)."""
    from . import forms

    try:
        needed = tuple(forms.RULE_REFERENCE.findall(rule.when))
        code = compile(forms._compile_rule(rule.when), "<rule>", "eval")
        reference_name = _reference_name
    except Exception:  # noqa: BLE001 - a rule the pack loader let through but we cannot compile here
        return rule.applies

    def applies(values: dict) -> bool:
        if any(values.get(name) is None for name in needed):
            return False
        names = {reference_name(name): value for name, value in values.items()}
        try:
            return bool(eval(code, {"__builtins__": {}}, names))  # noqa: S307 - AST whitelisted by forms
        except ZeroDivisionError:
            return False

    return applies


def _identify(raw):
    from .identity import identify

    return identify(raw)


def validate_workbook(raw, form: Form, *, units: UnitList | None = None, period: Period | None = None) -> FileReport:
    """Every finding for one workbook, and the values it holds. Never raises for a bad file."""
    return with_context(validate_content(raw, form), form, units, period)


def validate_content(raw, form: Form) -> FileReport:
    """The findings that depend only on the file and the form (not on a units list or period).

    This is what ``report_cache`` keeps per file content; ``with_context`` adds the rest.
    """
    try:
        return _Checker(raw, form).run()
    except Exception as exc:  # noqa: BLE001 - one strange file must not stop a batch
        report = FileReport(path=str(raw.path), sha256=getattr(raw, "sha256", "") or "",
                            file_format=getattr(raw, "file_format", None))
        report.findings.append(make_finding("file-unreadable", reason=f"{type(exc).__name__}: {exc}"))
        return report


# Findings ``_Checker.identity`` adds before the unit checks, in this order.
_IDENTITY_LEAD_CODES = frozenset({"metadata-missing", "form-version-old", "form-version-newer"})


def with_context(report: FileReport, form: Form, units: UnitList | None, period: Period | None) -> FileReport:
    """Add the units-list and period findings to a ``validate_content`` report, in place.

    They go where the single pass always put them: the unknown unit before the
    heading check, the listed name and the period right after it.
    """
    if report.form != form.id or (units is None and period is None):
        return report  # identity was never checked (unreadable, not ours, another form)
    findings = report.findings
    lead = 0
    while lead < len(findings) and findings[lead].code in _IDENTITY_LEAD_CODES:
        lead += 1
    heading_end = lead + (1 if lead < len(findings) and findings[lead].code == "unit-unexpected" else 0)
    before, after = _context_findings(report, units, period)
    findings[heading_end:heading_end] = after
    findings[lead:lead] = before
    return report


def _context_findings(report: FileReport, units: UnitList | None, period: Period | None) -> tuple[list, list]:
    cell, code, name = f"A{L.ROW_UNIT}", report.unit_code, report.unit_name
    before, after = [], []
    listed = units.get(code) if units is not None and code else None
    if units is not None and code and listed is None:
        before.append(make_finding("unknown-unit", sheet=L.MAIN_SHEET, cell=cell, value=code, unit=code))
    if listed and name and _key(listed.name) != _key(name):
        after.append(make_finding("unit-unexpected", sheet=L.MAIN_SHEET, cell=cell, value=name,
                                  found=f"{name} (mã {code})", expected=f"{listed.name} (mã {code})"))
    if period is not None and report.period != period.code:
        after.append(make_finding("period-mismatch", sheet=L.MAIN_SHEET, cell=f"A{L.ROW_PERIOD}", value=report.period,
                                  found=report.period or "?", expected=period.code))
    return before, after


# --------------------------------------------------------------------------- across files


def check_batch(reports: list[FileReport], form: Form) -> None:
    """Findings that need the whole batch: the same unit twice, values far above peers."""
    _duplicates(reports)
    _outliers(reports, form)


def _time_key(report: FileReport) -> tuple:
    stamp = report.received or report.modified or report.generated_at
    return (_naive(stamp) or datetime.min, _naive(report.generated_at) or datetime.min, report.path)


def _naive(stamp: datetime | None) -> datetime | None:
    if stamp is None:
        return None
    return stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp


def _duplicates(reports: list[FileReport]) -> None:
    groups: dict[tuple, list[FileReport]] = {}
    for report in reports:
        if report.unit_code and report.form:
            groups.setdefault((report.form, report.unit_code, report.period), []).append(report)
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=_time_key)
        newest = ordered[-1]
        for older in ordered[:-1]:
            detail = _difference(older, newest)
            for target in (older, newest):
                target.findings.append(make_finding(
                    "duplicate-unit", value=target.unit_code, unit=f"{newest.unit_name or ''} (mã {newest.unit_code})".strip(),
                    newer=Path(newest.path).name, older=Path(older.path).name, difference=detail))


def _difference(a: FileReport, b: FileReport) -> str:
    changed = sorted(code for code in set(a.values) | set(b.values) if a.values.get(code) != b.values.get(code))
    if changed:
        return render("duplicate-different-values", codes=", ".join(changed))
    if a.notes != b.notes or a.answers != b.answers or a.reporter != b.reporter:
        return render("duplicate-different-text")
    return render("duplicate-same-content")


def _outliers(reports: list[FileReport], form: Form) -> None:
    latest = _latest_per_unit(reports)
    layout = _layout_for(form)
    for indicator in form.indicators:
        if not indicator.is_numeric:
            continue
        reported = [(r, r.values[indicator.code]) for r in latest if r.values.get(indicator.code) is not None]
        if len(reported) < OUTLIER_MIN_UNITS:
            continue
        numbers = sorted(float(v) for _, v in reported)
        q1, _, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
        # A spread of at least 1 keeps "all zero but one 1" from being called an outlier.
        threshold = q3 + OUTLIER_IQR_FACTOR * max(q3 - q1, 1)
        median = statistics.median(numbers)
        for report, value in reported:
            if value > threshold:
                report.findings.append(make_finding(
                    "outlier", sheet=L.MAIN_SHEET, cell=_value_cell_of(report, indicator.code, layout),
                    indicator=indicator.code, value=value, label=indicator.label,
                    median=format_number(median), threshold=format_number(threshold)))


def _latest_per_unit(reports: list[FileReport]) -> list[FileReport]:
    """Each unit's newest counted report (times compared only where a unit sent several)."""
    by_unit: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.unit_code and report.counts:
            by_unit.setdefault(report.unit_code, []).append(report)
    return [sent[0] if len(sent) == 1 else max(sent, key=_time_key) for sent in by_unit.values()]


def _value_cell_of(report: FileReport, code: str, layout: L.Layout) -> str:
    """Where the value was read: the moved row when a row-moved finding says so."""
    for finding in report.findings:
        if finding.code == "row-moved" and finding.indicator == code:
            return finding.cell
    return layout.value_cell(code)
