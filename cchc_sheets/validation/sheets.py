"""Which sheets of a return are the form's: found by name, or by their labels when renamed; the rest added.

A commune may rename ``Báo cáo`` (``Sheet1``, ``Báo cáo (2)`` after a copy) while the
hidden identity stays intact: the sheet is then the visible one whose cells carry the
form's labels. Any other sheet is one the template never had (the feedback copy's own
list sheet excepted, since a commune may send that copy back corrected).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import layout as L
from ..messages import CATALOGUE
from ..text import fold_name
from .plan import FormPlan

# A renamed sheet must carry at least this share of the labels looked for on it (or its heading).
MIN_LABEL_SHARE = 1 / 3


@dataclass
class FormSheets:
    """The return's main and answers sheets (None when absent) and the sheets the template has not."""

    main: object | None                 # reading.RawSheet
    answers: object | None
    renamed: list[tuple[str, str]] = field(default_factory=list)   # (template name, name in the file)
    added: list[str] = field(default_factory=list)


def _template_names() -> frozenset[str]:
    feedback = CATALOGUE["feedback-sheet"]
    return frozenset(fold_name(name) for name in (L.MAIN_SHEET, L.ANSWERS_SHEET, L.META_SHEET,
                                                  feedback.vi, feedback.en))


_TEMPLATE_NAMES = _template_names()


def form_sheets(raw, plan: FormPlan) -> FormSheets:
    """The form's sheets in ``raw``, by name first, else by what their cells hold."""
    main, answers = _named(raw, L.MAIN_SHEET), _named(raw, L.ANSWERS_SHEET)
    others = [s for s in raw.sheets if fold_name(s.name) not in _TEMPLATE_NAMES
              and fold_name(s.name) not in plan.table_sheets]
    renamed = []
    if main is None:
        main = _best(others, plan.main_keys, plan, heading=True)
        if main is not None:
            renamed.append((L.MAIN_SHEET, main.name))
    if answers is None:
        answers = _best([s for s in others if s is not main], plan.answer_keys, plan, heading=False)
        if answers is not None:
            renamed.append((L.ANSWERS_SHEET, answers.name))
    added = [s.name for s in others if s is not main and s is not answers]
    return FormSheets(main, answers, renamed, added)


def _named(raw, name: str):
    """The sheet called ``name`` up to NFC, case and spaces (``Báo  cáo``, ``báo cáo`` are the same)."""
    wanted = fold_name(name)
    return next((s for s in raw.sheets if fold_name(s.name) == wanted), None)


def _best(sheets: list, keys: frozenset[str], plan: FormPlan, *, heading: bool):
    """The visible sheet holding the most of ``keys``, if it holds enough of them (or the heading)."""
    from ..identity import identify_heading

    best, best_score = None, 0
    for sheet in sheets:
        if sheet.visibility != "visible":
            continue
        score = len({key for _, _, key in plan.text_cells(sheet.cells, keys)})
        if score < len(keys) * MIN_LABEL_SHARE and not (heading and identify_heading(sheet) is not None):
            continue
        if best is None or score > best_score:
            best, best_score = sheet, score
    return best
