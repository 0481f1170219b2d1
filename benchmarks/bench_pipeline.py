"""Benchmark: wall time per stage and peak memory of the whole pipeline.

Generates synthetic organizations with a realistic event volume (about 500
emails, 40 meetings and 10 ticket events per person over three months) and
times each stage: read + validate, store load, and every stage of the
pipeline as it reports them (aggregate = pair weights in DuckDB + graph
build, then each analysis). Each size runs in its own process
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
    """Run the whole pipeline once on an organization of n people; return timings."""
    from ona.analysis.pipeline import analyze_dataset
    from ona.io import read_dataset
    from ona.params import AnalysisParams
    from ona.store import Store

    times: dict[str, float] = {}
    t_gen = time.perf_counter()
    folder = generate(n)
    times["generate (not counted)"] = time.perf_counter() - t_gen
    params = AnalysisParams(seed=1)
    store_path = OUT / f"store_{n}.duckdb"
    store_path.unlink(missing_ok=True)

    start = time.perf_counter()
    data = read_dataset(folder)
    times["read + validate"] = time.perf_counter() - start
    events = sum(
        t.num_rows
        for k, t in data.tables.items()
        if k in ("emails", "meetings", "tickets")
    )
    with Store(store_path) as store:
        t0 = time.perf_counter()
        info = store.save_dataset(data)
        times["store load"] = time.perf_counter() - t0
        del data
        # each stage's time: from its on_progress call to the next one
        marks: list[tuple[str, float]] = []
        result = analyze_dataset(
            store,
            info.dataset_id,
            params,
            on_progress=lambda stage, done, total: marks.append(
                (stage, time.perf_counter())
            ),
        )
    for (stage, t_start), (_, t_end) in zip(marks, marks[1:]):
        times[f"  {stage}"] = t_end - t_start
    times["total (read to result)"] = time.perf_counter() - start
    times["result JSON MB"] = len(result.to_json()) / 1e6
    times["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times["#events"] = events
    times["#ties"] = result.summary.ties
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
            [sys.executable, __file__, "--one", str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{n} people: failed\n{proc.stderr[-3000:]}")
            continue
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"\n== {n:,} people, {int(times.pop('#events')):,} events, {int(times.pop('#ties')):,} ties"
        )
        for name, value in times.items():
            unit = "" if name.endswith(("MiB", "MB")) else "s"
            print(f"  {name:<26} {value:10.1f} {unit}")


if __name__ == "__main__":
    main(sys.argv[1:])
