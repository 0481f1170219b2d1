"""Benchmark of the store on a generated organization (not collected by pytest).

Run: ``.venv/bin/python benchmarks/bench_store.py [--people N] [--emails N]
[--meetings N] [--ticket-rows N] [--file PATH]``. Defaults are the DESIGN
target: 10,000 people, 5M emails (about 15M recipient rows), 400k meetings
(about 5 attendees), 100k ticket rows. Prints wall-clock seconds of
save_dataset and pair_weights; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from ona.io.dataset import Dataset
from ona.params import AnalysisParams
from ona.store import Store

YEAR_US = 365 * 24 * 3600 * 1_000_000
T0_US = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z


def _distinct_others(
    rng: np.random.Generator, owner: np.ndarray, k: np.ndarray, n: int, contacts: int = 0
) -> np.ndarray:
    """k distinct person indices per row, none equal to that row's owner.

    With ``contacts`` > 0 they come from the owner's circle of that many
    colleagues (owner + 1 ... owner + contacts), as in a real organization;
    with 0, from everybody (a uniform worst case: nearly every pair distinct).
    """
    row = np.repeat(np.arange(len(k)), k)
    j = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
    span = n - 1 if contacts <= 0 else contacts
    start = rng.integers(0, span, len(k))
    return (owner[row] + 1 + (start[row] + j) % span) % n


def _people_refs(idx: np.ndarray, external: np.ndarray, ids: np.ndarray) -> tuple[pa.Array, pa.Array]:
    pid = np.where(external, None, ids[idx])
    name = np.char.add("x", idx.astype(str)).astype(object)
    addr = np.where(external, name + "@ext.example", "person." + name + "@corp.example")
    return pa.array(pid, pa.string()), pa.array(addr, pa.string())


def generate(
    people: int, emails: int, meetings: int, ticket_rows: int, contacts: int = 0, seed: int = 1
) -> Dataset:
    rng = np.random.default_rng(seed)
    ids = np.array([f"p{i:06d}" for i in range(people)], dtype=object)
    depts = np.array([f"dept{i % 20:02d}" for i in range(people)], dtype=object)
    people_t = pa.table(
        {
            "person_id": ids,
            "department": depts,
            "emails": pa.nulls(people, pa.string()),
            "attributes": np.char.add('{"team": "t', (np.arange(people) % 97).astype(str)).astype(object) + '"}',
            "line": np.arange(2, people + 2),
        }
    )
    sender = rng.integers(0, people, emails)
    k = rng.integers(1, 6, emails)  # mean 3
    k[rng.random(emails) < 0.002] = 60  # a few broadcasts
    ext_sender = rng.random(emails) < 0.05
    sid, saddr = _people_refs(sender, ext_sender, ids)
    recv = _distinct_others(rng, sender, k, people, contacts)
    rid, raddr = _people_refs(recv, rng.random(len(recv)) < 0.1, ids)
    emails_t = pa.table(
        {
            "message_key": np.arange(emails),
            "message_id": np.char.mod("<%016x@mail.corp.example>", rng.integers(0, 2**62, emails)).astype(object),
            "ts": pa.array(T0_US + rng.integers(0, YEAR_US, emails), pa.timestamp("us", tz="UTC")),
            "sender_id": sid,
            "sender_address": saddr,
            "k": k.astype(np.int32),
            "line": np.arange(2, emails + 2),
        }
    )
    recipients_t = pa.table({"message_key": np.repeat(np.arange(emails), k), "person_id": rid, "address": raddr})
    n = rng.integers(2, 9, meetings)  # mean 5
    organizer = rng.integers(0, people, meetings)
    others = _distinct_others(rng, organizer, n - 1, people, contacts)
    first = np.cumsum(n) - n
    att = np.empty(int(n.sum()), dtype=np.int64)
    att[first] = organizer
    att[np.setdiff1d(np.arange(len(att)), first)] = others
    aid, aaddr = _people_refs(att, rng.random(len(att)) < 0.05, ids)
    meetings_t = pa.table(
        {
            "meeting_key": np.arange(meetings),
            "meeting_id": pa.nulls(meetings, pa.string()),
            "start": pa.array(T0_US + rng.integers(0, YEAR_US, meetings), pa.timestamp("us", tz="UTC")),
            "hours": rng.choice([0.5, 1.0, 1.5, 2.0], meetings),
            "n_attendees": n.astype(np.int32),
            "organizer_id": ids[organizer],
            "line": np.arange(2, meetings + 2),
        }
    )
    attendees_t = pa.table({"meeting_key": np.repeat(np.arange(meetings), n), "person_id": aid, "address": aaddr})
    assignee = rng.integers(0, people, ticket_rows)
    tid, taddr = _people_refs(assignee, rng.random(ticket_rows) < 0.05, ids)
    tickets_t = pa.table(
        {
            "ticket_id": np.char.add("T", (np.arange(ticket_rows) // 5).astype(str)).astype(object),
            "ts": pa.array(T0_US + rng.integers(0, YEAR_US, ticket_rows), pa.timestamp("us", tz="UTC")),
            "assignee_id": tid,
            "assignee_address": taddr,
            "status": pa.nulls(ticket_rows, pa.string()),
            "line": np.arange(2, ticket_rows + 2),
        }
    )
    tables = {
        "people": people_t,
        "emails": emails_t,
        "email_recipients": recipients_t,
        "meetings": meetings_t,
        "meeting_attendees": attendees_t,
        "tickets": tickets_t,
    }
    return Dataset("bench", tables)


def _clock() -> tuple[float, float]:
    """(wall, CPU of this process) seconds; CPU shows the work on a shared machine."""
    t = os.times()
    return time.perf_counter(), t.user + t.system


def _since(start: tuple[float, float]) -> str:
    wall, cpu = _clock()
    return f"{wall - start[0]:.1f} s wall, {cpu - start[1]:.1f} s CPU"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--emails", type=int, default=5_000_000)
    ap.add_argument("--meetings", type=int, default=400_000)
    ap.add_argument("--ticket-rows", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=0, help="circle of colleagues per person (0: everybody)")
    ap.add_argument("--file", action="store_true", help="also measure a file-backed store")
    args = ap.parse_args()
    t = time.perf_counter()
    ds = generate(args.people, args.emails, args.meetings, args.ticket_rows, args.contacts)
    print(f"generate: {time.perf_counter() - t:.1f} s; rows:", {k: v.num_rows for k, v in ds.tables.items()})
    with tempfile.TemporaryDirectory() as tmp:
        targets = [":memory:"] + ([str(Path(tmp) / "bench.duckdb")] if args.file else [])
        for path in targets:
            with Store(path) as store:
                t0 = _clock()
                info = store.save_dataset(ds)
                print(f"[{path}] save_dataset: {_since(t0)}")
                for params in (AnalysisParams(), AnalysisParams(since="2024-03-01", until="2024-09-01")):
                    t0 = _clock()
                    pw = store.pair_weights(info.dataset_id, params)
                    print(
                        f"[{path}] pair_weights (window {params.since} .. {params.until}): "
                        f"{_since(t0)}, {pw.table.num_rows} pairs, events {pw.events}"
                    )


if __name__ == "__main__":
    main()
