"""Background work the page watches live: checking uploaded returns, told over server-sent events."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from ..messages import CchcError

KEEP_JOBS = 50          # finished jobs remembered for their result pages


@dataclass
class Job:
    """One upload being checked: events in order (kind, value), then ``done``."""

    id: str
    events: list = field(default_factory=list)
    total: int = 0
    checked: int = 0
    results: list = field(default_factory=list)
    error: object | None = None     # a CchcError that stopped it
    done: bool = False
    started: float = field(default_factory=time.monotonic)

    def tell(self, kind: str, value: object) -> None:
        if kind == "found":
            self.total = value
        elif kind == "checked":
            self.checked += 1
            self.results.append(value)
        self.events.append((kind, value))


class Jobs:
    """The jobs of one running page; each runs in its own thread (the reader may use processes)."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, work) -> Job:
        """Run ``work(job)`` in a thread; what it returns becomes ``job.results`` when given."""
        job = Job(secrets.token_urlsafe(12))
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP_JOBS]:
                if self._jobs[old].done:
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job, work), daemon=True, name=f"cchc-web-{job.id}").start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    @staticmethod
    def _run(job: Job, work) -> None:
        try:
            finished = work(job)
            if finished is not None:
                job.results = list(finished)
        except CchcError as exc:
            job.error = exc
        except Exception as exc:  # noqa: BLE001 - a page must say the job failed, not hang watching it
            job.error = CchcError("web-job-failed", reason=type(exc).__name__)
        finally:
            job.done = True
