"""CPU seconds and memory of the processes a benchmark compares, read from /proc.

CPU per unit of work, unlike wall time, hardly moves with what else the machine is doing,
so the benchmarks print it beside their same-run ratios."""

from __future__ import annotations

import os
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


class Meter:
    """CPU seconds so far of named groups of processes."""

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = pids

    def now(self) -> dict[str, float]:
        return {k: sum(cpu_seconds(p) for p in pids) for k, pids in self.pids.items()}
