"""Benchmark of the readers on a generated dataset (not collected by pytest).

Usage::

    .venv/bin/python benchmarks/bench_io.py --emails 5000000 [--people 5000] [--dir /tmp/ona-bench]

Writes ``people.csv`` and ``emails.csv`` (one or more recipients, cc on a
quarter of the messages, 5 % external addresses, mixed-case aliases, 1 %
duplicated message ids), then times :func:`ona.io.read_dataset` and prints
the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def _pick(rng: np.random.Generator, names: np.ndarray, n: int) -> np.ndarray:
    return names[rng.integers(0, names.size, n)]


def generate(folder: Path, n_emails: int, n_people: int, seed: int = 0) -> None:
    """Write people.csv and emails.csv into ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"p{i:06d}" for i in range(n_people)], dtype=object)
    mails = np.array([f"first.last{i}@corp.example" for i in range(n_people)], dtype=object)
    people = pa.table(
        {
            "person_id": ids,
            "department": np.array([f"dept{i % 40}" for i in range(n_people)], dtype=object),
            "email": mails + ";" + ids + "@old.example",
            "team": np.array([f"team{i % 300}" for i in range(n_people)], dtype=object),
        }
    )
    pacsv.write_csv(people, folder / "people.csv")
    refs = np.concatenate([ids, mails, np.char.upper(mails.astype(str)).astype(object)])
    externals = np.array([f"vendor{i}@supplier{i % 50}.example" for i in range(2000)], dtype=object)

    def refs_of(n: int) -> np.ndarray:
        out = _pick(rng, refs, n)
        ext = rng.random(n) < 0.05
        out[ext] = _pick(rng, externals, int(ext.sum()))
        return out

    chunk = 1_000_000
    with pacsv.CSVWriter(
        folder / "emails.csv",
        pa.schema([(c, pa.string()) for c in ("timestamp", "sender", "recipients", "cc", "message_id")]),
    ) as writer:
        for start in range(0, n_emails, chunk):
            n = min(chunk, n_emails - start)
            secs = rng.integers(0, 365 * 86400, n)
            ts = pc.strftime(
                pa.array(np.datetime64("2024-01-01T00:00:00") + secs.astype("timedelta64[s]")),
                format="%Y-%m-%dT%H:%M:%SZ",
            )
            n_to = rng.integers(1, 4, n)
            to = refs_of(n)
            for extra in range(1, 3):
                more = n_to > extra
                to[more] = to[more] + ";" + refs_of(int(more.sum()))
            cc = np.full(n, "", dtype=object)
            has_cc = rng.random(n) < 0.25
            cc[has_cc] = refs_of(int(has_cc.sum()))
            mid = np.array([f"<m{start + i}@corp>" for i in range(n)], dtype=object)
            dup = rng.random(n) < 0.01
            mid[dup] = np.array([f"<m{max(start + i - 1, 0)}@corp>" for i in np.flatnonzero(dup)], dtype=object)
            writer.write_table(
                pa.table({"timestamp": ts, "sender": _pick(rng, mails, n), "recipients": to, "cc": cc, "message_id": mid})
            )


def _anon_gib() -> float:
    """Resident anonymous memory (excludes the memory-mapped input file), GiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 2**20
    return 0.0


class _PeakAnon(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, _anon_gib())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ona-bench"))
    parser.add_argument("--reuse", action="store_true", help="keep existing files")
    args = parser.parse_args()
    if not (args.reuse and (args.dir / "emails.csv").exists()):
        t0 = time.perf_counter()
        generate(args.dir, args.emails, args.people)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
    size = (args.dir / "emails.csv").stat().st_size
    from ona.io import read_dataset

    sampler = _PeakAnon()
    sampler.start()
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    ds = read_dataset(args.dir)
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    sampler.done.set()
    cpu = (cpu1.ru_utime - cpu0.ru_utime, cpu1.ru_stime - cpu0.ru_stime)
    rep = ds.report.files["emails.csv"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"emails.csv {size / 1e6:.0f} MB, {rep.rows_read} rows: read in {elapsed:.1f} s; "
        f"accepted {rep.accepted}, rejected {rep.rejected}, duplicates {rep.duplicates}; "
        f"recipients {ds.tables['email_recipients'].num_rows}; peak RSS {peak:.2f} GiB "
        f"(anonymous {sampler.peak:.2f} GiB); CPU user {cpu[0]:.1f} s, system {cpu[1]:.1f} s"
    )


if __name__ == "__main__":
    main()
