"""Benchmark: reading group results from a real `ona serve` under concurrent load.

Generates a synthetic organization (1,000 people by default), starts `ona
serve` on a free loopback port over a fresh store, uploads it, runs one
analysis to the end, then lets C concurrent clients (20 by default) read
GET /api/v1/analyses/{id}/groups until R requests in all (5,000) or T
seconds (60) have passed, whichever comes first. Prints requests per second
and latency percentiles (target: p99 under 100 ms).

    python benchmarks/bench_api.py
    python benchmarks/bench_api.py --people 1000 --clients 20 --requests 2000 --role viewer

The load generator is one asyncio loop speaking plain HTTP/1.1 (one
keep-alive connection per client), so that it takes as little CPU from the
server as it can on a small machine; the latencies include its own
scheduling. The server's own CPU time per request is printed too: unlike
latency, it does not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.server import Server

OUT = Path(__file__).resolve().parent / "out"


def generate(n: int) -> Path:
    from ona.synth import synthesize

    folder = OUT / f"api_org_{n}"
    if not (folder / "people.csv").exists():
        synthesize(folder, people=n, seed=1, bad_rows=False)
    return folder


def prepare(server: Server, key: str, folder: Path) -> str:
    """Upload the organization and analyze it; the analysis id."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
        files = {t: (p.name, p.read_bytes()) for t in ("people", "emails", "meetings", "tickets")
                 for p in [folder / f"{t}.csv"] if p.exists()}  # fmt: skip
        t0 = time.perf_counter()
        r = client.post("/api/v1/datasets", files=files, data={"name": folder.name})
        r.raise_for_status()
        print(f"upload: {time.perf_counter() - t0:.2f} s ({r.json()['dataset']['people']} people)")
        t0 = time.perf_counter()
        r = client.post("/api/v1/analyses", json={"dataset_id": r.json()["dataset"]["dataset_id"]})
        r.raise_for_status()
        analysis_id = r.json()["analysis_id"]
        while (info := client.get(f"/api/v1/analyses/{analysis_id}").json())["status"] not in ("done", "failed"):
            time.sleep(0.2)
        if info["status"] != "done":
            raise SystemExit(f"analysis failed: {info['error']}")
        print(f"analysis: {time.perf_counter() - t0:.2f} s")
        return str(analysis_id)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; the status code (body read and dropped)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(url: str, key: str, path: str, *, clients: int, requests: int, seconds: float) -> tuple[list[float], int, float]:
    """Latencies (s) of successful requests, the error count and the wall time.

    Each client holds one keep-alive connection and speaks plain HTTP/1.1 over
    asyncio streams: a full HTTP client library would cost more CPU than the
    server does per request, and on a 2-core machine the measurement would
    mostly be of the load generator.
    """
    host, port = url.removeprefix("http://").split(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    left = requests
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        nonlocal left, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while left > 0 and time.perf_counter() < deadline:
                left -= 1
                t0 = time.perf_counter()
                if await _get(reader, writer, request) == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=5000, help="requests in all (the bound on count)")
    ap.add_argument("--seconds", type=float, default=60, help="the bound on time")
    ap.add_argument("--role", choices=("analyst", "viewer"), default="analyst")
    ap.add_argument("--query", default="", help="query string of the groups route, e.g. 'sort=-insularity'")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    args = ap.parse_args()

    from ona.store import Store
    from ona.store.keys import create_key

    folder = generate(args.people)
    with tempfile.TemporaryDirectory(prefix="ona-bench-") as tmp:
        store = Path(tmp) / "ona.duckdb"
        with Store(store) as db:
            keys = {role: create_key(db, role=role, name=f"bench {role}")[1] for role in ("analyst", "viewer")}
        with Server(store, Path(tmp) / "server.log") as server:
            analysis_id = prepare(server, keys["analyst"], folder)
            path = f"/api/v1/analyses/{analysis_id}/groups" + (f"?{args.query}" if args.query else "")
            first = httpx.get(server.url + path, headers={"Authorization": f"Bearer {keys[args.role]}"})
            print(f"GET {path} as {args.role}: {first.json()['total']} groups, {len(first.content)} bytes")
            asyncio.run(load(server.url, keys[args.role], path, clients=args.clients, requests=50, seconds=10))  # warm-up
            assert server.proc is not None
            cpu0 = cpu_seconds(server.proc.pid)
            latencies, errors, wall = asyncio.run(
                load(server.url, keys[args.role], path, clients=args.clients, requests=args.requests, seconds=args.seconds)
            )
            server_cpu = cpu_seconds(server.proc.pid) - cpu0
    if not latencies:
        raise SystemExit(f"no successful request ({errors} errors)")
    ms = [x * 1000 for x in latencies]
    figures = {
        "people": args.people,
        "clients": args.clients,
        "requests": len(latencies) + errors,
        "errors": errors,
        "seconds": round(wall, 2),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(latencies) + errors), 2),
    }
    print(
        f"{figures['requests']} requests by {args.clients} concurrent clients in {wall:.1f} s: "
        f"{figures['requests_per_s']} requests/s, p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, {errors} errors"
    )
    print(f"server CPU per request: {figures['server_cpu_ms_per_request']} ms "
          f"(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"target p99 < 100 ms: {'met' if figures['p99_ms'] < 100 else 'NOT met'}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
