"""Pages over HTTP: the portal and a bare one-row Django app, each served by gunicorn, measured
in the same run with interleaved rounds.

Each case is a page of the portal (or the bare view) and the requests that load it: a path, and
the session cookie to send. A round runs every case in turn for BENCH_HTTP_SECONDS with
BENCH_HTTP_CONNECTIONS keep-alive connections (one thread each, `http.client`); the figures are
the medians over BENCH_HTTP_ROUNDS rounds: requests per second, p50 and p99 latency, and the ratio
of the bare view's requests per second to the page's (how many bare reads one page costs).

The load generator runs on the same machine as the servers and the database, and shares its CPUs.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
THREADS = 4  # gthread: one worker thread per keep-alive connection of the load generator
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'  # gunicorn.conf.py's
_merge = threading.Lock()


@dataclass
class Target:
    path: str
    cookie: str = ""


@dataclass
class Case:
    """One page under load: requests go round-robin over `targets` (each connection starts at a
    different one), to the portal or to the bare app."""

    name: str
    server: str  # "portal" or "bare"
    targets: list[Target]
    target_ratio: str = "(no target)"


@dataclass
class Round:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """A gunicorn process serving `app` on a free loopback port, with WORKERS gthread workers
    (flags on the command line: the bench does not depend on a configuration file, and does not
    load the production one, see bench/gunicorn_flags.py)."""

    def __init__(self, app: str, env: dict[str, str], probe: str, root: Path = ROOT) -> None:
        self.app, self.env, self.probe, self.root = app, env, probe, root
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        # Each request is logged, as in production (same format), to a file, not the console.
        self.access_log = Path(tempfile.gettempdir()) / f"rapport-bench-access-{self.port}.log"

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                self.app,
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={WORKERS}",
                "--worker-class=gthread",
                f"--threads={THREADS}",
                "--keep-alive=30",
                "--log-level=warning",
                # Only these flags: not the production gunicorn.conf.py of the working directory.
                "--config=python:bench.gunicorn_flags",
                f"--access-logfile={self.access_log}",
                f"--access-logformat={ACCESS_LOG_FORMAT}",
            ],
            cwd=self.root,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn for {self.app} exited with {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", self.probe)
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn for {self.app} did not answer {self.probe} within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.access_log.unlink(missing_ok=True)


def _hammer(port: int, targets: list[Target], start: int, stop_at: float, result: Round) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    index = start
    latencies, statuses, errors = [], {}, 0
    while time.perf_counter() < stop_at:
        target = targets[index % len(targets)]
        index += 1
        headers = {"Cookie": target.cookie} if target.cookie else {}
        began = time.perf_counter()
        try:
            connection.request("GET", target.path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            connection.close()
            errors += 1
            continue
        latencies.append(time.perf_counter() - began)
        statuses[status] = statuses.get(status, 0) + 1
        if status != 200:
            errors += 1
    connection.close()
    with _merge:
        result.latencies.extend(latencies)
        result.errors += errors
        for status, count in statuses.items():
            result.statuses[status] = result.statuses.get(status, 0) + count


def load(port: int, targets: list[Target], *, connections: int, seconds: float) -> Round:
    result = Round()
    stop_at = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_hammer, args=(port, targets, n, stop_at, result))
        for n in range(connections)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    return result


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def summarise(rounds: list[Round]) -> Figures:
    return Figures(
        rps=statistics.median(r.requests / r.seconds for r in rounds),
        p50_ms=statistics.median(percentile(r.latencies, 0.50) for r in rounds) * 1000,
        p99_ms=statistics.median(percentile(r.latencies, 0.99) for r in rounds) * 1000,
        errors=sum(r.errors for r in rounds),
        requests=sum(r.requests for r in rounds),
    )


def run_cases(
    cases: list[Case],
    servers: dict[str, Gunicorn],
    *,
    rounds: int,
    seconds: float,
    connections: int,
    progress: Callable[[str], None] = print,
) -> dict[str, Figures]:
    """Interleaved: round 1 runs every case, then round 2, ...; a short warm-up first."""
    for case in cases:
        load(servers[case.server].port, case.targets, connections=connections, seconds=0.3)
    collected: dict[str, list[Round]] = {case.name: [] for case in cases}
    for number in range(1, rounds + 1):
        for case in cases:
            result = load(
                servers[case.server].port, case.targets, connections=connections, seconds=seconds
            )
            collected[case.name].append(result)
            progress(
                f"    round {number} {case.name}: {result.requests / result.seconds:,.0f} req/s, "
                f"statuses {dict(sorted(result.statuses.items()))}, errors {result.errors}"
            )
    return {name: summarise(found) for name, found in collected.items()}


def settings_from_env(scale: float) -> tuple[int, float, int]:
    small = scale < 0.1
    rounds = int(os.environ.get("BENCH_HTTP_ROUNDS", "2" if small else "5"))
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", "1" if small else "10"))
    connections = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "8"))
    return rounds, seconds, connections
