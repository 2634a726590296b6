"""cchc-sheets: the spreadsheet round trip of Vietnamese local-government (CCHC) reporting.

Library first: template, validation, merge and draft are functions over values;
``cchc_sheets.cli`` is a thin click layer over them.
"""
__version__ = "0.1.0"


def __getattr__(name: str):
    # ``from cchc_sheets import Office`` without importing the library for ``cchc --help``.
    if name == "Office":
        from .office import Office

        return Office
    raise AttributeError(name)
