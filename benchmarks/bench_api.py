"""Benchmark: reading group results from a real `ona serve` under concurrent load.

Generates a synthetic organization (1,000 people by default), starts `ona
serve` on a free loopback port over a fresh store, uploads it, runs one
analysis to the end, then lets C concurrent clients (20 by default) read
its group-level routes (/groups, /links, /summary, /communities; each
client goes round them) until R requests in all (5,000) or T seconds (60)
have passed, whichever comes first. Prints requests per second and latency
percentiles (target: p99 under 100 ms).

With ``--busy`` the server works meanwhile, as in real use: an analysis
runs the whole time (the worker takes one after another of the same
dataset with default parameters; the last one is cancelled at the end) and
another client uploads the organization again and again (each upload is
deleted once it is stored). The figures then say how much reads suffer
from an analysis and an upload at the same time on the same machine.

    python benchmarks/bench_api.py
    python benchmarks/bench_api.py --busy
    python benchmarks/bench_api.py --people 1000 --clients 20 --requests 2000 --role viewer

The load generator is one asyncio loop speaking plain HTTP/1.1 (one
keep-alive connection per client), so that it takes as little CPU from the
server as it can on a small machine; the latencies include its own
scheduling. The server's own CPU time per request is printed too: unlike
latency, it does not depend on what else the machine is doing (but with
``--busy`` it includes the analyses' and uploads' CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
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


def upload_files(folder: Path) -> dict[str, tuple[str, bytes]]:
    return {t: (p.name, p.read_bytes()) for t in ("people", "emails", "meetings", "tickets")
            for p in [folder / f"{t}.csv"] if p.exists()}  # fmt: skip


def prepare(server: Server, key: str, folder: Path) -> tuple[str, str]:
    """Upload the organization and analyze it; the dataset id and the analysis id."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
        t0 = time.perf_counter()
        r = client.post("/api/v1/datasets", files=upload_files(folder), data={"name": folder.name})
        r.raise_for_status()
        print(f"upload: {time.perf_counter() - t0:.2f} s ({r.json()['dataset']['people']} people)")
        dataset_id = str(r.json()["dataset"]["dataset_id"])
        t0 = time.perf_counter()
        r = client.post("/api/v1/analyses", json={"dataset_id": dataset_id})
        r.raise_for_status()
        analysis_id = r.json()["analysis_id"]
        while (info := client.get(f"/api/v1/analyses/{analysis_id}").json())["status"] not in ("done", "failed"):
            time.sleep(0.2)
        if info["status"] != "done":
            raise SystemExit(f"analysis failed: {info['error']}")
        print(f"analysis: {time.perf_counter() - t0:.2f} s")
        return dataset_id, str(analysis_id)


class Background:
    """The work of a busy server: analyses back to back, and another client uploading.

    Two threads, each with its own HTTP client. The analyst thread starts an
    analysis of ``dataset_id`` whenever none is running; the uploader posts
    the organization again and again and deletes each stored copy. ``stop()``
    ends both and cancels the analysis left running.
    """

    def __init__(
        self, url: str, key: str, dataset_id: str, folder: Path, *, analyses: bool = True, uploads: bool = True
    ) -> None:
        self.url, self.key, self.dataset_id = url, key, dataset_id
        self.files = upload_files(folder)
        self.done = threading.Event()
        self.analyses = 0  # analyses that ended while the load ran
        self.uploads = 0  # uploads stored while the load ran
        self.upload_seconds: list[float] = []
        self.running: str | None = None
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=work, daemon=True)
                        for work, wanted in ((self._analyses, analyses), (self._uploads, uploads)) if wanted]  # fmt: skip
        self.want_analyses = analyses

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=600)

    def _analyses(self) -> None:
        with self._client() as client:
            while not self.done.is_set():
                r = client.post("/api/v1/analyses", json={"dataset_id": self.dataset_id})
                if r.status_code != 202:
                    self.errors.append(f"start analysis: {r.status_code} {r.text[:200]}")
                    return
                self.running = r.json()["analysis_id"]
                while not self.done.is_set():
                    status = client.get(f"/api/v1/analyses/{self.running}").json()["status"]
                    if status not in ("queued", "running"):
                        self.analyses += status == "done"
                        break
                    time.sleep(0.2)

    def _uploads(self) -> None:
        with self._client() as client:
            while not self.done.is_set():
                t0 = time.perf_counter()
                r = client.post("/api/v1/datasets", files=self.files, data={"name": "uploaded under load"})
                if r.status_code != 201:
                    self.errors.append(f"upload: {r.status_code} {r.text[:200]}")
                    return
                self.upload_seconds.append(time.perf_counter() - t0)
                self.uploads += 1
                client.delete(f"/api/v1/datasets/{r.json()['dataset']['dataset_id']}")

    def start(self) -> None:
        for t in self.threads:
            t.start()
        deadline = time.perf_counter() + 60
        while self.want_analyses and self.running is None and not self.errors:  # reads start once an analysis is queued
            if time.perf_counter() > deadline:
                raise SystemExit("the background analysis never started")
            time.sleep(0.05)

    def running_now(self) -> bool:
        """Whether an analysis is running on the server at this moment."""
        with self._client() as client:
            page = client.get("/api/v1/analyses", params={"limit": 1000}).json()
        return any(a["status"] == "running" for a in page["items"])

    def stop(self) -> None:
        self.done.set()
        if self.running is not None:
            with self._client() as client:
                client.post(f"/api/v1/analyses/{self.running}/cancel")
        for t in self.threads:
            t.join(600)


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


async def load(
    url: str, key: str, paths: list[str], *, clients: int, requests: int, seconds: float
) -> tuple[dict[str, list[float]], int, float]:
    """Latencies (s) of successful requests by path, the error count and the wall time.

    Client i asks for the paths in turn, starting with path i (mod their number).

    Each client holds one keep-alive connection and speaks plain HTTP/1.1 over
    asyncio streams: a full HTTP client library would cost more CPU than the
    server does per request, and on a 2-core machine the measurement would
    mostly be of the load generator.
    """
    host, port = url.removeprefix("http://").split(":")
    requests_of = [
        (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
         "Accept: application/json\r\n\r\n").encode()
        for path in paths
    ]  # fmt: skip
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    errors = 0
    left = requests
    deadline = time.perf_counter() + seconds

    async def one_client(first: int) -> None:
        nonlocal left, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        turn = first
        try:
            while left > 0 and time.perf_counter() < deadline:
                left -= 1
                i = turn % len(paths)
                turn += 1
                t0 = time.perf_counter()
                if await _get(reader, writer, requests_of[i]) == 200:
                    latencies[paths[i]].append(time.perf_counter() - t0)
                else:
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_client(i) for i in range(clients)))
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


#: The group-level result routes the clients read (what a viewer may see too).
ROUTES = ("groups", "links", "summary", "communities")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=5000, help="requests in all (the bound on count)")
    ap.add_argument("--seconds", type=float, default=60, help="the bound on time")
    ap.add_argument("--role", choices=("analyst", "viewer"), default="analyst")
    ap.add_argument("--routes", default=",".join(ROUTES),
                    help=f"comma-separated result routes to read in turn (default {','.join(ROUTES)})")  # fmt: skip
    ap.add_argument("--query", default="", help="query string of every route, e.g. 'limit=20'")
    ap.add_argument("--busy", nargs="?", const="both", choices=("both", "analysis", "upload"),
                    help="read while an analysis runs and another client uploads (see above); "
                    "'analysis' or 'upload' for one of them only")  # fmt: skip
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    args = ap.parse_args()

    from ona.store import Store
    from ona.store.keys import create_key

    folder = generate(args.people)
    routes = [r.strip() for r in args.routes.split(",") if r.strip()]
    background: Background | None = None
    with tempfile.TemporaryDirectory(prefix="ona-bench-") as tmp:
        store = Path(tmp) / "ona.duckdb"
        with Store(store) as db:
            keys = {role: create_key(db, role=role, name=f"bench {role}")[1] for role in ("analyst", "viewer")}
        with Server(store, Path(tmp) / "server.log") as server:
            dataset_id, analysis_id = prepare(server, keys["analyst"], folder)
            paths = [f"/api/v1/analyses/{analysis_id}/{r}" + (f"?{args.query}" if args.query else "") for r in routes]
            for path in paths:
                first = httpx.get(server.url + path, headers={"Authorization": f"Bearer {keys[args.role]}"})
                first.raise_for_status()
                print(f"GET {path} as {args.role}: {len(first.content)} bytes")
            asyncio.run(load(server.url, keys[args.role], paths, clients=args.clients, requests=50 * len(paths), seconds=10))  # warm-up
            if args.busy:
                background = Background(server.url, keys["analyst"], dataset_id, folder,
                                        analyses=args.busy != "upload", uploads=args.busy != "analysis")  # fmt: skip
                background.start()
                busy_at_start = background.running_now()
            assert server.proc is not None
            cpu0 = cpu_seconds(server.proc.pid)
            by_path, errors, wall = asyncio.run(
                load(server.url, keys[args.role], paths, clients=args.clients, requests=args.requests, seconds=args.seconds)
            )
            server_cpu = cpu_seconds(server.proc.pid) - cpu0
            if background is not None:
                busy_at_end = background.running_now()
                background.stop()
    latencies = [x for values in by_path.values() for x in values]
    if not latencies:
        raise SystemExit(f"no successful request ({errors} errors)")
    ms = [x * 1000 for x in latencies]
    figures: dict[str, object] = {
        "people": args.people,
        "clients": args.clients,
        "busy": args.busy,
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
        "routes": {
            path.rsplit("/", 1)[1]: {"p50_ms": round(percentile([x * 1000 for x in v], 50), 1),
                                     "p99_ms": round(percentile([x * 1000 for x in v], 99), 1), "requests": len(v)}
            for path, v in by_path.items() if v
        },
    }  # fmt: skip
    print(
        f"{figures['requests']} requests by {args.clients} concurrent clients in {wall:.1f} s: "
        f"{figures['requests_per_s']} requests/s, p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, {errors} errors"
    )
    for route, f in figures["routes"].items():  # type: ignore[attr-defined]
        print(f"  {route:<12} {f['requests']:>6} requests, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms")
    if background is not None:
        up = background.upload_seconds
        figures.update(analyses_done=background.analyses, uploads_done=background.uploads,
                       analysis_running_at_start=busy_at_start, analysis_running_at_end=busy_at_end,
                       background_errors=background.errors)  # fmt: skip
        print(
            f"meanwhile: an analysis running at the start ({busy_at_start}) and at the end ({busy_at_end}), "
            f"{background.analyses} analyses finished, {background.uploads} uploads stored"
            + (f" (median {statistics.median(up):.2f} s each)" if up else "")
            + (f"; errors: {background.errors}" if background.errors else "")
        )
    print(f"server CPU per request: {figures['server_cpu_ms_per_request']} ms "
          f"(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"target p99 < 100 ms: {'met' if figures['p99_ms'] < 100 else 'NOT met'}")  # type: ignore[operator]
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
