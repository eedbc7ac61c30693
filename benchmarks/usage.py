"""What a benchmarked block cost the machine: wall time, CPU time, peak memory, load.

The machine the benchmarks run on is shared: wall time there measures the other users as
much as the code. Beside every wall time the benchmarks print:

- **CPU time** (user + system) of this process, of every process it started (worker
  processes, including those a ``forkserver`` or a Dask nanny started, which
  ``getrusage(RUSAGE_CHILDREN)`` does not see until they are reaped) and, when given, of
  a database server's processes (PostgreSQL's postmaster and its backends). The tree is
  sampled every ``interval`` seconds by a thread (``psutil``); a process's last
  ``interval`` before it exits is lost (at most 0.1 s per worker by default).
- **Peak memory**: the largest resident set of any one process in the tree, and the
  largest sum over the tree at one sample.
- **The load average**: the 1-minute figure, as the mean and the largest over the block.

The quiet-machine estimate of a block's wall time is ``max(CPU of this process + CPU of
the database server, CPU of all / cores)``: on a quiet machine the work is CPU-bound
(the files and the store are in the page cache), the one writer cannot go faster than
its own CPU time plus the server's work it waits for, and the workers cannot use more
than the cores. With no workers this is the client's and the server's CPU one after
the other (a client waits for its queries); with workers on PostgreSQL it counts the
server's work for the workers' reads as if the writer waited for it too (high). It
assumes the work spreads evenly over the cores (low for uneven LAs) and that CPU time
itself is not inflated by the load (contention for caches and memory bandwidth does
inflate it: the estimate is then high).

    >>> with Usage() as u:
    ...     _ = sum(range(100_000))
    >>> u.wall > 0 and u.cpu >= 0 and u.peak_rss_mb > 0
    True
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Self

import psutil


@dataclass
class Usage:
    """A ``with`` block's wall time, CPU time, peak RSS and load average."""

    server_pids: list[int] = field(default_factory=list)
    interval: float = 0.1
    wall: float = 0.0
    cpu: float = 0.0  # every process: this one, its descendants, the server's
    cpu_self: float = 0.0  # this process only (the writer)
    cpu_server: float = 0.0  # the database server's processes
    peak_rss_mb: float = 0.0  # the largest single process
    peak_tree_mb: float = 0.0  # the largest sum over the tree at one sample
    load_mean: float = 0.0
    load_max: float = 0.0

    def __enter__(self) -> Self:
        self._me = psutil.Process()
        self._first: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._server: set[tuple[int, float]] = set()
        self._loads: list[float] = []
        self._stop = threading.Event()
        self._sample(first=True)
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._started
        self._stop.set()
        self._thread.join()
        self._sample()
        used = {key: self._last[key] - self._first.get(key, 0.0) for key in self._last}
        self.cpu = sum(used.values())
        self.cpu_self = used.get(self._key(self._me), 0.0)
        self.cpu_server = sum(v for k, v in used.items() if k in self._server)
        self.load_mean = sum(self._loads) / len(self._loads)
        self.load_max = max(self._loads)

    def quiet_estimate(self, cores: int | None = None) -> float:
        """The block's wall time on a quiet machine, from CPU time (module docstring)."""
        return max(self.cpu_self + self.cpu_server, self.cpu / (cores or os.cpu_count() or 1))

    def summary(self) -> str:
        server = f", the database server {self.cpu_server:.1f} s" if self.server_pids else ""
        return (
            f"{self.wall:.2f} s wall, CPU {self.cpu:.2f} s (this process {self.cpu_self:.2f} s{server}), "
            f"quiet estimate {self.quiet_estimate():.1f} s, peak RSS {self.peak_rss_mb:,.0f} MB "
            f"(tree {self.peak_tree_mb:,.0f} MB), load average {self.load_mean:.1f} (max {self.load_max:.1f})"
        )

    @staticmethod
    def _key(proc: psutil.Process) -> tuple[int, float]:
        return (proc.pid, proc.create_time())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _processes(self) -> list[tuple[psutil.Process, bool]]:
        found = [(self._me, False)]
        found += [(p, False) for p in self._me.children(recursive=True)]
        for pid in self.server_pids:
            try:
                server = psutil.Process(pid)
                found += [(server, True)] + [(p, True) for p in server.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def _sample(self, *, first: bool = False) -> None:
        tree = 0.0
        for proc, is_server in self._processes():
            try:
                with proc.oneshot():
                    key = self._key(proc)
                    times = proc.cpu_times()
                    rss = proc.memory_info().rss / 2**20
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            seconds = times.user + times.system
            if first:
                self._first[key] = seconds
            self._last[key] = seconds
            if is_server:
                self._server.add(key)
            tree += rss
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
        self.peak_tree_mb = max(self.peak_tree_mb, tree)
        self._loads.append(os.getloadavg()[0])


def postgres_server_pids(url: str) -> list[int]:
    """The postmaster serving ``url``'s port on this machine (none for SQLite or a remote
    server): its command line carries ``-p <port>``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.host not in ("127.0.0.1", "localhost"):
        return []
    port = str(parsed.port or 5432)
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "ppid"]):
        cmdline = proc.info["cmdline"] or []
        is_server = proc.info["name"] == "postgres" and port in cmdline and "-p" in cmdline
        if is_server and cmdline.index(port) == cmdline.index("-p") + 1:
            found.append(proc.pid)
    return found
