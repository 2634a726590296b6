"""Vietnamese number and date formatting for text people read.

``.`` groups thousands and ``,`` is the decimal mark (1.200 người; 12,5%).
Dates in documents read "ngày 05 tháng 6 năm 2020": days below 10 and the
months 1 and 2 take a leading zero (Decree 30/2020).
"""
from __future__ import annotations

from datetime import date


def format_number(value: float | int | None, decimals: int = 1) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(ratio: float, decimals: int = 1) -> str:
    """0.125 -> '12,5%'."""
    return format_number(round(ratio * 100, decimals), decimals) + "%"


def format_date_long(day: date) -> str:
    """'ngày 05 tháng 6 năm 2020' (leading zero for days < 10 and months 1-2)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def format_date_short(day: date) -> str:
    """'05/6/2020' as used inside sentences."""
    return f"{day.day:02d}/{day.month}/{day.year}"
