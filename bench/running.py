"""Shared by the conversation benchmarks: the real system on free ports with a throw-away state
folder (as `make run` starts it), and percentiles of latency samples."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from core.settings import Settings
from launcher.supervisor import Supervisor


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of the samples (numpy's, linear between the closest ranks)."""
    return float(np.percentile(values, q))


def start_bench_system(prefix: str) -> tuple[Supervisor, str]:
    """Start API and Rasa for a benchmark; returns the supervisor and Rasa's base URL.

    State (tickets, trackers) is thrown away; the search index is `make run`'s own (var/index),
    rebuilt only when its inputs changed (launcher/index.py), so repeated runs start in seconds.
    """
    from launcher.ports import free_port
    from launcher.system import start_system

    state = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(api_port=free_port(), rasa_port=free_port(), data_dir=state,
                        database_url=f"sqlite:///{state}/tickets.db",
                        tracker_store_url=f"sqlite:///{state}/tracker.db")
    print("starting the system (log:", state / "system.log", ")", file=sys.stderr)
    # Left open: the supervisor's reader threads write the children's output here until exit.
    log = open(state / "system.log", "w", buffering=1)  # noqa: SIM115
    return start_system(settings, log), f"http://{settings.rasa_host}:{settings.rasa_port}"
