"""Ctrl-C (SIGINT) and SIGTERM end a search gracefully the first time and at once the second.

Either way the experiment stays resumable: Ray Tune snapshots its state after every trial
checkpoint (one per epoch), so even the immediate exit loses at most the epochs in flight.
The graceful path is Ray Tune's own: it stops starting trials, saves the experiment state
one last time and returns from `Tuner.fit`. Ray listens for that on SIGUSR1; this module
takes SIGINT and SIGTERM for itself (`TUNE_DISABLE_SIGINT_HANDLER`) and forwards the first
one to Ray from inside the tuning loop, where Ray's handler is sure to be installed
(`search.callbacks.ForwardInterruption`). Importable without Ray.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INTERRUPTED_EXIT_STATUS = 130  # 128 + SIGINT, what shells report for Ctrl-C

_requested = threading.Event()
_forwarded = threading.Event()


def requested() -> bool:
    """True once a stop signal arrived during the search."""
    return _requested.is_set()


@contextmanager
def graceful_interruption(resume_command: str, program: str = "search.run", work: str = "the search",
                          ) -> Iterator[None]:
    """Within the block, the first SIGINT/SIGTERM asks Ray Tune to stop; the second exits. `program`
    and `work` name, in the messages, the command and what it stops.

    After a stop was asked for, the handler stays: the second signal may come while the
    driver saves its summary or Ray shuts down at exit, and must exit there too.
    """
    _requested.clear()
    _forwarded.clear()
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"

    def handle(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if _requested.is_set():
            print(f"\n{program}: second {name}: exiting now; the experiment is resumable with: {resume_command}",
                  file=sys.stderr, flush=True)
            os._exit(INTERRUPTED_EXIT_STATUS)
        _requested.set()
        print(f"\n{program}: {name} received: stopping {work} after Ray saves its state "
              "(press Ctrl-C again to exit at once)", file=sys.stderr, flush=True)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        if not _requested.is_set():  # once stopping, a second signal exits at once until the process ends,
            for sig, handler in previous.items():  # Ray's shutdown at exit included
                signal.signal(sig, handler)


def take_forward() -> bool:
    """True once, the first time it is asked after a stop was requested: the moment to hand the
    stop to Ray Tune (`search.callbacks.ForwardInterruption`)."""
    if _requested.is_set() and not _forwarded.is_set():
        _forwarded.set()
        return True
    return False
