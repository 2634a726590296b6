"""Checks on returned workbooks: every problem becomes a Finding with its sheet and cell.

``validate_workbook`` turns one RawWorkbook (from ``reading``) into a FileReport;
``check_batch`` adds what only shows across files (the same unit twice,
outliers); ``batch.validate_paths`` does both for files and folders. Nothing
here raises for a bad file: a problem with a return is a finding, never an
exception.

Modules, one job each: ``plan`` (what every file of a form is compared with, and the
memos a batch shares), ``grid`` (where the table sits), ``workbook`` (one file's checks),
``layout_findings`` (a changed layout explained), ``cells`` (cell values as read),
``sheets`` (the form's sheets, renamed or not, and the sheets added), ``batch_checks``
(findings across files).
"""
from __future__ import annotations

from .. import layout as L
from ..forms import Form
from .batch_checks import OUTLIER_IQR_FACTOR, OUTLIER_MIN_UNITS, check_batch
from .grid import HEADER_SEARCH_ROWS, Grid, locate
from .plan import FormPlan
from .workbook import REPORTER_MAX_LENGTH, validate_content, validate_workbook, with_context

__all__ = [
    "FormPlan", "Grid", "HEADER_SEARCH_ROWS", "OUTLIER_IQR_FACTOR", "OUTLIER_MIN_UNITS", "REPORTER_MAX_LENGTH",
    "check_batch", "locate", "validate_content", "validate_workbook", "with_context",
]


def _layout_for(form: Form) -> L.Layout:
    """The form's layout (``report_cache.context_key`` takes its fingerprint from here)."""
    return L.Layout(form)
