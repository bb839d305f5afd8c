"""A search that starts its own Ray keeps every Ray server on 127.0.0.1: none of Ray's control
plane (GCS, raylet, the driver's and the trials' workers, the dashboard agent, the runtime-env
agent) listens on the network of the machine it runs on.

Ray takes a node's address from its own detection (the machine's outward address) and binds
its servers on every interface. With `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`, Ray's own switch
for single-machine use (its default on Windows and macOS), it takes 127.0.0.1 instead and binds
every server there. Ray reads the variable once, when it is imported, so it is set before:
`search.run` does it first thing, and the Ray processes started by the search inherit it. A
search that joins a cluster (`RAY_ADDRESS`, as under `ray job submit`) leaves it alone: there
the nodes listen where the cluster was started to listen (cluster.yaml).
"""

from __future__ import annotations

import ipaddress
import os

LOOPBACK_ONLY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def joins_cluster() -> bool:
    """True when the search runs on a Ray cluster it did not start (RAY_ADDRESS is set)."""
    return bool(os.environ.get("RAY_ADDRESS"))


def keep_local_ray_on_loopback() -> None:
    """Before Ray is imported: a local Ray started later in this process binds to 127.0.0.1 only
    (`search.tuner.connect_ray` warns when Ray was imported first)."""
    if not joins_cluster():
        os.environ.update(LOOPBACK_ONLY)


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1, or an IPv4 loopback address mapped into IPv6 (::ffff:127.0.0.1)."""
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback
