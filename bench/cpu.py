"""CPU per request, by process, for the pages over HTTP: where a page's time goes.

Runs `bench.run` (use BENCH_ONLY=http) with the load generator wrapped: around every measured
round it reads the CPU time (user + system, from /proc) of each process of the web servers, of
PostgreSQL and of the load generator itself, and prints what each spent per request, e.g.

    BENCH_ONLY=http BENCH_SCALE=0.01 BENCH_HTTP_ROUNDS=2 BENCH_HTTP_SECONDS=4 \\
        env -u REDIS_URL scripts/with-postgres.sh .venv/bin/python -m bench.cpu

On two CPUs the ratio of a page to the bare view follows the total of these figures, whatever
else runs; this says which process to look at. Linux only (/proc).
"""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _group(pid: int, command: str) -> str | None:
    if pid == os.getpid():
        return "load generator"
    if "bench.bare" in command:
        return "bare gunicorn"
    if "clinic.wsgi" in command:
        return "portal gunicorn"
    if command.startswith("postgres") or "postgres:" in command:
        return "postgres"
    return None


def snapshot() -> dict[tuple[int, str], float]:
    """CPU seconds so far of every process of interest, by (pid, group)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
        except OSError:  # the process ended meanwhile
            continue
        group = _group(int(entry.name), command)
        if group is None:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[(int(entry.name), group)] = (int(fields[11]) + int(fields[12])) / _TICKS
    return found


def main() -> None:
    from bench import pages, run

    measure = pages.load

    def load(port, targets, *, connections, seconds):
        before = snapshot()
        result = measure(port, targets, connections=connections, seconds=seconds)
        after = snapshot()
        if seconds >= 1:  # not the warm-up
            spent: dict[str, float] = {}
            for key, value in after.items():
                spent[key[1]] = spent.get(key[1], 0.0) + value - before.get(key, 0.0)
            requests = max(result.requests, 1)
            print(
                f"      {targets[0].path[:32]:32s} {requests / result.seconds:7,.0f} req/s, CPU ms "
                "per request: "
                + ", ".join(
                    f"{group} {cpu / requests * 1000:.2f}" for group, cpu in sorted(spent.items())
                ),
                flush=True,
            )
        return result

    pages.load = load
    run.main()


if __name__ == "__main__":
    main()
