"""Loopback helpers for tests that start real servers (Ray, optuna-dashboard, moto).

A plain module, not conftest: `from conftest import ...` resolves to whichever conftest was
imported first (tests/reports/ has one too), so shared helpers live here.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout_s: float = 30.0) -> dict:
    """GET a JSON document, retrying while the server starts."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
