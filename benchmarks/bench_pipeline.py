"""Benchmark: wall time per stage and peak memory of the whole pipeline.

Generates synthetic organizations with a realistic event volume (about 500
emails, 40 meetings and 10 ticket events per person over three months) and
times each stage: read + validate, store load, aggregate (pair weights in
DuckDB), graph build, and each analysis. Each size runs in its own process
so that peak memory (max RSS) is per size.

    python benchmarks/bench_pipeline.py                 # 1,000 and 10,000 people
    python benchmarks/bench_pipeline.py 1000 10000 50000

Generated data is kept under benchmarks/out/ (git-ignored) and reused.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def generate(n: int) -> Path:
    from ona.synth import synthesize

    folder = OUT / f"org_{n}"
    if not (folder / "people.csv").exists() or not (folder / "manifest.json").exists():
        synthesize(
            folder, people=n, seed=1, emails_per_person=500, meetings_per_person=40,
            ticket_events_per_person=10, bad_rows=False,
        )  # fmt: skip
    return folder


def run_one(n: int) -> dict[str, float]:
    """Run every stage once on an organization of n people; return timings."""
    from ona.analysis import pipeline as p
    from ona.graph.build import build_graph, partition_of
    from ona.io import read_dataset
    from ona.params import AnalysisParams
    from ona.store import Store

    times: dict[str, float] = {}

    def timed(name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        value = fn(*args, **kwargs)
        times[name] = time.perf_counter() - t0
        return value

    t_gen = time.perf_counter()
    folder = generate(n)
    times["generate (not counted)"] = time.perf_counter() - t_gen
    params = AnalysisParams(seed=1)
    store_path = OUT / f"store_{n}.duckdb"
    store_path.unlink(missing_ok=True)
    start = time.perf_counter()
    data = timed("read + validate", read_dataset, folder)
    events = sum(t.num_rows for k, t in data.tables.items() if k in ("emails", "meetings", "tickets"))
    with Store(store_path) as store:
        info = timed("store load", store.save_dataset, data)
        del data
        pairs = timed("aggregate (DuckDB)", store.pair_weights, info.dataset_id, params)
        ids = store.person_ids(info.dataset_id)
        labels = store.group_labels(info.dataset_id, params.group_by)
    g = timed("graph build", build_graph, pairs.table, ids)
    partition = partition_of(g, labels)
    timed("groups", p.group_metrics, g, partition)
    timed("significance", p.insularity_test, g, partition, permutations=params.permutations, seed=params.seed)
    comm = timed("communities", p.leiden_communities, g, resolution=params.resolution, seed=params.seed)
    timed("links", p.link_metrics, g, partition, params=params)
    timed("people", p.person_metrics, g, partition, params=params, communities=comm.membership)
    times["total (read to people)"] = time.perf_counter() - start
    times["people"] = n
    times["events"] = events
    times["ties"] = g.graph.ecount()
    times["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store_path.unlink(missing_ok=True)
    return times


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(run_one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [1000, 10000]
    OUT.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(f"{n} people: failed\n{proc.stderr[-3000:]}")
            continue
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"\n== {n:,} people, {int(times.pop('events')):,} events, {int(times.pop('ties')):,} ties")
        times.pop("people")
        for name, value in times.items():
            unit = "MiB" if name.endswith("MiB") else "s"
            print(f"  {name:<26} {value:10.1f} {unit}")


if __name__ == "__main__":
    main(sys.argv[1:])
