"""Open any returned file safely and hand back its cells and sheets.

One module per job:

- ``container``: the file as a container, checked before any parser runs (size,
  magic bytes, ZIP directory, bombs, encrypted members, bounded inflation);
- ``ooxml``, ``ods``, ``biff``, ``xlsb``: what each format tells beyond the cells
  (protection, cells in error, grid bounds), the XML parsed by ``xmlparts``;
- ``reader``: ``read_workbook``, calamine reading the cells of every format;
- ``discovery``: which files a command was given;
- ``memo``: the one place the reader's speed memos live;
- ``raw``: what reading hands back (``RawWorkbook``, ``RawSheet``), ``Limits``.

Who sent a file (form, unit, period) is domain knowledge: ``cchc_sheets.identity``.
"""
from __future__ import annotations

from .discovery import SPREADSHEET_SUFFIXES, find_spreadsheets
from .memo import PROCESS_MEMO, ReaderMemo
from .raw import MB, Limits, RawSheet, RawWorkbook
from .reader import column_index, column_letter, read_workbook

__all__ = ["MB", "PROCESS_MEMO", "SPREADSHEET_SUFFIXES", "Limits", "RawSheet", "RawWorkbook", "ReaderMemo",
           "column_index", "column_letter", "find_spreadsheets", "read_workbook"]
