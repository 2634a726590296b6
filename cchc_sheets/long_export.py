"""The tidy ("long") export: one row per counted unit and indicator.

Columns (stable, documented in the README): period, unit_code, unit_name, group,
indicator_code (the cell key), indicator_label, unit_of_measure, value, note, source_file,
source_sha256, table_code, row_code, column_code, column_label. Only counted units (valid or with warnings) appear, so summing
``value`` by indicator gives the workbook's totals. ``.csv`` is UTF-8 with a BOM
(Excel then shows Vietnamese correctly); text that Excel would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``) gets a leading apostrophe in the CSV
only. ``.parquet`` keeps the text as it is and types ``value`` as a number.

With ``--detail units`` (``Consolidation.detail == "units"``) the rows are the lowest-level
units inside lower consolidated workbooks (each commune once), and a last column ``via``
names the unit whose workbook carried it; the sums by indicator are the same totals.
With an earlier period's consolidation (``cchc merge --previous``) a last column
``previous_value`` gives each unit's figure then, a merged commune's predecessors added up.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

from . import layout, merge
from .fileio import write_with
from .text import display_path
from .messages import CchcError
from .model import Consolidation

COLUMNS = ("period", "unit_code", "unit_name", "group", "indicator_code", "indicator_label",
           "unit_of_measure", "value", "note", "source_file", "source_sha256",
           "table_code", "row_code", "column_code", "column_label")
UNITS_COLUMNS = COLUMNS + ("via",)
TEXT_COLUMNS = tuple(c for c in UNITS_COLUMNS if c != "value")   # previous_value: a number, as typed
FORMULA_STARTS = ("=", "+", "-", "@")


def iter_long_rows(consolidation: Consolidation, previous: Consolidation | None = None) -> Iterator[dict]:
    """The rows one at a time: a national export (90,000 rows) never sits in memory whole."""
    from .predecessors import earlier_lookup

    form = consolidation.form
    earlier = earlier_lookup(previous, consolidation.units, form) if previous is not None else None
    grid = layout.Layout(form)
    cells = [(i, grid.row_key(i.code), " / ".join(form.table(i.table).column(i.column).header_path))
             for i in form.indicators]
    for entry in _counted_entries(consolidation):
        report = entry.report
        for indicator, row_key, column_label in cells:
            value = entry.values.get(indicator.code) if indicator.is_numeric else entry.texts.get(indicator.code)
            row = {
                "period": consolidation.period.code, "unit_code": entry.code,
                "unit_name": entry.name, "group": entry.group,
                "indicator_code": indicator.code, "indicator_label": indicator.label,
                "unit_of_measure": indicator.unit,
                "value": merge.number(value) if indicator.is_numeric else value,
                "note": str(entry.notes.get(row_key) or ""),
                "source_file": display_path(PurePath(report.path).name), "source_sha256": report.sha256,
                "table_code": indicator.table, "row_code": indicator.row, "column_code": indicator.column,
                "column_label": column_label,
            }
            if entry.via is not None:
                row["via"] = entry.via
            if earlier is not None:
                row["previous_value"] = merge.number((earlier(entry.code) or {}).get(indicator.code))
            yield row


def _counted_entries(consolidation: Consolidation):
    """The counted rows: each counted return, or with ``--detail units`` each counted lowest-level unit."""
    from .merged_workbook.figures import DETAIL_UNITS, lowest_entries

    if consolidation.detail == DETAIL_UNITS:
        yield from (e for e in lowest_entries(consolidation) if e.counted)
        return
    for status in consolidation.unit_statuses:
        if status.counted:
            report = status.report
            yield _ReturnEntry(status.unit.code, status.unit.name, status.unit.group, report.values, report.texts,
                               report.notes, report)


class _ReturnEntry:
    """A counted return as a long-export row source (no ``via``: the one-level layout)."""

    __slots__ = ("code", "name", "group", "values", "texts", "notes", "report")
    via = None

    def __init__(self, code, name, group, values, texts, notes, report):
        self.code, self.name, self.group, self.values = code, name, group, values
        self.texts, self.notes, self.report = texts, notes, report


def columns_for(consolidation: Consolidation, previous: Consolidation | None = None) -> tuple[str, ...]:
    from .merged_workbook.figures import DETAIL_UNITS

    columns = UNITS_COLUMNS if consolidation.detail == DETAIL_UNITS else COLUMNS
    return columns + ("previous_value",) if previous is not None else columns


def write_long(consolidation: Consolidation, path: str | Path, previous: Consolidation | None = None) -> Path:
    """Write ``.csv`` or ``.parquet`` (by suffix) atomically; returns ``path``. ``previous``: an
    earlier period's consolidation, for the ``previous_value`` column."""
    path = Path(path)
    suffix = path.suffix.lower()
    columns = columns_for(consolidation, previous)
    if suffix == ".csv":
        write_with(path, lambda temporary: write_csv(temporary, iter_long_rows(consolidation, previous), columns))
    elif suffix == ".parquet":
        frame = data_frame(iter_long_rows(consolidation, previous), columns)
        write_with(path, lambda temporary: frame.to_parquet(temporary, index=False))
    else:
        raise CchcError("long-format-unsupported", path=path)
    return path


def write_csv(path: Path, rows: Iterable[dict], columns: tuple[str, ...] = COLUMNS) -> None:
    """UTF-8 with a BOM, CRLF, streamed row by row."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        _write_csv_rows(handle, rows, columns)


def csv_bytes(rows: Iterable[dict], columns: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    _write_csv_rows(buffer, rows, columns)
    return buffer.getvalue().encode("utf-8-sig")


def _write_csv_rows(handle, rows: Iterable[dict], columns: tuple[str, ...] = COLUMNS) -> None:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_csv_cell(row[c], c) for c in columns] for row in rows)


def _csv_cell(value: object, column: str) -> str:
    if value is None:
        return ""
    text = str(value)
    if column in TEXT_COLUMNS and text.startswith(FORMULA_STARTS):
        return "'" + text  # Excel would otherwise run it as a formula on opening the CSV
    return text


def data_frame(rows: Iterable[dict], names: tuple[str, ...] = COLUMNS):
    """Typed columns, built column by column (a list of 90,000 dicts costs twice the memory)."""
    import pandas as pd

    columns: dict[str, list] = {c: [] for c in names}
    for row in rows:
        for column, cells in columns.items():
            cells.append(row[column])
    frame = pd.DataFrame(columns, columns=list(names))
    numbers = [v for v in frame["value"] if v is not None and not isinstance(v, str)]
    if all(isinstance(v, int) for v in numbers):
        frame["value"] = pd.array([v if isinstance(v, int) else None for v in frame["value"]], dtype="Int64")
    elif not any(isinstance(v, str) for v in frame["value"]):
        frame["value"] = pd.array(frame["value"].tolist(), dtype="Float64")
    else:  # a text indicator: one column cannot hold both types in Parquet
        frame["value"] = pd.array([None if v is None else str(v) for v in frame["value"]], dtype="string")
    if "previous_value" in frame:
        earlier = frame["previous_value"].tolist()
        whole = all(isinstance(v, int) for v in earlier if v is not None)
        frame["previous_value"] = pd.array(earlier, dtype="Int64" if whole else "Float64")
    for column in TEXT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype("string")
    return frame
