"""Fill a template's input cells the way a commune officer would (tests and the demo).

Only cells that ``layout`` lists as input cells are written, so a filled file
keeps its protection, validation, names and identity sheet exactly as sent.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from .. import layout
from ..forms import Form, load_form
from ..messages import CchcError


def read_metadata(workbook) -> dict[str, str]:
    """The identity sheet's key/value rows (empty when the sheet is gone)."""
    if layout.META_SHEET not in workbook.sheetnames:
        return {}
    rows = workbook[layout.META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
    return {str(key): "" if value is None else str(value) for key, value in rows if key is not None}


def _open(source: str | os.PathLike | bytes):
    from openpyxl import load_workbook

    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source)
    return load_workbook(stream)


def fill_workbook(source: str | os.PathLike | bytes, values: dict[str, object] | None = None,
                  notes: dict[str, object] | None = None, answers: dict[str, object] | None = None,
                  reporter: dict[str, object] | None = None, *, form: Form | None = None,
                  keep_formulas: bool = False) -> bytes:
    """The template with the given input cells typed in, saved to bytes.

    ``values`` are keyed by cell key (``"05.1"``, ``"tong:dung-han"``), ``notes`` by row key
    (``Layout.row_key``: the same for a one-column table), ``answers`` by question code,
    ``reporter`` by ``layout.REPORTER_FIELDS`` key. Values are written as given: pass
    ``"6(lồng ghép)"`` to type text where a number belongs, or a number over a computed cell to
    type it over; ``keep_formulas``: computed cells keep their formulas whatever ``values`` holds.
    """
    workbook = _open(source)
    if form is None:
        form_id = read_metadata(workbook).get("form_id")
        if not form_id:
            raise CchcError("template-not-a-workbook", path=source if not isinstance(source, bytes) else "<bytes>")
        form = load_form(form_id)
    grid = layout.Layout(form)
    main, answer_sheet = workbook[layout.MAIN_SHEET], workbook[layout.ANSWERS_SHEET]
    for code, value in (values or {}).items():
        if keep_formulas and form.indicator(code).computed:
            continue
        sheet, address = grid.places[code]
        workbook[sheet][address] = value
    for code, note in (notes or {}).items():
        place = grid.note_places.get(code)
        if place is not None:
            workbook[place[0]][place[1]] = note
    for key, value in (reporter or {}).items():
        main[grid.reporter_cell(key)] = value
    for code, answer in (answers or {}).items():
        answer_sheet[grid.answer_cell(code)] = answer
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
