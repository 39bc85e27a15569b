"""Who listens on a TCP port, as `ss -tlnp` would say, from /proc (Linux).

Reads /proc/net/tcp and tcp6 for sockets in LISTEN state on the port, then finds the
process owning each socket inode through /proc/<pid>/fd. Another user's process may be
invisible without privileges; the listener is still reported, without a pid.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

_LISTEN = "0A"
PROC = Path("/proc")


@dataclass(frozen=True)
class Listener:
    """One listening socket and, where visible, its process."""

    address: str
    port: int
    inode: int
    pid: int | None = None
    command: str | None = None

    def describe(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        who = (
            f'pid={self.pid} "{self.command}"'
            if self.pid is not None
            else "a process not visible to this user (try `sudo ss -tlnp`)"
        )
        return f"{host}:{self.port} held by {who}"


def _address(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    # The kernel prints each 32-bit word in host (little-endian) order.
    fixed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    addr = ipaddress.ip_address(fixed)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return str(addr.ipv4_mapped)
    return str(addr)


def _sockets(port: int) -> list[tuple[str, int]]:
    found = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 10 or cols[3] != _LISTEN:
                continue
            addr, _, hex_port = cols[1].partition(":")
            if int(hex_port, 16) == port:
                found.append((_address(addr), int(cols[9])))
    return found


def _owners(inodes: set[int]) -> dict[int, int]:
    """inode -> pid, for the processes we may inspect."""
    wanted = {f"socket:[{i}]": i for i in inodes}
    owners: dict[int, int] = {}
    for proc in PROC.iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fds = os.listdir(proc / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(proc / "fd" / fd)
            except OSError:
                continue
            if target in wanted:
                owners.setdefault(wanted[target], int(proc.name))
        if len(owners) == len(wanted):
            break
    return owners


def _command(pid: int) -> str:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        text = " ".join(a.decode(errors="replace") for a in argv if a)
        return text[:160] or (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


def listeners(port: int) -> list[Listener]:
    """Every socket listening on `port`, with its process where visible."""
    sockets = _sockets(port)
    owners = _owners({inode for _, inode in sockets}) if sockets else {}
    return [
        Listener(
            addr,
            port,
            inode,
            owners.get(inode),
            _command(owners[inode]) if inode in owners else None,
        )
        for addr, inode in sockets
    ]
