"""The processes a test started, found from its own process tree (Linux /proc), never by name
across the machine, and the TCP ports they listen on."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, …), from /proc's parent ids."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(text.rsplit(")", 1)[1].split()[1])  # after "pid (comm)": state, then ppid
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def listening_sockets(pids: list[int]) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every TCP socket these processes listen on, from /proc/net/tcp{,6}
    and each process's open file descriptors."""
    listening: dict[str, tuple[str, int]] = {}  # socket inode → (address, port)
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                address, port = fields[1].split(":")
                listening[fields[9]] = (_address(address, family), int(port, 16))
    found = []
    for pid in pids:
        try:
            targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:  # gone meanwhile, or not ours
            continue
        for target in targets:
            inode = target[len("socket:["):-1] if target.startswith("socket:[") else None
            if inode in listening:
                found.append((*listening[inode], pid))
    return sorted(set(found))


def _address(hex_address: str, family: int) -> str:
    """/proc/net/tcp's address: 32-bit words in the host's byte order (little-endian here)."""
    raw = bytes.fromhex(hex_address)
    return socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))
