"""A form written in a spreadsheet (``form.xlsx``), the way XLSForm works, read into the same
plain data as ``form.yaml`` so one checker serves both.

Sheets (English header keys in the first filled row, one item per row after it):

- ``settings``: ``key``, ``value`` (``form_id``, ``version``, ``title``, ``subject``, ``appendix_title``, ``note_max_length``)
- ``tables``: ``table``, ``title``, ``sheet``, ``row_header``, ``unit_column``, ``note_column``
- ``columns``: ``table``, ``code``, ``label``, ``group``, ``kind``, ``min``, ``max``, ``required``, ``formula``,
  ``aggregate``, ``choices``, ``help``
- ``rows``: ``table``, ``code``, ``label``, ``parent``, ``unit``, ``kind``, ``total``, ``required``, ``min``,
  ``max``, ``choices``, ``help``, ``formula``
- ``questions``: ``code``, ``label``, ``section``, ``help``, ``required``, ``max_length``
- ``rules``: ``code``, ``when``, ``severity``, ``message``, ``message_en``, ``table``, ``cells``
- ``choices``: ``list``, ``value``, ``label``

The ``tables`` sheet may be left out when every table is named in ``columns`` and ``rows``.
Problems are shown at the workbook's cells (``rows!D7``) through the place function returned.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..a1 import column_letter
from ..messages import CchcError, Listing, phrase
from ..text import nfc

SETTINGS_KEYS = {"form_id": "id", "version": "version", "title": "title", "subject": "subject",
                 "appendix_title": "appendix_title", "note_max_length": "note_max_length"}
SHEETS = ("settings", "tables", "columns", "rows", "questions", "rules", "choices")
MAX_FORM_ROWS = 5_000
_PLACE_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class _Sheet:
    """One sheet's items: (row number, {header key: value}, {header key: column letter})."""

    def __init__(self, name: str, worksheet):
        self.name = name
        self.items: list[tuple[int, dict]] = []
        self.letters: dict[str, str] = {}
        header_seen = False
        for number, row in enumerate(worksheet.iter_rows(values_only=True, max_row=MAX_FORM_ROWS), 1):
            values = [_clean(v) for v in row]
            if not header_seen:
                if any(v not in (None, "") for v in values):
                    header_seen = True
                    self.letters = {str(v).strip().casefold(): column_letter(i + 1)
                                    for i, v in enumerate(values) if v not in (None, "")}
                    self.keys = {i: str(v).strip().casefold() for i, v in enumerate(values) if v not in (None, "")}
                continue
            item = {self.keys[i]: v for i, v in enumerate(values) if i in self.keys and v not in (None, "")}
            if item:
                self.items.append((number, item))

    def row_place(self, number: int) -> str:
        return f"{self.name}!A{number}"

    def cell_place(self, number: int, key: str) -> str:
        return f"{self.name}!{self.letters.get(key, 'A')}{number}"


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = nfc(value).strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_form_workbook(path: Path):
    """(plain data in form.yaml's shape, place function) for a form workbook; CchcError when it cannot be read."""
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any reason a workbook cannot be opened is reported the same way
        raise CchcError("form-invalid", path=path,
                        problems=Listing((phrase("pack-workbook-unreadable", error=f"{type(exc).__name__}: {exc}"),)))
    try:
        names = {name.strip().casefold(): name for name in workbook.sheetnames}
        sheets = {key: _Sheet(names[key], workbook[names[key]]) for key in SHEETS if key in names}
    finally:
        workbook.close()
    builder = _Builder(sheets)
    return builder.data, builder.place


class _Builder:
    def __init__(self, sheets: dict[str, _Sheet]):
        self.sheets = sheets
        self.places: dict[str, str] = {}
        self.data: dict = {}
        self.problems: list[tuple[str, str, dict]] = []
        self.settings()
        self.tables()
        self.simple_list("questions", "questions")
        self.rules()
        self.choices()
        if self.problems:
            self.data["_problems"] = self.problems

    def place(self, yaml_place: str) -> str:
        """The workbook cell for a YAML-style place; the nearest enclosing item when there is none."""
        current = yaml_place
        while current:
            if current in self.places:
                return self.places[current]
            shorter = _PLACE_STEP.sub("", current)
            if shorter == current:
                break
            current = shorter
        return yaml_place

    def remember(self, yaml_place: str, sheet: _Sheet, number: int, item_keys=None) -> None:
        self.places[yaml_place] = sheet.row_place(number)
        for key in sheet.letters:
            self.places[f"{yaml_place}.{_yaml_key(sheet.name, key)}"] = sheet.cell_place(number, key)

    def settings(self) -> None:
        sheet = self.sheets.get("settings")
        if sheet is None:
            self.problems.append(("settings", "pack-sheet-missing", {"sheet": "settings"}))
            return
        for number, item in sheet.items:
            key = str(item.get("key", "")).strip()
            target = SETTINGS_KEYS.get(key.casefold())
            if target is None:
                self.problems.append((f"settings!A{number}", "pack-unknown-setting", {"key": key}))
                continue
            self.data[target] = item.get("value")
            self.places[f"form.{target}"] = sheet.cell_place(number, "value")
        self.places.setdefault("form", "settings")

    def tables(self) -> None:
        columns, rows = self.sheets.get("columns"), self.sheets.get("rows")
        listed = self.sheets.get("tables")
        tables: list[dict] = []
        index: dict[str, int] = {}
        if listed is not None:
            for number, item in listed.items:
                table = {("code" if k == "table" else k): v for k, v in item.items()}
                code = str(table.get("code", ""))
                self.remember(f"tables[{len(tables)}]", listed, number)
                self.places[f"tables[{len(tables)}].code"] = listed.cell_place(number, "table")
                index.setdefault(code, len(tables))
                tables.append(table)
        self.places["form.tables"] = "tables" if listed is not None else "columns"
        for kind, sheet in (("columns", columns), ("rows", rows)):
            if sheet is None:
                self.problems.append((kind, "pack-sheet-missing", {"sheet": kind}))
                continue
            for number, item in sheet.items:
                code = str(item.get("table", "")).strip()
                if code not in index:
                    if listed is not None or not code:
                        self.problems.append((sheet.cell_place(number, "table"), "pack-unknown-table",
                                              {"reference": code or "—", "table": code or "—"}))
                        continue
                    index[code] = len(tables)
                    tables.append({"code": code, "title": self.data.get("title", code)})
                    self.places[f"tables[{index[code]}]"] = sheet.cell_place(number, "table")
                table = tables[index[code]]
                entries = table.setdefault(kind, [])
                entry = {k: v for k, v in item.items() if k != "table"}
                self.remember(f"tables[{index[code]}].{kind}[{len(entries)}]", sheet, number)
                entries.append(entry)
        for n, table in enumerate(tables):
            self.places.setdefault(f"tables[{n}].columns", "columns")
            self.places.setdefault(f"tables[{n}].rows", "rows")
        self.data["tables"] = tables

    def simple_list(self, sheet_key: str, data_key: str) -> list:
        sheet = self.sheets.get(sheet_key)
        entries = []
        if sheet is not None:
            for number, item in sheet.items:
                self.remember(f"{data_key}[{len(entries)}]", sheet, number)
                entries.append(dict(item))
            self.data[data_key] = entries
        return entries

    def rules(self) -> None:
        for rule in self.simple_list("rules", "rules"):
            cells = rule.get("cells")
            if isinstance(cells, str):
                rule["cells"] = [c.strip() for c in re.split(r"[,;]", cells) if c.strip()]

    def choices(self) -> None:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return
        lists: dict[str, list] = {}
        for number, item in sheet.items:
            name = str(item.get("list", "")).strip()
            entries = lists.setdefault(name, [])
            self.remember(f"choices.{name}[{len(entries)}]", sheet, number)
            self.places.setdefault(f"choices.{name}", sheet.row_place(number))
            entries.append({"value": item.get("value"), "label": item.get("label")})
        self.data["choices"] = lists


def _yaml_key(sheet: str, key: str) -> str:
    return "code" if (sheet == "tables" and key == "table") else key
