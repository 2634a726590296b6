"""The consolidate page's bar chart: one horizontal bar per indicator total, laid out here and drawn
as inline SVG by ``_chart.html`` (no script, no library; Jinja escapes every label).

    chart = bar_chart(consolidation.totals, desk.form)
    chart.bars[0].width                # pixels, the largest total gets BAR_AREA
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

LABEL_WIDTH = 500          # px for "code · label" (DejaVu Sans 13 px: about 70 letters)
BAR_AREA = 330             # px for the longest bar
VALUE_WIDTH = 150          # px for the number and its unit after the bar
ROW_HEIGHT = 26
LABEL_LETTERS = 68


@dataclass(frozen=True)
class Bar:
    code: str
    label: str             # shortened to fit; ``title`` holds the whole
    title: str
    value: float
    unit: str
    y: int                 # top of the row
    width: float           # bar length in px (at least 1 for a non-zero total)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    row_height: int = ROW_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 4


def bar_chart(totals: dict, form) -> Chart:
    """Bars for the numeric totals, in the form's order, on one scale (the largest total is the longest bar)."""
    known = {i.code: i for i in form.indicators}
    numeric = [(code, float(value)) for code, value in totals.items()
               if isinstance(value, Real) and not isinstance(value, bool)]
    top = max((value for _, value in numeric), default=0.0)
    bars = []
    for row, (code, value) in enumerate(numeric):
        indicator = known.get(code)
        title = f"{code} · {indicator.label}" if indicator else code
        width = 0.0 if top <= 0 or value <= 0 else max(1.0, BAR_AREA * value / top)
        bars.append(Bar(code, _shorten(title, LABEL_LETTERS), title, value, (indicator.unit or "") if indicator else "",
                        row * ROW_HEIGHT + 2, round(width, 1)))
    return Chart(bars)


def _shorten(text: str, letters: int) -> str:
    return text if len(text) <= letters else text[: letters - 1].rstrip() + "…"
