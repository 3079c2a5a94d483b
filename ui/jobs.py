"""Retraining in the background: one job per store, surviving page changes, with progress and an ETA.

The job runs in a thread of the server process; pages read its state (``job(store)``) on every run,
the sidebar shows it on every page, and when it ends the frame clears the caches so that every
page shows the new model set. The uploaded history is copied to a folder of its own for the job
and removed when it ends.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from forecast.errors import ForecastError


@dataclass
class Job:
    """A training job: progress 0-1, its last message, and how it ended."""

    store: str
    files: list[str]
    user: str
    started: float = field(default_factory=time.time)
    progress: float = 0.0
    text: str = ""
    finished: float | None = None
    version: str | None = None
    error: str | None = None
    seen: set = field(default_factory=set)  # sessions that have refreshed after it ended

    @property
    def running(self) -> bool:
        return self.finished is None

    def eta(self) -> float | None:
        """Seconds left, from the pace so far (None until there is a pace to go by)."""
        if not self.running or self.progress < 0.05:
            return None
        spent = time.time() - self.started
        return max(spent / self.progress - spent, 0.0)


_JOBS: dict[str, Job] = {}  # per server process; not a Streamlit cache, which ui.reset() clears


def _jobs() -> dict[str, Job]:
    return _JOBS


def job(store_key: str) -> Job | None:
    return _jobs().get(store_key)


def start(store_key: str, paths: list[Path], folder: Path, user: str, run) -> Job:
    """Start ``run(paths, progress)`` in the background (one job per store at a time).

    ``folder`` holds the copied uploads and is removed when the job ends.
    """
    jobs = _jobs()
    current = jobs.get(store_key)
    if current is not None and current.running:
        shutil.rmtree(folder, ignore_errors=True)
        raise ForecastError("a retraining is already running for this store; wait for it to end.")
    j = Job(store_key, [p.name for p in paths], user)

    def progress(x: float, text: str) -> None:
        j.progress, j.text = min(max(float(x), 0.0), 1.0), text

    def work() -> None:
        try:
            j.version = run(paths, progress).version
        except ForecastError as exc:
            j.error = str(exc)
        except Exception as exc:
            logging.getLogger("forecast.app").exception("retraining failed")
            j.error = f"an unexpected error stopped the retraining ({type(exc).__name__}); see the server log."
        finally:
            j.finished = time.time()
            j.progress = 1.0
            shutil.rmtree(folder, ignore_errors=True)

    jobs[store_key] = j
    threading.Thread(target=work, name=f"forecast-train-{store_key[-8:]}", daemon=True).start()
    return j
