"""CPU per request of a load run: the API's processes and its Postgres backends, read with
psutil before and after (user + system seconds), so the benchmark says what a request costs
on each side, not only how long it waited."""

from __future__ import annotations

import subprocess


def _cpu_seconds(pids) -> dict[int, float]:
    import psutil

    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:  # ended, or not ours to read (a Postgres on another host)
            continue
        seconds[pid] = times.user + times.system
    return seconds


class CpuMeter:
    """CPU seconds the API's processes and its Postgres backends spend during a load run."""

    def __init__(self, server: subprocess.Popen, postgres_url: str):
        self.server, self.postgres_url = server, postgres_url

    def _pids(self) -> tuple[list[int], list[int]]:
        import psutil
        import psycopg

        root = psutil.Process(self.server.pid)
        api = [root.pid, *(child.pid for child in root.children(recursive=True))]
        with psycopg.connect(self.postgres_url) as conn:
            backends = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ]
        return api, backends

    def measure(self, load) -> dict:
        api, backends = self._pids()
        before = _cpu_seconds(api + backends)
        result = load()
        api, backends = self._pids()
        after = _cpu_seconds(api + backends)
        used = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        done = max(1, result["requests"])
        result["api_cpu_ms_per_request"] = round(sum(used.get(p, 0) for p in api) * 1000 / done, 3)
        postgres = sum(used.get(p, 0) for p in backends)
        result["postgres_cpu_ms_per_request"] = (
            round(postgres * 1000 / done, 3) if any(p in after for p in backends) else None
        )
        return result
