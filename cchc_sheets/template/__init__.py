"""The template writer: one locked, personalised workbook per unit.

- ``build_base`` draws a workbook once per batch (openpyxl) with tokens for the unit;
- ``stamp`` personalises it for one unit by rewriting only the zip members with tokens;
- ``write_templates`` writes every unit's file and ``manifest.csv`` atomically;
- ``fill_workbook`` types values into a template as a commune would (tests, demo).
"""
from .base import TemplateBase, build_base, stamp
from .batch import (DEFAULT_PASSWORD, MANIFEST_COLUMNS, MANIFEST_NAME, ManifestRow, manifest_csv,
                    resolve_password, template_filename, write_templates)
from .fill import fill_workbook, read_metadata

__all__ = [
    "TemplateBase", "build_base", "stamp", "DEFAULT_PASSWORD", "MANIFEST_COLUMNS", "MANIFEST_NAME",
    "ManifestRow", "manifest_csv", "resolve_password", "template_filename", "write_templates",
    "fill_workbook", "read_metadata",
]
