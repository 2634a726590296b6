#!/usr/bin/env python3
"""Render workbooks (.xlsx/.xls/.ods) and drafts (.docx/.odt) to PNG pages, as they print.

    python3 scripts/preview.py FILE... [--out DIR] [--dpi 80] [--keep-pdf]

LibreOffice converts each file to PDF (its print layout: page size, margins,
print area, fit-to-width, fonts), then ``pdftoppm`` turns every page into
``DIR/<stem>_<ext>-<page>.png``. Prints one PNG path per line, so a person (or a
reviewer) can look at what a commune or an officer will see on paper. Needs
LibreOffice and poppler-utils; a PDF given as input is rendered directly.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cchc_sheets.libreoffice import convert  # noqa: E402
from cchc_sheets.messages import CchcError  # noqa: E402


def render_pages(path: Path, out_dir: Path, *, dpi: int = 80, keep_pdf: bool = False) -> list[Path]:
    """PNG pages of ``path`` in ``out_dir`` (old pages of the same file are replaced)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"{path.stem}_{path.suffix.lstrip('.').lower()}"
    with tempfile.TemporaryDirectory(prefix="cchc-preview-") as work:
        pdf = path if path.suffix.lower() == ".pdf" else convert(path, "pdf", work)
        if keep_pdf and pdf != path:
            shutil.copyfile(pdf, out_dir / pdf.name)
        for old in out_dir.glob(f"{prefix}-*.png"):
            old.unlink()
        _pdftoppm(pdf, out_dir / prefix, dpi)
    return sorted(out_dir.glob(f"{prefix}-*.png"), key=_page_number)


def _pdftoppm(pdf: Path, prefix: Path, dpi: int) -> None:
    program = shutil.which("pdftoppm")
    if program is None:
        raise SystemExit("pdftoppm not found: install poppler-utils (apt-get install poppler-utils)")
    subprocess.run([program, "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120)


def _page_number(png: Path) -> int:
    return int(png.stem.rsplit("-", 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="workbooks, drafts or PDFs to render")
    parser.add_argument("--out", type=Path, default=Path("preview"), help="folder for the PNG pages (default: preview)")
    parser.add_argument("--dpi", type=int, default=80, help="resolution (default 80)")
    parser.add_argument("--keep-pdf", action="store_true", help="also keep the PDF beside the PNGs")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            for png in render_pages(path, args.out, dpi=args.dpi, keep_pdf=args.keep_pdf):
                print(png)
        except CchcError as exc:  # one bad file does not stop the others
            print(exc.message(), file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
