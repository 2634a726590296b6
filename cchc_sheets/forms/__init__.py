"""Form packs: ``xlsx_templates/<form-id>/`` with a ``form.yaml`` or a ``form.xlsx`` and the files beside it.

A pack is loaded once, checked completely (every problem reported with its place,
e.g. ``indicators[3].unit: thiếu đơn vị tính`` or ``rows!D7: …``), and returned as
frozen dataclasses that the rest of the toolkit shares (``model``).
"""
from .checker import CODE_PATTERN, check_form, form_from_dict
from .expressions import Expression
from .model import (AGGREGATES, DEFAULT_ANSWER_MAX_LENGTH, DEFAULT_NOTE_MAX_LENGTH, KINDS, NUMERIC_KINDS,
                    SEVERITIES, SUMMABLE_KINDS, YES_NO, Choice, Column, Form, Indicator, Question, Row, Rule,
                    Table)
from .packs import DEFAULT_FORM, PACK_FILES, available_forms, check_pack, load_form, pack_file, packs_root

__all__ = [
    "AGGREGATES", "CODE_PATTERN", "DEFAULT_ANSWER_MAX_LENGTH", "DEFAULT_FORM", "DEFAULT_NOTE_MAX_LENGTH", "KINDS",
    "NUMERIC_KINDS", "PACK_FILES", "SEVERITIES", "SUMMABLE_KINDS", "YES_NO", "Choice", "Column", "Expression",
    "Form", "Indicator", "Question", "Row", "Rule", "Table", "available_forms", "check_form", "check_pack",
    "form_from_dict", "load_form", "pack_file", "packs_root",
]
