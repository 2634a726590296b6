"""The bundled round trip: templates -> simulated returns -> validation -> merge -> drafts.

Everything a real run does, on the bundled sample units (sample data) and the
bundled form, deterministic for a seed. The output folder is numbered by step so
an officer can follow it in a file browser.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from .messages import Listing, Phrase, phrase
from .office import Office
from .fileio import ensure_directory, sha256_file, write_text_atomic
from .forms import load_form
from .periods import parse_period
from .units import bundled_sample_units, load_units

VIETNAM = timezone(timedelta(hours=7))
DEMO_PERIOD = "2020-H1"


@dataclass
class DemoResult:
    outputs: list[tuple[str, Path]] = field(default_factory=list)   # (catalogue code of what it is, path)
    lines: list[Phrase] = field(default_factory=list)               # summary for the terminal

    def add(self, what: str, path: Path) -> Path:
        self.outputs.append((what, path))
        return path


def run_demo(out_dir: str | Path, *, seed: int = 2020, use_libreoffice: bool | None = None) -> DemoResult:
    """Run the whole round trip into ``out_dir``; LibreOffice re-saves when available (or forced)."""
    from .libreoffice import find_soffice

    out = ensure_directory(out_dir)
    office = Office(load_form(), units=load_units(bundled_sample_units()), period=parse_period(DEMO_PERIOD))
    form, units, period, deadline = office.form, office.units, office.period, office.effective_deadline
    result = DemoResult()
    templates = _templates(office, out / "1-bieu-mau", result)
    soffice = find_soffice() if use_libreoffice is not False else None
    simulation = _returns(templates, units, form, deadline, out / "2-bao-cao-gui-ve", seed, soffice, result)
    batch, consolidation = _validate_and_merge(office, out, result)
    _drafts(office, out, simulation, result)
    result.lines = _summary(simulation, batch, consolidation)
    return result


def _templates(office: Office, folder: Path, result: DemoResult) -> dict[str, Path]:
    generated_at = datetime.combine(office.effective_deadline - timedelta(days=30), time(8, 0), VIETNAM)
    rows = office.templates(folder, generated_at=generated_at)
    result.add("demo-output-templates", folder)
    result.add("demo-output-manifest", folder / "manifest.csv")
    return {row.code: folder / row.file for row in rows}


def _returns(templates, units, form, deadline, folder: Path, seed, soffice, result: DemoResult):
    from .demo_returns import simulate_returns

    ensure_directory(folder)
    resave = _resaver(soffice) if soffice else None
    simulation = simulate_returns(templates, list(units), form, deadline, folder, seed=seed, resave=resave)
    write_text_atomic(folder / "received.csv", _received_csv(simulation, folder))
    result.add("demo-output-returns", folder)
    return simulation


def _resaver(soffice: str):
    from .libreoffice import convert

    def resave(path: Path, fmt: str) -> Path:
        return convert(path, fmt, path.parent, soffice=soffice)

    return resave


def _received_csv(simulation, folder: Path) -> str:
    """What ``cchc collect`` would have written: the mail time of each return."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "sha256", "sender", "subject", "received", "message_id"])
    for n, item in enumerate(sorted(simulation.returns, key=lambda r: r.received), start=1):
        writer.writerow([item.path.name, sha256_file(item.path), item.unit.email,
                         f"Báo cáo CCHC - {item.unit.name}", item.received.isoformat(),
                         f"<demo-{n}@example.com>"])
    return buffer.getvalue()


def _validate_and_merge(office: Office, out: Path, result: DemoResult):
    checks, code = ensure_directory(out / "3-kiem-tra"), office.period.code
    merged = out / "4-tong-hop" / f"tong-hop_{code}.xlsx"
    findings, long = checks / "ket-qua-kiem-tra.xlsx", merged.with_name(f"du-lieu_{code}.csv")
    run = office.merge([out / "2-bao-cao-gui-ve"], out=merged, long=long, report=findings)
    result.add("demo-output-findings", findings)
    office.feedback(run.batch, checks / "gui-lai-xa")
    result.add("demo-output-feedback", checks / "gui-lai-xa")
    result.add("demo-output-merged", merged)
    result.add("demo-output-long", long)
    return run.batch, run.consolidation


def _drafts(office: Office, out: Path, simulation, result: DemoResult) -> None:
    from .narrative.render import DraftOptions

    period = office.period
    folder = ensure_directory(out / "5-du-thao")
    merged = out / "4-tong-hop" / f"tong-hop_{period.code}.xlsx"
    options = DraftOptions(issuer="UBND huyện Hương Sơn|Phòng Nội vụ", place="Hương Sơn",
                           date=period.default_deadline + timedelta(days=5))
    for suffix in (".docx", ".md"):
        target = folder / f"bao-cao_{period.code}{suffix}"
        office.draft(merged, target, options=options)
        result.add("demo-output-draft", target)
    reference = next(r for r in simulation.returns if r.scenario == "reference")
    target = folder / f"bao-cao_{period.code}_xa-an-hoa-thinh.docx"
    office.draft(reference.path, target, options=DraftOptions(place="An Hòa Thịnh", date=period.end - timedelta(days=9)))
    result.add("demo-output-commune-draft", target)


def _summary(simulation, batch, consolidation) -> list[Phrase]:
    from .vnformat import format_number

    summary = batch.summary
    return [
        phrase("demo-summary-units", expected=consolidation.expected_count, submitted=consolidation.submitted_count,
               counted=consolidation.counted_count,
               missing=", ".join(u.name for u in consolidation.missing_units) or "—"),
        phrase("demo-summary-files", **summary),
        phrase("demo-summary-totals",
               totals="; ".join(f"{code} = {format_number(value)}" for code, value in consolidation.totals.items())),
        phrase("demo-summary-scenarios",
               scenarios=Listing(tuple(phrase("demo-scenario", unit=r.unit.name, scenario=phrase("demo-scenario-" + r.scenario.replace(" (older)", "-older")))
                                       for r in simulation.returns if r.scenario != "clean"), prefix="", separator=", "),
               missing=", ".join(u.name for u in simulation.missing)),
    ]
