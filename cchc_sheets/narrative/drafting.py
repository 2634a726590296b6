"""``cchc draft`` as a library call: read the input, build the Draft, write .docx or .md."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import layout
from ..messages import CchcError, Phrase, phrase
from ..model import Consolidation
from .context import LEVEL_COMMUNE, LEVEL_PARENT
from .render import Draft, DraftOptions, build_draft

OUTPUT_FORMATS = (".docx", ".md")


@dataclass
class DraftResult:
    draft: Draft
    level: str
    warnings: list[Phrase] = field(default_factory=list)   # for the officer, rendered by the caller


def input_level(path: str | Path) -> str:
    """'parent' for a consolidated workbook (cchc merge), 'commune' for a filled template."""
    from .. import merged_workbook
    from ..identity import identify
    from ..reading import read_workbook

    if merged_workbook.is_consolidated_workbook(path):  # a national one is beyond a return's size limits
        return LEVEL_PARENT
    raw = read_workbook(path)
    if not raw.readable:
        raise CchcError("draft-input-unreadable", path=path, reason=raw.problem.phrase())
    if raw.sheet(merged_workbook.META_SHEET) is not None:
        return LEVEL_PARENT
    if raw.sheet(layout.META_SHEET) is not None or identify(raw) is not None:
        return LEVEL_COMMUNE
    raise CchcError("draft-input-unknown", path=path)


def load_source(path: str | Path, form=None) -> tuple[Consolidation, str]:
    """The Consolidation to draft from, and whether it is a commune's own return or a merge."""
    level = input_level(path)
    if level == LEVEL_PARENT:
        from ..merged_workbook import read_consolidated

        return read_consolidated(path, form), level
    from .single import consolidation_for_return

    return consolidation_for_return(path, form), level


def load_previous(path: str | Path, current: Consolidation, level: str) -> Consolidation:
    """The earlier period to compare with: same level (a merge with a merge) and an earlier period."""
    earlier, earlier_level = load_source(path, current.form)
    reason = None
    if earlier_level != level:
        reason = phrase("detail-previous-is-commune" if earlier_level == LEVEL_COMMUNE else "detail-previous-is-merge")
    elif (earlier.period.end >= current.period.end):
        reason = phrase("detail-previous-not-earlier", earlier=earlier.period.label, current=current.period.label)
    if reason:
        raise CchcError("draft-previous-mismatch", previous=path, reason=reason, period=current.period.label)
    return earlier


def source_warnings(consolidation: Consolidation, level: str) -> list[Phrase]:
    """A commune file with errors still drafts (blank cells), but the officer is told."""
    if level != LEVEL_COMMUNE:
        return []
    report = consolidation.unit_statuses[0].report
    if report and report.errors:
        return [phrase("draft-source-has-errors", path=report.path, errors=len(report.errors))]
    return []


def check_output(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise CchcError("draft-output-format", path=path)
    return suffix


def draft_report(source: str | Path, out: str | Path, previous: str | Path | None = None,
                 options: DraftOptions | None = None, form=None) -> DraftResult:
    """Read ``source`` (and ``previous``), write the draft to ``out`` (.docx or .md)."""
    suffix = check_output(out)
    consolidation, level = load_source(source, form)
    earlier = load_previous(previous, consolidation, level) if previous else None
    draft = build_draft(consolidation, earlier, level, options)
    if suffix == ".docx":
        from .docx_writer import write_docx

        write_docx(draft, out)
    else:
        from .markdown_writer import write_markdown

        write_markdown(draft, out)
    return DraftResult(draft, level, source_warnings(consolidation, level))
