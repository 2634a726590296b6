"""cchc-sheets: the spreadsheet round trip of Vietnamese local-government (CCHC) reporting.

Library first: template, validation, merge and draft are functions over values;
``cchc_sheets.cli`` is a thin click layer over them.
"""
__version__ = "0.1.0"
