"""One returned workbook checked against its form: identity, layout, values, texts and rules."""
from __future__ import annotations

from functools import cached_property

from .. import layout as L
from ..forms import Form, Indicator
from ..messages import phrase, unit_label
from ..model import FileReport, Finding, make_finding
from ..periods import Period
from ..text import fold_name
from ..units import UnitList
from ..values import parse_indicator_value
from .cells import blank, parse_text, plain, unit_code_in
from .grid import Grid, locate
from .layout_findings import explain_layout
from .plan import FormPlan
from .sheets import form_sheets
from .tables import check_rules, check_values, locate_tables

REPORTER_MAX_LENGTH = 200


_HEADING_CELLS = tuple(f"A{row}" for row in range(1, L.HEADER_ROW + 1))
_UNIT_PREFIX = L.UNIT_PREFIX.strip()

ADDED_SHEETS_LISTED = 10   # one warning each; the rest are counted in one more


class Checker:
    """Builds one FileReport; each method adds the findings of one kind of check."""

    def __init__(self, raw, plan: FormPlan):
        self.raw, self.plan, self.form, self.layout = raw, plan, plan.form, plan.layout
        self.report = FileReport(path=str(raw.path), sha256=raw.sha256 or "", file_format=raw.file_format,
                                 modified=raw.modified)
        self.sheets = form_sheets(raw, plan) if raw.problem is None else None
        self.main = self._cells(self.sheets.main if self.sheets else None)
        self.answers_cells = self._cells(self.sheets.answers if self.sheets else None)
        # formulas without a result, by the form's sheet name
        self.uncalculated = {name: sheet.formulas_without_value if sheet is not None else set()
                             for name, sheet in ((L.MAIN_SHEET, self.sheets.main if self.sheets else None),
                                                 (L.ANSWERS_SHEET, self.sheets.answers if self.sheets else None))}

    @staticmethod
    def _cells(sheet) -> dict[str, object]:
        return dict(sheet.cells) if sheet is not None else {}

    def add(self, code: str, **kwargs) -> Finding:
        finding = make_finding(code, **kwargs)
        self.report.findings.append(finding)
        return finding

    # --- identity --------------------------------------------------------------------
    def run(self) -> FileReport:
        self.checks()
        self.cite_sheets_as_named()
        return self.report

    def checks(self) -> None:
        if self.raw.problem is not None:
            self.report.findings.append(self.raw.problem)
            return
        identity = _identify(self.raw)
        if identity is None or self.sheets.main is None:
            self.add("not-a-cchc-form")
            return
        grid = locate(self.main, self.answers_cells, self.plan)
        tables = None
        if self.form.simple:
            table_found = grid.header_row is not None or any(grid.rows.values())
        else:   # any other form: its tables found by header path and row label (validation.tables)
            tables = locate_tables(self)
            table_found = tables[self.form.tables[0].code].found
            grid.columns = {**grid.columns, L.COL_VALUE: self.layout.reporter_value_column}
        if identity.form_id is None and not table_found:
            self.add("not-a-cchc-form")
            return
        self.identity(identity)
        if self.report.form != self.form.id:
            return
        if not table_found:
            self.add("not-a-cchc-form")
            return
        if tables is None:
            self.structure(identity, grid)
        if identity.source == "metadata":  # a workbook rebuilt by pasting was never protected, nor had only our sheets
            self.protection()
            self.added_sheets()
        if self.raw.macros:                # never run: said so the officer knows what came back
            self.add("macros-present")
        if tables is None:
            self.indicator_values(grid)
        else:
            check_values(self, tables)
        self.texts(grid)
        if tables is None:
            self.rules(grid)
        else:
            check_rules(self, tables)

    def identity(self, identity) -> None:
        report = self.report
        # A heading names no form: the indicator table found under it says which one it is.
        report.form, report.form_version = identity.form_id or self.form.id, identity.form_version
        report.unit_code, report.unit_name = identity.unit_code, identity.unit_name
        report.period, report.generated_at = identity.period, identity.generated_at
        invalid = identity.invalid
        if identity.source == "heading" and self.raw.sheet(L.META_SHEET) is not None:
            invalid = (("form_id", None), ("unit_code", None))  # the hidden sheet is there, its identity emptied
        elif identity.source == "heading":
            self.add("metadata-missing", sheet=L.MAIN_SHEET, cell=f"A{L.ROW_UNIT}")
        for expected, found in self.sheets.renamed:
            self.add("sheet-renamed", sheet=found, found=found, expected=expected)
        for key, value in invalid:
            shown = phrase("metadata-value-empty") if blank(value) else \
                phrase("metadata-value-shown", value=plain(value))
            self.add("metadata-invalid", sheet=L.META_SHEET, value=plain(value), key=key,
                     field=phrase(f"metadata-field-{key.replace('_', '-')}"), found=shown)
        if report.form != self.form.id:
            self.add("wrong-form", sheet=identity.sheet, value=report.form, found=report.form, expected=self.form.id)
            return
        self.version(report.form_version)
        self.unit(identity)
        self.period_against_heading(identity)

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
        heading_code = unit_code_in(heading)
        if identity.source != "metadata" or not heading or not code:
            return
        heading_name = self.heading_identity.unit_name if heading_code == code else None
        if (heading_code and heading_code != code) or \
                (heading_name and identity.unit_name
                 and fold_name(heading_name) != fold_name(identity.unit_name)):
            self.add("unit-unexpected", sheet=L.MAIN_SHEET, cell=cell, value=heading,
                     found=heading[len(L.UNIT_PREFIX):] if heading.startswith(L.UNIT_PREFIX) else heading,
                     expected=unit_label(identity.unit_name, code))

    @cached_property
    def heading_identity(self):
        """Unit and period as the main sheet's visible heading gives them (all None without a heading)."""
        from ..identity import Identity, identify_heading

        heading = identify_heading(self.sheets.main)
        return heading or Identity(None, None, None, None, None, None, None, None, source="heading")

    def period_against_heading(self, identity) -> None:
        """A valid hidden period that the visible ``Kỳ báo cáo`` line contradicts."""
        if identity.source != "metadata" or any(key == "period" for key, _ in identity.invalid):
            return
        heading = self.heading_identity
        if heading.period and heading.period != identity.period:
            self.add("period-contradicts-heading", sheet=L.MAIN_SHEET, cell=f"A{L.ROW_PERIOD}",
                     value=heading.period, found=heading.period, expected=identity.period)

    def _heading_unit_line(self) -> str:
        for cell in _HEADING_CELLS:
            text = self.plan.fold(self.main.get(cell))
            if text.startswith(_UNIT_PREFIX):
                return text
        return ""

    # --- layout ------------------------------------------------------------------------
    def structure(self, identity, grid: Grid) -> None:
        """Recompute the fingerprint; when it differs, say what changed and where."""
        if self.layout_as_sent():
            return
        texts = self.seen_layout_texts()
        if texts == self.plan.layout_texts:
            return  # the same folded texts give the same fingerprint: no need to hash them
        seen = [L.LayoutCell(c.sheet, c.cell, text) for c, text in zip(self.layout.layout_cells, texts)]
        if L.fingerprint_of(self.form.id, self.form.version, seen) == self.layout.fingerprint:
            return
        if self.report.form_version not in (None, self.form.version):
            return  # an old/new version: the version finding already says the layout differs
        if identity.fingerprint and identity.fingerprint != self.layout.fingerprint and \
                L.fingerprint_of(self.form.id, self.form.version, seen) == identity.fingerprint:
            self.add("layout-altered", detail=phrase("layout-detail-pack-edition"))
            return
        explain_layout(self, grid, seen)

    def layout_as_sent(self) -> bool:
        """Every layout cell holds exactly the template's text, as in any return filled in Excel.

        A text equal to its folded form folds to itself, so nothing needs folding.
        """
        sheets = {L.MAIN_SHEET: self.main, L.ANSWERS_SHEET: self.answers_cells}
        return all(list(map(sheets[sheet].get, cells)) == texts
                   for sheet, cells, texts in self.plan.layout_by_sheet)

    def seen_layout_texts(self) -> tuple[str, ...]:
        """The folded text found at every layout cell, in ``layout_cells`` order."""
        sheets = {L.MAIN_SHEET: self.main, L.ANSWERS_SHEET: self.answers_cells}
        return tuple(self.plan.fold(sheets[sheet].get(cell)) for sheet, cell in self.plan.layout_places)

    def protection(self) -> None:
        # veryHidden coming back 'hidden' and a lost structure lock are what a plain
        # LibreOffice re-save does (DOMAIN.md), so only a sheet reporting "not protected" counts.
        for sheet in (self.sheets.main, self.sheets.answers):
            if sheet is not None and sheet.protected is False:
                self.add("protection-removed", sheet=sheet.name)

    def added_sheets(self) -> None:
        added = list(self.sheets.added)
        for name in added[:ADDED_SHEETS_LISTED]:
            self.add("sheet-added", sheet=name, name=name)
        if len(added) > ADDED_SHEETS_LISTED:   # a 600-sheet file is one point to fix, not 600
            self.add("sheets-added-more", count=len(added) - ADDED_SHEETS_LISTED)

    def cite_sheets_as_named(self) -> None:
        """Findings name the form's sheets as the file does, so a renamed sheet's cells can be found."""
        if not self.sheets:
            return
        names = {name: sheet.name for name, sheet in ((L.MAIN_SHEET, self.sheets.main),
                                                        (L.ANSWERS_SHEET, self.sheets.answers))
                 if sheet is not None and sheet.name != name}
        for finding in self.report.findings if names else ():
            if finding.code != "sheet-renamed" and finding.sheet in names:
                finding.sheet = names[finding.sheet]

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
        entry = "detail-entry-number" if indicator.is_numeric else "detail-entry-text"
        if not self.uncalculated_formula(L.MAIN_SHEET, cell, raw_value, indicator.label, indicator, entry):
            self.issues(result.issues, L.MAIN_SHEET, cell, indicator, raw_value)
        self.report.values[indicator.code] = result.number if indicator.is_numeric else None
        raw_note = self.main.get(note_cell)
        note = parse_text(raw_note, self.form.note_max_length)
        if not self.uncalculated_formula(L.MAIN_SHEET, note_cell, raw_note, indicator.label, indicator):
            self.issues(note.issues, L.MAIN_SHEET, note_cell, indicator, raw_note)
        parts = [note.text, result.remark] + ([] if indicator.is_numeric else [result.text])
        joined = "; ".join(p for p in parts if p)
        if joined:
            self.report.notes[indicator.code] = joined

    def uncalculated_formula(self, sheet: str, cell: str, raw_value: object, label: str,
                             indicator: Indicator | None = None, entry: str = "detail-entry-text") -> bool:
        """Add ``formula-without-value`` when the cell is empty because its formula was never calculated
        (not "not entered"); whether it did."""
        if not blank(raw_value) or cell not in self.uncalculated[sheet]:   # blanks first: the formula scan is lazy
            return False
        self.add("formula-without-value", sheet=sheet, cell=cell, indicator=indicator.code if indicator else None,
                 label=label, entry=phrase(entry))
        return True

    def issues(self, issues, sheet: str, cell: str, indicator: Indicator | None, raw_value: object) -> None:
        for issue in issues:
            params = dict(issue.params)
            shown = params.pop("value", raw_value)
            params.pop("indicator", None)
            params.setdefault("label", indicator.label if indicator is not None else "")
            finding = self.add(issue.code, sheet=sheet, cell=cell, indicator=indicator.code if indicator else None,
                               value=plain(shown), **params)
            # The message quotes the value as typed; the finding keeps what the cell held.
            finding.value = plain(raw_value if not blank(raw_value) else shown)

    def texts(self, grid: Grid) -> None:
        for question in self.form.questions:
            cell = f"B{grid.answer_rows[question.code]}"
            raw_value = self.answers_cells.get(cell)
            if self.uncalculated_formula(L.ANSWERS_SHEET, cell, raw_value, question.label):
                continue
            result = parse_text(raw_value, question.max_length)
            self.issues(result.issues, L.ANSWERS_SHEET, cell, None, raw_value)
            if result.text:
                self.report.answers[question.code] = result.text
            elif question.required:
                self.add("required-missing", sheet=L.ANSWERS_SHEET, cell=cell, label=question.label)
        for key, label, _ in L.REPORTER_FIELDS:
            row = grid.reporter_rows[key]
            if row is None:
                continue
            cell = f"{grid.columns[L.COL_VALUE]}{row}"
            if self.uncalculated_formula(L.MAIN_SHEET, cell, self.main.get(cell), label):
                continue
            result = parse_text(self.main.get(cell), REPORTER_MAX_LENGTH)
            self.issues(result.issues, L.MAIN_SHEET, cell, None, self.main.get(cell))
            if result.text:
                self.report.reporter[key] = result.text

    def rules(self, grid: Grid) -> None:
        values = self.report.values
        for rule in self.form.rules:
            if not rule.applies(values):
                continue
            first = rule.cells[0]
            cell = grid.value_cell(first) if grid.rows.get(first) else self.layout.value_cell(first)
            self.add("rule-failed", sheet=L.MAIN_SHEET, cell=cell, indicator=first, value=values.get(first),
                     severity=rule.severity, rule_message=rule.words, rule=rule.code)


def _identify(raw):
    from ..identity import identify

    return identify(raw)


def validate_workbook(raw, form: Form, *, units: UnitList | None = None, period: Period | None = None,
                      plan: FormPlan | None = None) -> FileReport:
    """Every finding for one workbook, and the values it holds. Never raises for a bad file.

    ``plan``: the form's ``FormPlan`` when validating many files (else one is made for this file).
    """
    return with_context(validate_content(raw, form, plan), form, units, period)


def validate_content(raw, form: Form, plan: FormPlan | None = None) -> FileReport:
    """The findings that depend only on the file and the form (not on a units list or period).

    This is what ``report_cache`` keeps per file content; ``with_context`` adds the rest.
    ``plan``: as in ``validate_workbook``; it must be ``form``'s.
    """
    if plan is None:
        plan = FormPlan(form)
    elif plan.form is not form:
        raise ValueError(f"the plan of form {plan.form.id!r} given to validate a file of form {form.id!r}")
    try:
        return Checker(raw, plan).run()
    except Exception as exc:  # noqa: BLE001 - one strange file must not stop a batch
        report = FileReport(path=str(raw.path), sha256=getattr(raw, "sha256", "") or "",
                            file_format=getattr(raw, "file_format", None))
        report.findings.append(make_finding("file-unreadable", reason=f"{type(exc).__name__}: {exc}"))
        return report


# Findings ``Checker.identity`` adds before the unit checks, in this order.
_IDENTITY_LEAD_CODES = frozenset({"metadata-missing", "sheet-renamed", "metadata-invalid", "form-version-old",
                                  "form-version-newer"})


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
    main = next((f.sheet for f in report.findings
                 if f.code == "sheet-renamed" and f.params.get("expected") == L.MAIN_SHEET), L.MAIN_SHEET)
    before, after = [], []
    listed = units.get(code) if units is not None and code else None
    if units is not None and code and listed is None:
        before.append(make_finding("unknown-unit", sheet=main, cell=cell, value=code, unit=code))
    if listed and name and fold_name(listed.name) != fold_name(name):
        after.append(make_finding("unit-unexpected", sheet=main, cell=cell, value=name,
                                  found=unit_label(name, code), expected=unit_label(listed.name, code)))
    if period is not None and report.period != period.code:
        after.append(make_finding("period-mismatch", sheet=main, cell=f"A{L.ROW_PERIOD}", value=report.period,
                                  found=report.period or "?", expected=period.code))
    return before, after
