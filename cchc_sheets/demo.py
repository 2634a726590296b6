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
from .fileio import ascii_slug, ensure_directory, sha256_file, write_text_atomic
from .forms import load_form
from .periods import parse_period
from .units import bundled_sample_units, load_units

VIETNAM = timezone(timedelta(hours=7))
DEMO_PERIOD = "2020-H1"


@dataclass
class DemoResult:
    outputs: list[tuple[str, Path]] = field(default_factory=list)   # (catalogue code of what it is, path)
    lines: list[Phrase] = field(default_factory=list)               # summary for the terminal
    failed: list[Phrase] = field(default_factory=list)              # steps that could not be done

    def add(self, what: str, path: Path) -> Path:
        self.outputs.append((what, path))
        return path


def run_demo(out_dir: str | Path, *, seed: int = 2020, use_libreoffice: bool | None = None,
             form: str | Path | None = None) -> DemoResult:
    """Run the whole round trip into ``out_dir``; LibreOffice re-saves when available (or forced).

    ``form``: a pack id or folder (default: the bundled ``tuyen-truyen-cchc``).
    """
    from .libreoffice import find_soffice

    out = ensure_directory(out_dir)
    office = Office(load_form(form), units=load_units(bundled_sample_units()), period=parse_period(DEMO_PERIOD))
    form, units, deadline = office.form, office.units, office.effective_deadline
    result = DemoResult()
    templates = _templates(office, out / "1-bieu-mau", result)
    soffice = find_soffice() if use_libreoffice is not False else None
    simulation = _returns(templates, units, form, deadline, out / "2-bao-cao-gui-ve", seed, soffice, result)
    batch, consolidation = _validate_and_merge(office, out, result)
    _drafts(office, out, simulation, result)
    result.lines = _summary(form, simulation, batch, consolidation) + result.failed
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
        _draft_step(office, merged, target, options, "demo-output-draft", result)
    if office.form.simple:   # An Hòa Thịnh's own report, as in the reference
        commune = next(r for r in simulation.returns if r.scenario == "reference")
    else:
        commune = next(r for r in simulation.returns if r.scenario == "clean")
    target = folder / f"bao-cao_{period.code}_{ascii_slug(commune.unit.name)}.docx"
    place = commune.unit.name.removeprefix("Xã ").removeprefix("Thị trấn ")
    _draft_step(office, commune.path, target, DraftOptions(place=place, date=period.end - timedelta(days=9)),
                "demo-output-commune-draft", result)


def _draft_step(office: Office, source: Path, target: Path, options, what: str, result: DemoResult) -> None:
    """One draft; a form whose draft cannot be written yet is a step not done, not a crash.

    Only for a form other than the bundled one: the bundled demo's drafts must work.
    """
    try:
        office.draft(source, target, options=options)
    except Exception as exc:  # noqa: BLE001  (drafting any form is new; the demo reports what it could not do)
        if office.form.simple:
            raise
        result.failed.append(phrase("demo-step-failed", step=target.name, reason=f"{type(exc).__name__}: {exc}"))
        return
    result.add(what, target)


def _summary(form, simulation, batch, consolidation) -> list[Phrase]:
    summary = batch.summary
    totals = consolidation.totals
    if not form.simple:   # a table form: the total rows' cells (or the first table's first row) only
        shown = [i.code for i in form.indicators if i.total] or [i.code for i in form.indicators[:8]]
        totals = {code: totals[code] for code in shown if totals.get(code) is not None}
    return [
        phrase("demo-summary-units", expected=consolidation.expected_count, submitted=consolidation.submitted_count,
               counted=consolidation.counted_count,
               missing=", ".join(u.name for u in consolidation.missing_units) or "—"),
        phrase("demo-summary-files", **summary),
        phrase("demo-summary-totals",
               totals="; ".join(f"{code} = {_shown(form, code, value)}" for code, value in totals.items())),
        phrase("demo-summary-scenarios",
               scenarios=Listing(tuple(phrase("demo-scenario", unit=r.unit.name, scenario=phrase("demo-scenario-" + r.scenario.replace(" (older)", "-older")))
                                       for r in simulation.returns if r.scenario != "clean"), prefix="", separator=", "),
               missing=", ".join(u.name for u in simulation.missing)),
    ]


def _shown(form, code: str, value) -> str:
    from .values import format_percent
    from .vnformat import format_number

    return format_percent(value) if form.indicator(code).kind == "percent" else format_number(value)
