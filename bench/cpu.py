"""CPU seconds and memory of the processes a benchmark compares, read from /proc.

CPU per unit of work, unlike wall time, hardly moves with what else the machine is doing,
so the benchmarks print it beside their same-run ratios."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)  # utime and stime, in clock ticks
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def rss_mib(pid: int) -> float:
    """The process's resident memory, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def temporal_servers() -> list[int]:
    """The Temporal dev servers this process started (WorkflowEnvironment.start_local)."""
    mine = str(os.getpid())
    return [
        int(d.name)
        for d in Path("/proc").iterdir()
        if d.name.isdigit()
        and (fields := _stat(int(d.name)))
        and fields[1] == mine
        and "temporal" in _comm(int(d.name))
    ]


def postgres_seconds() -> float:
    """CPU seconds so far of this machine's PostgreSQL: each postmaster, its live backends
    and the backends that have exited (a postmaster's cutime and cstime), so connections
    opened and closed during a run count too. Every database on the machine counts: run
    nothing else against it meanwhile."""
    ticks = 0
    procs = {
        int(d.name): f
        for d in Path("/proc").iterdir()
        if d.name.isdigit() and (f := _stat(int(d.name)))
    }
    for pid, fields in procs.items():
        if _comm(pid).strip() != "postgres":
            continue
        ticks += int(fields[11]) + int(fields[12])
        parent = int(fields[1])
        if parent not in procs or _comm(parent).strip() != "postgres":  # the postmaster
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU seconds so far of named groups of processes, and of named `readers` (a total
    that is not one set of pids, such as PostgreSQL's)."""

    def __init__(
        self, pids: dict[str, list[int]], readers: dict[str, Callable[[], float]] | None = None
    ) -> None:
        self.pids = pids
        self.readers = readers or {}

    def now(self) -> dict[str, float]:
        seconds = {k: sum(cpu_seconds(p) for p in pids) for k, pids in self.pids.items()}
        return seconds | {k: read() for k, read in self.readers.items()}
