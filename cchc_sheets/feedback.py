"""Marked-up copies for communes: their own workbook with every flagged cell coloured and explained.

A copy, never the original: each cell with a finding is filled red (error) or
yellow (warning) and carries a Vietnamese comment; a first sheet "Cần sửa"
lists every point with its sheet and cell. Layout cells are left exactly as
they were, so the reader accepts the copy when the commune sends it back.

.xlsx/.xlsm are edited directly. openpyxl cannot edit .xls/.ods, so those are
converted to .xlsx with LibreOffice when it is installed; otherwise a fresh
workbook is drawn from the template writer and filled with the values read.
"""
from __future__ import annotations

import contextlib
import io
import tempfile
from datetime import datetime
from pathlib import Path

from . import layout as L
from . import pool
from .fileio import ascii_slug, ensure_directory, write_with
from .forms import Form
from .messages import CchcError, render
from .model import STATUS_UNREADABLE, BatchReport, FileReport, Finding
from .text import fold_name
from .xlsx_style import FONT_NAME, fit_row_height, print_on_a4

ERROR_FILL = "FFFF8080"    # strong red: must be fixed
WARNING_FILL = "FFFFC000"  # amber: clearly apart from the template's pale-yellow input cells
COMMENT_AUTHOR = "cchc-sheets"
FEEDBACK_SUFFIX = "_can-sua.xlsx"
EDITABLE_FORMATS = ("xlsx", "xlsm")
MARKED_SEVERITIES = ("error", "warning")
POOL_MIN_COPIES = 8        # fewer copies are written in this process: starting workers costs more


def feedback_name(path: str | Path) -> str:
    """``Báo cáo xã An Hòa.xls`` -> ``bao-cao-xa-an-hoa_can-sua.xlsx`` (ASCII: safe as an attachment)."""
    return f"{ascii_slug(Path(path).stem, 60)}{FEEDBACK_SUFFIX}"


def marked_findings(report: FileReport) -> list[Finding]:
    return [f for f in report.findings if f.severity in MARKED_SEVERITIES]


def write_feedback(report: FileReport, out_dir: str | Path, form: Form, *, name: str | None = None) -> Path | None:
    """Write the marked-up copy of one return; None when there is nothing to mark or no file to copy."""
    findings = marked_findings(report)
    if not findings or report.status == STATUS_UNREADABLE:
        return None
    target = ensure_directory(out_dir) / (name or feedback_name(report.path))
    for opened in _editable_copies(report, form):
        workbook, rebuilt = opened
        try:
            _mark_cells(workbook, findings, form if rebuilt else None)
            _add_list_sheet(workbook, report, findings, rebuilt)
            write_with(target, workbook.save)
            return target
        except Exception:  # noqa: BLE001 - openpyxl refuses what the commune's file holds: try a rebuilt copy
            continue
    return None


def write_feedbacks(batch: BatchReport, out_dir: str | Path, form: Form, *,
                    jobs: int | None = None) -> tuple[list[Path], list[FileReport]]:
    """Copies for every file with findings; returns (written paths, reports that got no copy).

    Names are given here, in input order; the copies are written by a process pool
    when there are many (openpyxl spends about 90 ms on each), ``jobs`` workers or
    one per CPU.
    """
    used: set[str] = set()
    tasks = [(report, _unique(feedback_name(report.path), used)) for report in batch.files if marked_findings(report)]
    written, skipped = [], []
    for (report, _), path in zip(tasks, _write_all(tasks, out_dir, form, jobs)):
        (written if path else skipped).append(path or report)
    return written, skipped


def _write_all(tasks: list[tuple[FileReport, str]], out_dir, form: Form, jobs: int | None) -> list[Path | None]:
    if not tasks:
        return []
    workers = pool.worker_count(jobs, len(tasks), POOL_MIN_COPIES)
    if workers > 1:
        ensure_directory(out_dir)
    context = {"out_dir": out_dir, "form": form}
    # Chunks of up to 16 copies a task (openpyxl spends about 90 ms on each).
    chunks = pool.chunks(tasks, pool.chunk_size(len(tasks), workers, 16))
    return [path for paths in pool.map_ordered(_write_in_worker, chunks, workers, context) for path in paths]


def _write_in_worker(tasks: list[tuple[FileReport, str]]) -> list[Path | None]:
    context = pool.worker_context()
    return [write_feedback(report, context["out_dir"], context["form"], name=name) for report, name in tasks]


def _unique(name: str, used: set[str]) -> str:
    """Two returns named alike (different folders) get -2, -3 … instead of overwriting each other."""
    stem, n, candidate = name[: -len(FEEDBACK_SUFFIX)], 1, name
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}{FEEDBACK_SUFFIX}"
    used.add(candidate)
    return candidate


# --------------------------------------------------------------------------- opening a copy


def _editable_copies(report: FileReport, form: Form):
    """(openpyxl workbook, rebuilt?) for the return, best first; the original file is only read.

    The commune's own workbook when openpyxl can edit it (by its content: an .xlsx
    named .xls is still an .xlsx), else LibreOffice's .xlsx of it, and last a copy
    rebuilt from the template with the values read, so every return that was read
    gets a copy even when its own file cannot be edited or saved.
    """
    from openpyxl import load_workbook

    source = Path(report.path)
    fmt = (report.file_format or source.suffix.lstrip(".")).lower()
    openers = [lambda: (load_workbook(io.BytesIO(source.read_bytes())), False)] if fmt in EDITABLE_FORMATS else \
        [lambda: (_convert_with_libreoffice(source), False)]
    openers.append(lambda: (_rebuilt_from_template(report, form), True))
    for opener in openers:
        try:
            workbook, rebuilt = opener()
        except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open: the next way
            continue
        if workbook is not None:
            yield workbook, rebuilt


def _convert_with_libreoffice(source: Path):
    """The .xls/.ods as an .xlsx workbook via LibreOffice, or None when LibreOffice is missing or fails."""
    from openpyxl import load_workbook

    try:
        from . import libreoffice
    except ImportError:
        return None
    if libreoffice.find_soffice() is None:
        return None
    with tempfile.TemporaryDirectory(prefix="cchc-feedback-") as work:
        with contextlib.suppress(CchcError):
            converted = libreoffice.convert(source, "xlsx", work, timeout=120)
            return load_workbook(converted)
    return None


def _rebuilt_from_template(report: FileReport, form: Form):
    """A fresh template for the unit, filled with what was read (values with errors as typed)."""
    from openpyxl import load_workbook

    from .periods import parse_period
    from .template import build_base, fill_workbook, resolve_password, stamp
    from .units import Unit

    if not (report.unit_code and report.period):
        return None
    base = build_base(form, parse_period(report.period), password=resolve_password(None))
    unit = Unit(code=report.unit_code, name=report.unit_name or report.unit_code)
    data = stamp(base, unit, report.generated_at or datetime.now().astimezone())
    typed = {code: value for code, value in report.values.items() if value is not None}
    for finding in report.findings:
        if finding.indicator in report.values and report.values[finding.indicator] is None and finding.value is not None:
            typed[finding.indicator] = finding.value
    filled = fill_workbook(data, typed, report.notes, report.answers, report.reporter, form=form, keep_formulas=True)
    return load_workbook(io.BytesIO(filled))


# --------------------------------------------------------------------------- marking


def _mark_cells(workbook, findings: list[Finding], rebuilt_form: Form | None) -> None:
    """Fill and comment every flagged cell; several findings on one cell share one comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    renamed = _renamed_sheets(findings)
    rebuilt = L.Layout(rebuilt_form) if rebuilt_form is not None else None
    for finding in findings:
        place = _place(finding, workbook, rebuilt, renamed)
        if place:
            by_cell.setdefault(place, []).append(finding)
    for (sheet_name, address), cell_findings in by_cell.items():
        cell = _anchor(workbook[sheet_name], address)
        worst = ERROR_FILL if any(f.severity == "error" for f in cell_findings) else WARNING_FILL
        cell.fill = PatternFill(fill_type="solid", start_color=worst, end_color=worst)
        text = "\n\n".join(f"[{render('severity-' + f.severity)}] {_writable(f.message())}" for f in cell_findings)
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width, comment.height = 320, min(80 + 60 * len(cell_findings) + len(text) // 2, 400)
        cell.comment = comment


def _renamed_sheets(findings: list[Finding]) -> dict[str, str]:
    """The name the commune gave each renamed form sheet -> the template's name (``sheet-renamed``)."""
    return {str(f.params["found"]): str(f.params["expected"]) for f in findings
            if f.code == "sheet-renamed" and f.params.get("found") and f.params.get("expected")}


def _place(finding: Finding, workbook, rebuilt: L.Layout | None,
           renamed: dict[str, str] | None = None) -> tuple[str, str] | None:
    """The (sheet, cell) to mark, or None for file-level findings and hidden sheets; ``rebuilt``:
    the template's layout when the copy was rebuilt from it.

    Findings name a renamed form sheet as the commune named it: a rebuilt copy
    has the template's names, the commune's own copy the commune's.
    """
    if not finding.sheet or not finding.cell:
        return None
    sheet = _sheet_in(workbook, finding.sheet, renamed or {}, rebuilt is not None)
    if sheet is None or workbook[sheet].sheet_state != "visible":
        return None
    address = finding.cell
    rows = rebuilt.indicator_rows if rebuilt is not None else {}
    if finding.indicator in rows and sheet == rebuilt.sheet_of(finding.indicator):
        # A rebuilt copy has every row where the layout puts it, whatever the original did.
        column = "".join(ch for ch in address if ch.isalpha())
        address = f"{column}{rows[finding.indicator]}"
    return sheet, address


def _sheet_in(workbook, name: str, renamed: dict[str, str], rebuilt: bool) -> str | None:
    """The workbook's sheet a finding's sheet name means: in a rebuilt copy the template's name of a
    renamed sheet, in the commune's own copy its name for a template one; None when there is none."""
    wanted = renamed.get(name, name) if rebuilt else \
        next((found for found, expected in renamed.items() if expected == name), name)
    for candidate in (wanted, name):
        if candidate in workbook.sheetnames:
            return candidate
        folded = fold_name(candidate)
        match = next((sheet for sheet in workbook.sheetnames if fold_name(sheet) == folded), None)
        if match is not None:
            return match
    return None


def _anchor(sheet, address: str):
    """The writable cell for ``address``: the top-left one when it lies inside a merged range."""
    for merged in sheet.merged_cells.ranges:
        if address in merged:
            return sheet.cell(row=merged.min_row, column=merged.min_col)
    return sheet[address]


# --------------------------------------------------------------------------- the list sheet


def _add_list_sheet(workbook, report: FileReport, findings: list[Finding], rebuilt: bool) -> None:
    from openpyxl.styles import Alignment, Font

    title = render("feedback-sheet")
    if title in workbook.sheetnames:
        workbook.remove(workbook[title])  # a copy sent back again: replace the old list
    sheet = workbook.create_sheet(title, 0)
    unit = f"{report.unit_name or ''} ({report.unit_code})" if report.unit_code else Path(report.path).name
    unit = _writable(unit)
    sheet["A1"] = render("feedback-title", unit=unit)
    sheet["A1"].font = Font(name=FONT_NAME, bold=True, size=13)
    sheet.row_dimensions[1].height = 24  # room for the accents on capitals
    intro = render("feedback-intro")
    if rebuilt:
        intro += " " + render("feedback-recreated", format=(report.file_format or "").upper())
    sheet["A2"] = intro
    sheet.merge_cells("A2:F2")
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A2"].font = Font(name=FONT_NAME)
    sheet.row_dimensions[2].height = 60
    _list_rows(sheet, findings)
    _select_first(workbook)


def _list_rows(sheet, findings: list[Finding]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    headers = render("feedback-columns").split("|")
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[4]:
        cell.font = Font(name=FONT_NAME, bold=True)
    for n, finding in enumerate(findings, start=1):
        sheet.append([n, render("severity-" + finding.severity), finding.sheet or "", finding.cell or "",
                      finding.indicator or "", _writable(finding.message())])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(name=FONT_NAME)
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column == 6)
        fit_row_height(sheet, sheet.max_row, {"F": 90})
        colour = ERROR_FILL if finding.severity == "error" else WARNING_FILL
        sheet.cell(row=sheet.max_row, column=2).fill = PatternFill(fill_type="solid", start_color=colour,
                                                                   end_color=colour)
    for letter, width in zip("ABCDEF", (6, 11, 12, 8, 10, 90)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A5"
    print_on_a4(sheet, landscape=True, title_rows="4:4")


def _writable(text: str) -> str:
    """``text`` without the control characters a worksheet cannot hold (a quoted value may carry them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _select_first(workbook) -> None:
    """Open on the list: only the first sheet selected, or Excel groups the selected sheets."""
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = False
    workbook.active = 0
    workbook.worksheets[0].sheet_view.tabSelected = True
