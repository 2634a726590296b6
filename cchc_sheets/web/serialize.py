"""The API's JSON: plain fields (the names documented in the README), messages in the request's language."""
from __future__ import annotations

from .desk import Board, Received


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def board_json(board: Board, lang: str) -> dict:
    """``GET /api/status``: the period's rates and one object per unit, as ``cchc status --json``."""
    return {
        "period": board.period.code, "locked": board.locked is not None, "expected": board.expected,
        "submitted": board.submitted, "on_time": board.on_time, "completeness": round(board.completeness, 4),
        "on_time_rate": round(board.on_time_rate, 4),
        "units": [{"unit_code": r.unit_code, "unit_name": r.unit_name, "group": r.group, "submitted": r.submitted,
                   "on_time": r.on_time, "status": r.status, "errors": r.errors, "warnings": r.warnings,
                   "versions": r.versions, "counted": r.counted, "received_at": _time(r.received_at),
                   "after_lock": r.after_lock} for r in board.rows],
    }


def record_json(record, lang: str) -> dict:
    """One version of a unit's return with its findings and differences."""
    report = record.report
    return {
        "seq": record.seq, "sha256": record.sha256, "status": record.status, "errors": record.errors,
        "warnings": record.warnings, "current": record.current, "counted": record.counted, "why": record.why,
        "received_at": _time(record.received_at), "recorded_at": _time(record.recorded_at),
        "file": report.path.replace("\\", "/").rsplit("/", 1)[-1],
        "findings": [f.to_dict(lang) for f in report.findings],
        "differences": [{"cell": d.cell, "old": d.old, "new": d.new} for d in record.differences],
    }


def received_json(item: Received, lang: str) -> dict:
    report = item.report
    return {
        "name": item.name,
        "status": report.status if report else "refused",
        "refused": item.refused.render(lang) if item.refused is not None else None,
        "unit_code": report.unit_code if report else None,
        "errors": len(report.errors) if report else 0,
        "warnings": len(report.warnings) if report else 0,
        "findings": [f.to_dict(lang) for f in report.findings] if report else [],
        "recorded": item.record is not None,
    }


def job_json(job, lang: str) -> dict:
    """``GET /api/jobs/ID``: how far the check of an upload is, and each file's outcome."""
    return {"job": job.id, "done": job.done, "total": job.total, "checked": job.checked,
            "error": job.error.message(lang) if job.error is not None else None,
            "files": [received_json(item, lang) for item in job.results]}
