"""What ``cchc form check`` and ``cchc form list`` report about packs, as plain data.

A problem is a ``pack-problem`` phrase (place + inner phrase); its record is
``{"place", "code", "params"}`` with the inner phrase's code and fields, so tests and
scripts match codes and places, never words.
"""
from __future__ import annotations

from pathlib import Path

from ..messages import Phrase, phrase, plain_params
from .model import Form
from .packs import available_forms, check_pack


def as_problems(problems: list, description: Path | None) -> list[Phrase]:
    """Every problem as a ``pack-problem`` phrase; what a reader could not parse is placed at the file."""
    where = description.name if description is not None else "form"
    result = []
    for item in problems:
        if isinstance(item, Phrase) and item.code == "pack-problem":
            result.append(item)
        elif isinstance(item, Phrase):
            result.append(phrase("pack-problem", place=where, problem=item))
        else:   # a YAML parser's own text
            result.append(phrase("pack-problem", place=where,
                                 problem=phrase("form-check-unreadable", error=str(item))))
    return result


def problem_records(problems: list, description: Path | None = None) -> list[dict]:
    """``[{"place", "code", "params"}]``: one per problem, the inner phrase's code and fields."""
    records = []
    for found in as_problems(problems, description):
        inner = found.params["problem"]
        records.append({"place": str(found.params["place"]), "code": inner.code,
                        "params": plain_params(inner.params)})
    return records


def summary(form: Form) -> dict:
    """The numbers of a clean form's one-line summary."""
    return {"form_id": form.id, "version": form.version, "tables": len(form.tables),
            "cells": len(form.indicators), "computed": len(form.computed),
            "rules": len({rule.code for rule in form.rules})}


def bundled_packs() -> list[dict]:
    """One entry per bundled pack: id, version, title, tables, cells, path, ok (a broken pack is listed too)."""
    entries = []
    for form_id in available_forms():
        description, form, problems = check_pack(form_id)
        entry = {"form_id": form_id, "version": None, "title": "", "tables": 0, "cells": 0,
                 "path": str(description), "ok": form is not None and not problems}
        if entry["ok"]:
            entry.update(version=form.version, title=form.title, tables=len(form.tables),
                         cells=len(form.indicators))
        entries.append(entry)
    return entries
