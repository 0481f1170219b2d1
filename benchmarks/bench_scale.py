"""Benchmark: `ona analyze` against a plain DuckDB + igraph pipeline, on gen.py organizations.

For each size, in separate processes (so that peak memory is per run):

- the **reference pipeline** of ``shared/bench/README.md``: the CSVs loaded
  into DuckDB, pair weights in one SQL statement, then igraph's Leiden
  (modularity), bridges, articulation points, Burt's constraint and
  256-source sampled betweenness (tie length 1/weight);
- **ona** as ``ona analyze`` runs it: the files read, validated and stored
  a piece at a time (a scratch store on disk for large inputs), then every
  stage of the pipeline as it reports them
  (``ona.analysis.pipeline.STAGES``), default parameters; with ``--spark``
  also with the Spark engine on ``local[2]``.

It prints wall time, peak RSS and the per-stage times of both, the ratio
ona / reference, and checks that both found the same ties and total weight.
The reference runs up to 50,000 people (it holds every CSV in memory).

    python benchmarks/bench_scale.py                       # 10,000 people
    python benchmarks/bench_scale.py --people 10000 50000 250000 --spark 50000 --data /tmp/ona-bench

The organizations are written once by ``shared/bench/gen.py`` (seed 7) into
``--data`` (outside the repository: 10,000 people are 688 MiB, 50,000 are
3.5 GiB; 250,000 are 17 GiB, written by ``gen_large.py``, gen.py with its
emails made in batches) and reused.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT.parent / "shared" / "bench" / "gen.py"

# Pair weights exactly as ona defines them (DESIGN.md), in one statement over the raw CSVs.
REFERENCE_SQL = """
CREATE TABLE people AS SELECT * FROM read_csv_auto('{d}/people.csv', all_varchar=true);
CREATE TABLE address AS
    SELECT DISTINCT lower(trim(a)) AS address, person_id FROM (
        SELECT person_id, unnest(string_split(coalesce(email, ''), ';')) AS a FROM people
        UNION ALL SELECT person_id, person_id FROM people) WHERE trim(a) <> '';
CREATE TABLE emails AS SELECT * FROM read_csv('{d}/emails.csv', all_varchar=true, header=true);
CREATE TABLE meetings AS SELECT * FROM read_csv('{d}/meetings.csv', all_varchar=true, header=true);
CREATE TABLE tickets AS SELECT * FROM read_csv('{d}/tickets.csv', all_varchar=true, header=true);
"""

PAIRS_SQL = """
WITH msg AS (
    SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY coalesce(message_id, '#' || rowid::VARCHAR)
                                                ORDER BY rowid) AS nth FROM (SELECT rowid, * FROM emails))
    WHERE nth = 1
), rcpt AS (  -- a person counts once whatever alias is used; an external address once
    SELECT DISTINCT m.rowid AS mid, coalesce(s.person_id, lower(trim(m.sender))) AS sender,
           coalesce(p.person_id, lower(trim(r))) AS r, s.person_id AS s_id, p.person_id AS r_id
    FROM msg m, unnest(string_split(concat_ws(';', {lists}), ';')) AS t(r)
    LEFT JOIN address s ON s.address = lower(trim(m.sender)) LEFT JOIN address p ON p.address = lower(trim(r))
    WHERE trim(r) <> ''
), sizes AS (
    SELECT mid, count(*) AS k FROM rcpt WHERE r <> sender GROUP BY mid
), email_pairs AS (
    SELECT s_id AS a, r_id AS b, 1.0 / k AS w FROM rcpt JOIN sizes USING (mid)
    WHERE r <> sender AND k <= 50 AND s_id IS NOT NULL AND r_id IS NOT NULL
), att AS (
    SELECT DISTINCT m.meeting_id AS mid, coalesce(p.person_id, lower(trim(x))) AS x, p.person_id AS id,
           (epoch(m."end"::TIMESTAMP) - epoch(m.start::TIMESTAMP)) / 3600.0 AS h
    FROM meetings m, unnest(string_split(m.attendees, ';')) AS t(x)
    LEFT JOIN address p ON p.address = lower(trim(x)) WHERE trim(x) <> ''
), an AS (SELECT * FROM att JOIN (SELECT mid, count(*) AS n FROM att GROUP BY mid) USING (mid)),
meeting_pairs AS (
    SELECT x.id AS a, y.id AS b, x.h / (x.n - 1) AS w
    FROM an x JOIN an y ON x.mid = y.mid AND x.x < y.x
    WHERE x.n BETWEEN 2 AND 25 AND x.id IS NOT NULL AND y.id IS NOT NULL
), hops AS (
    SELECT assignee AS cur, lag(assignee) OVER (PARTITION BY ticket_id ORDER BY timestamp::TIMESTAMPTZ, rowid) AS prev
    FROM (SELECT rowid, * FROM tickets)
), ticket_pairs AS (
    SELECT pa.person_id AS a, pb.person_id AS b, 1.0 AS w FROM hops
    JOIN address pa ON pa.address = lower(trim(prev)) JOIN address pb ON pb.address = lower(trim(cur))
    WHERE prev IS NOT NULL AND pa.person_id <> pb.person_id
)
SELECT least(a, b) AS a, greatest(a, b) AS b, sum(w) AS w FROM (
    SELECT * FROM email_pairs UNION ALL SELECT * FROM meeting_pairs UNION ALL SELECT * FROM ticket_pairs
) GROUP BY ALL
"""


def generate(people: int, data: Path) -> Path:
    folder = data / f"n{people}"
    if not (folder / "people.csv").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        # above 50,000 people gen.py does not fit in 24 GiB: the same generator with emails written in batches
        script = GEN if people <= 50_000 else Path(__file__).with_name("gen_large.py")
        subprocess.run([sys.executable, str(script), "--people", str(people), "--out", str(folder), "--seed", "7"],
                       check=True)  # fmt: skip
    return folder


def reference(folder: Path) -> dict[str, float]:
    """The plain pipeline; per-stage seconds, ties and total weight."""
    import duckdb
    import igraph as ig
    import numpy as np

    out: dict[str, float] = {}
    t = time.perf_counter()
    con = duckdb.connect()
    con.execute(REFERENCE_SQL.format(d=folder))
    out["load"] = time.perf_counter() - t
    t = time.perf_counter()
    columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'emails'").fetchall()}
    lists = ", ".join(f"m.{c}" for c in ("recipients", "cc", "bcc") if c in columns)
    pairs = con.sql(PAIRS_SQL.replace("{lists}", lists)).to_arrow_table()
    out["aggregate SQL"] = time.perf_counter() - t
    t = time.perf_counter()
    ids = con.execute("SELECT person_id FROM people ORDER BY person_id").fetchnumpy()["person_id"]
    index = {p: i for i, p in enumerate(ids.tolist())}
    a = np.array([index[x] for x in pairs.column("a").to_pylist()])
    b = np.array([index[x] for x in pairs.column("b").to_pylist()])
    w = pairs.column("w").to_numpy()
    g = ig.Graph(n=len(ids), edges=np.column_stack([a, b]), edge_attrs={"weight": w})
    out["graph"] = time.perf_counter() - t
    out["ties"], out["total weight"] = float(g.ecount()), float(w.sum())
    for name, run in (
        ("Leiden", lambda: g.community_leiden(objective_function="modularity", weights="weight")),
        ("bridges", g.bridges),
        ("articulation points", g.articulation_points),
        ("constraint", lambda: g.constraint(weights="weight")),
    ):
        t = time.perf_counter()
        run()
        out[name] = time.perf_counter() - t
    t = time.perf_counter()
    lengths = 1.0 / w
    sources = np.random.default_rng(7).choice(g.vcount(), 256, replace=False)
    g.betweenness(weights=lengths, sources=sources.tolist())
    out["betweenness (256 sources)"] = time.perf_counter() - t
    return out


def ona_run(folder: Path, engine: str = "duckdb") -> dict[str, float]:
    """ona's pipeline as ``ona analyze`` runs it; per-stage seconds, ties and total weight.

    The files are read, validated and stored a piece at a time into a scratch
    store (on disk for large inputs); ``engine="spark"`` aggregates the pair
    weights with Spark on ``local[2]``.
    """
    from ona.analysis.pipeline import analyze_dataset
    from ona.io.load import find_files
    from ona.store import scratch_store

    out: dict[str, float] = {}
    files = find_files(folder)
    with scratch_store(sum(f.stat().st_size for f in files.values())) as store:
        t = time.perf_counter()
        info = store.load_files(files, name=folder.name)
        out["read + validate + store"] = time.perf_counter() - t
        last = [time.perf_counter(), ""]

        def stage(name: str, step: int, total: int) -> None:
            now = time.perf_counter()
            if last[1]:
                out[last[1]] = now - last[0]
            last[0], last[1] = now, name

        if engine == "spark":
            from ona.store.spark import SparkEngine

            with SparkEngine("local[2]") as spark:
                result = analyze_dataset(store, info.dataset_id, on_progress=stage, engine=spark)
        else:
            result = analyze_dataset(store, info.dataset_id, on_progress=stage)
    out["ties"], out["total weight"] = float(result.summary.ties), result.summary.total_weight
    exact = folder.parent / f"{folder.name}-exact-betweenness.npz"
    if exact.exists():  # written by --recall: exact weighted betweenness of the same graph
        out["top-50 broker recall"] = _recall(result, exact, 50)
    out["betweenness sources"] = float(result.summary.betweenness_method.split("(")[1].split(" ")[0]) \
        if result.summary.betweenness_method.startswith("sampled") else 0.0
    return out


def _recall(result, exact: Path, k: int) -> float:  # noqa: ANN001 (an AnalysisResult)
    """Share of the exact top ``k`` brokers that the result ranks in its own top ``k``."""
    import numpy as np

    cached = np.load(exact)
    truth = dict(zip(cached["ids"].tolist(), cached["raw"].tolist()))
    people = [p for p in result.people if p.active]
    ours = {p.person_id for p in sorted(people, key=lambda p: (-p.betweenness, p.person_id))[:k]}
    theirs = {p.person_id for p in sorted(people, key=lambda p: (-truth[p.person_id], p.person_id))[:k]}
    return len(ours & theirs) / k


def write_exact(folder: Path) -> Path:
    """Exact weighted betweenness of the organization's graph (ona's compiled Brandes over every source),
    cached beside the organization."""
    import numpy as np

    from bench_brokers import build

    from ona.analysis.centrality import betweenness

    path = folder.parent / f"{folder.name}-exact-betweenness.npz"
    if not path.exists():
        g = build(folder)
        exact = betweenness(g, exact_limit=g.n, samples=10, seed=0)
        with path.open("wb") as f:
            np.savez(f, ids=np.asarray(g.ids), raw=exact.values)
    return path


def child(kind: str, folder: str) -> None:
    t = time.perf_counter()
    out = reference(Path(folder)) if kind == "reference" else ona_run(Path(folder), engine=kind.split(":")[-1])
    out["wall"] = time.perf_counter() - t
    out["peak RSS GiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(out))


def measure(kind: str, folder: Path) -> dict[str, float]:
    run = subprocess.run([sys.executable, __file__, "--child", kind, str(folder)], check=True,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(run.stdout.strip().splitlines()[-1])


def _stages(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in figures.items()
                     if k not in ("wall", "peak RSS GiB", "ties", "total weight"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/ona-bench"),
                        help="where gen.py's organizations are written once and reused (outside the repository)")
    parser.add_argument("--reference-up-to", type=int, default=50_000,
                        help="run the reference pipeline only up to this many people (it loads every CSV into "
                        "memory: 250,000 people do not fit in 24 GiB)")
    parser.add_argument("--spark", type=int, nargs="*", default=[],
                        help="sizes at which ona also runs with --engine spark on local[2]")
    parser.add_argument("--recall", type=int, nargs="*", default=[10_000],
                        help="sizes at which the top-50 brokers are scored against exact betweenness "
                        "(computed once and cached beside the organization)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    for people in args.people:
        folder = generate(people, args.data)
        if people in args.recall:
            write_exact(folder)
        ref = measure("reference", folder) if people <= args.reference_up_to else None
        ours = measure("ona", folder)
        print(f"\n## {people:,} people ({folder})")
        line = f"ona: {ours['wall']:.1f} s, {ours['peak RSS GiB']:.2f} GiB"
        if ref is not None:
            line = (f"reference: {ref['wall']:.1f} s, {ref['peak RSS GiB']:.2f} GiB; {line}; "
                    f"ratio {ours['wall'] / ref['wall']:.2f}")
            same = ref["ties"] == ours["ties"] and abs(ref["total weight"] - ours["total weight"]) < 1e-3
            line += (f"\nties {ref['ties']:,.0f} vs {ours['ties']:,.0f}, total weight {ref['total weight']:,.1f} vs "
                     f"{ours['total weight']:,.1f}: {'the same graph' if same else 'DIFFERENT GRAPHS'}")
            print(line)
            print(f"  reference stages (s): {_stages(ref)}")
        else:
            print(f"{line}; ties {ours['ties']:,.0f}")
        print(f"  ona stages (s): {_stages(ours)}")
        if people in args.spark:
            spark = measure("ona:spark", folder)
            print(f"  ona --engine spark (local[2]): {spark['wall']:.1f} s, {spark['peak RSS GiB']:.2f} GiB "
                  f"(driver); stages (s): {_stages(spark)}")


if __name__ == "__main__":
    main()
