"""A1 cell addresses: the one helper for column letters and cell references (1-based)."""
from __future__ import annotations

import re

MAX_COLUMNS = 16384    # XFD
MAX_ROWS = 1_048_576

_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_LETTERS: list[str] = [""]   # index -> letters, grown on demand (addresses are made for every cell)


def column_letter(column: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA'."""
    while len(_LETTERS) <= column:
        n, letters = len(_LETTERS), ""
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        _LETTERS.append(letters)
    return _LETTERS[column]


def column_number(letters: str) -> int:
    """'A' -> 1, 'AA' -> 27 (case-insensitive)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def split_cell(address: str) -> tuple[int, int] | None:
    """'D12' -> (12, 4) as (row, column), or None when ``address`` is not one A1 cell."""
    match = _CELL.match(address)
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


def cell_address(row: int, column: int) -> str:
    """(12, 4) -> 'D12'."""
    return f"{column_letter(column)}{row}"
