"""Benchmark of ``ona import`` per kind: records per second and peak memory (not collected by pytest).

Usage::

    .venv/bin/python benchmarks/bench_imports.py --kind mbox [--records 1000000] [--dir /tmp/ona-bench-imports]
    .venv/bin/python benchmarks/bench_imports.py --kind ics --records 20000

For each kind a generator writes a realistic export of ``--records``
records into ``--dir`` (kept between runs and reused when it is already
there), then a child process runs :func:`ona.io.imports.import_export`
(the whole ``ona import``: parse, Parquet folder, people from
``--internal-domain``), and the parent prints the wall time, records per
second and the child's peak resident memory (``ru_maxrss``), so the number
is the import's alone and not the generator's.

Kinds: ``mbox``, ``maildir``, ``ics``, ``graph-events``, ``google-calendar``,
``exchange-trace`` (default 8,000,000 rows: a 2 GB Get-MessageTraceV2 CSV;
``--records 2000000`` for a quick run) and ``gmail`` below, ``slack`` and
``teams`` in bench_imports_chat.py, ``jira``, ``servicenow``, ``zendesk`` and
``github`` in bench_imports_tickets.py.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

DOMAIN = "corp.example"
PEOPLE = 2000
START = datetime(2024, 1, 1, tzinfo=UTC)
BODY = "".join(f"Line {i} of a message body that the importer must skip without reading.\n" for i in range(12))


def _person(rnd: random.Random) -> str:
    return f"user{rnd.randrange(PEOPLE)}@{DOMAIN}"


# ------------------------------------------------------------------ mbox / maildir


def _message(rnd: random.Random, i: int) -> str:
    when = START + timedelta(seconds=37 * i)
    to = ", ".join(f'"User, {n}" <{_person(rnd)}>' for n in range(rnd.randint(1, 3)))
    cc = f"Cc: {_person(rnd)}\n" if i % 4 == 0 else ""
    listed = "List-Id: <dev.lists.corp.example>\n" if i % 50 == 0 else ""
    return (
        f"Return-Path: <{_person(rnd)}>\n"
        f"Received: from mx{i % 7}.{DOMAIN} by mail.{DOMAIN}; {when:%a, %d %b %Y %H:%M:%S +0000}\n"
        f"Received: from client by mx{i % 7}.{DOMAIN}; {when:%a, %d %b %Y %H:%M:%S +0000}\n"
        f"From: =?utf-8?q?J=C3=B6rg_{i % 97}?= <{_person(rnd)}>\nTo: {to}\n{cc}{listed}"
        f"Subject: Quarterly numbers {i}\nDate: {when:%a, %d %b %Y %H:%M:%S +0000}\n"
        f"Message-ID: <{i}.{i % 13}@{DOMAIN}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        f"\n{BODY}From the desk of a colleague (an unescaped body line).\n"
    )


def generate_mbox(folder: Path, n: int) -> list[Path]:
    """One mbox of ``n`` messages (2 % mailing-list mail), about 1 KB each."""
    path = folder / "all.mbox"
    if not path.exists():
        rnd = random.Random(0)
        with path.open("w", encoding="utf-8") as f:
            for i in range(n):
                f.write(f"From sender@{DOMAIN} Mon Jan  1 00:00:00 2024\n")
                f.write(_message(rnd, i))
                f.write("\n")
    return [path]


def generate_maildir(folder: Path, n: int) -> list[Path]:
    """An Enron-like maildir: ``n`` files under <user>/<folder>/<k>."""
    root = folder / "maildir"
    if not root.exists():
        rnd = random.Random(0)
        for i in range(n):
            box = root / f"user{i % 100}" / ("sent" if i % 2 else "inbox")
            box.mkdir(parents=True, exist_ok=True)
            (box / f"{i}.").write_text(_message(rnd, i), encoding="utf-8")
    return [root]


# ------------------------------------------------------------------ calendars


def _attendees(rnd: random.Random) -> list[str]:
    return sorted({_person(rnd) for _ in range(rnd.randint(2, 6))})


def generate_ics(folder: Path, n: int) -> list[Path]:
    """Ten people's .ics exports; one event in ten is weekly x10, one in five is in two exports."""
    out = [folder / f"person{k}.ics" for k in range(10)]
    if not out[0].exists():
        rnd = random.Random(0)
        files = [["BEGIN:VCALENDAR", "VERSION:2.0", "X-WR-TIMEZONE:Europe/Paris"] for _ in out]
        i = 0
        produced = 0
        while produced < n:
            start = START + timedelta(minutes=30 * i)
            people = _attendees(rnd)
            recurring = i % 10 == 0
            lines = ["BEGIN:VEVENT", f"UID:ev{i}@{DOMAIN}", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
                     f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%SZ}", "SUMMARY:Sync",
                     "DESCRIPTION:Agenda text", f"ORGANIZER:mailto:{people[0]}"]  # fmt: skip
            lines += [f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{p}" for p in people[1:]]
            if recurring:
                lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
            lines.append("END:VEVENT")
            files[i % 10].extend(lines)
            if i % 5 == 0:
                files[(i + 1) % 10].extend(lines)
            produced += 10 if recurring else 1
            i += 1
        for path, lines in zip(out, files, strict=True):
            path.write_text("\n".join(lines + ["END:VCALENDAR"]) + "\n", encoding="utf-8")
    return out


def _graph(rnd: random.Random, i: int) -> dict:
    start = START + timedelta(minutes=30 * i)
    people = _attendees(rnd)
    return {"id": f"AAMk{i}", "iCalUId": f"ev{i}", "type": "singleInstance", "isAllDay": False,
            "isCancelled": False, "showAs": "busy", "subject": "Sync", "bodyPreview": "Agenda",
            "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"},
            "end": {"dateTime": f"{start + timedelta(minutes=45):%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"},
            "organizer": {"emailAddress": {"address": people[0]}},
            "attendees": [{"type": "required", "status": {"response": "accepted"},
                           "emailAddress": {"address": p}} for p in people[1:]]}  # fmt: skip


def _google(rnd: random.Random, i: int) -> dict:
    start = START + timedelta(minutes=30 * i)
    people = _attendees(rnd)
    return {"kind": "calendar#event", "id": f"id{i}", "iCalUID": f"ev{i}@google.com", "status": "confirmed",
            "summary": "Sync", "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}Z"},
            "end": {"dateTime": f"{start + timedelta(minutes=45):%Y-%m-%dT%H:%M:%S}Z"},
            "organizer": {"email": people[0]},
            "attendees": [{"email": p, "responseStatus": "accepted"} for p in people]}  # fmt: skip


def _pages(folder: Path, n: int, key: str, make: Callable[[random.Random, int], dict]) -> list[Path]:
    out = [folder / f"person{k}.json" for k in range(10)]
    if not out[0].exists():
        rnd = random.Random(0)
        per = [[] for _ in out]  # type: list[list[dict]]
        for i in range(n):
            per[i % 10].append(make(rnd, i))
        for path, events in zip(out, per, strict=True):
            path.write_text(json.dumps({key: events}), encoding="utf-8")
    return out


def generate_graph(folder: Path, n: int) -> list[Path]:
    """Ten people's calendarView pages of ``n`` events in all."""
    return _pages(folder, n, "value", _graph)


def generate_google(folder: Path, n: int) -> list[Path]:
    """Ten people's events.list pages of ``n`` events in all."""
    return _pages(folder, n, "items", _google)


# ------------------------------------------------------------------ exchange-trace / gmail
# Mail-trace logs: ``--records`` counts *rows* (one per recipient of a message). 8,000,000 rows of
# Get-MessageTraceV2 CSV are about 2 GB, the size the issue asks for; UTF-16LE halves the rows per GB.

V2_HEADER = '"Received","SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP","Size","MessageId","MessageTraceId"\r\n'
_STATUS = ["Delivered"] * 96 + ["Failed", "Pending", "FilteredAsSpam", "Quarantined"]


def _trace_rows(rnd: random.Random, n: int) -> Iterator[str]:
    """``n`` V2 rows: messages of 1-6 recipients (5 % outside), 4 % not delivered, 1 % list expansions,
    1 % system senders, and a subject of about 80 characters."""
    i = 0
    made = 0
    while made < n:
        when = START + timedelta(seconds=11 * i)
        ts = f"{when:%Y-%m-%dT%H:%M:%S}.{i % 10_000_000:07d}"
        sender = f"noreply@{DOMAIN}" if i % 100 == 0 else _person(rnd)
        mid = f"<{i:x}.{rnd.getrandbits(48):012x}@{DOMAIN}>"
        trace = f"{rnd.getrandbits(64):016x}-{i:012x}"
        rcpts = [_person(rnd) if rnd.random() > 0.05 else f"client{rnd.randrange(500)}@outside.example"
                 for _ in range(rnd.randint(1, 6))]  # fmt: skip
        if i % 100 == 7:
            rcpts.insert(0, f"all-staff-{i % 9}@{DOMAIN}")
        subject = f"RE: Budget review {i} for the quarterly numbers of the department and its suppliers"
        for k, r in enumerate(rcpts):
            status = "Expanded" if r.startswith("all-staff") else rnd.choice(_STATUS)
            yield (f'"{ts}","{sender}","{r}","{subject}","{status}","","10.{k}.0.1","{20_000 + k}",'
                   f'"{mid}","{trace}"\r\n')  # fmt: skip
            made += 1
        i += 1


def generate_exchange_trace(folder: Path, n: int) -> list[Path]:
    """A Get-MessageTraceV2 CSV of ``n`` rows (about 250 bytes each), written in 64 MB pieces."""
    path = folder / "messagetrace.csv"
    if not path.exists():
        rnd = random.Random(0)
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(V2_HEADER)
            piece: list[str] = []
            for row in _trace_rows(rnd, n):
                piece.append(row)
                if len(piece) == 250_000:
                    f.write("".join(piece))
                    piece.clear()
            f.write("".join(piece))
    return [path]


def generate_gmail(folder: Path, n: int) -> list[Path]:
    """Gmail logs as JSON lines: a sent event per message (1-6 destinations) and a received event per
    internal destination; ``n`` counts sent destinations."""
    path = folder / "gmail.jsonl"
    if not path.exists():
        rnd = random.Random(0)
        made = i = 0
        with path.open("w", encoding="utf-8") as f:
            while made < n:
                usec = int((START + timedelta(seconds=11 * i)).timestamp() * 1_000_000)
                sender, mid = _person(rnd), f"<{i:x}@{DOMAIN}>"
                dests = [_person(rnd) for _ in range(rnd.randint(1, 6))]
                for kind, targets in [(1, dests)] + [(2, [d]) for d in dests]:
                    f.write(json.dumps({
                        "event_info": {"timestamp_usec": str(usec), "success": True, "mail_event_type": str(kind)},
                        "message_info": {"rfc2822_message_id": mid, "subject": f"Budget {i}",
                                         "source": {"address": sender, "from_header_address": sender},
                                         "destination": [{"address": d, "service": "gmail-ui"} for d in targets]},
                    }) + "\n")  # fmt: skip
                made += len(dests)
                i += 1
    return [path]


GENERATORS: dict[str, Callable[[Path, int], list[Path]]] = {
    "mbox": generate_mbox,
    "maildir": generate_maildir,
    "ics": generate_ics,
    "graph-events": generate_graph,
    "google-calendar": generate_google,
    "exchange-trace": generate_exchange_trace,
    "gmail": generate_gmail,
}

#: Default ``--records`` per kind (100,000 for the others).
DEFAULT_RECORDS = {"mbox": 1_000_000, "exchange-trace": 8_000_000, "gmail": 1_000_000}

# ------------------------------------------------------------------ slack / teams
# The chat exports' generators live in bench_imports_chat.py (beside this file, so importable when run as a script).
from bench_imports_chat import CHAT_GENERATORS  # noqa: E402

GENERATORS.update(CHAT_GENERATORS)

# ------------------------------------------------------------------ jira / servicenow / zendesk / github
# The ticket exports' generators live in bench_imports_tickets.py (a record: one assignee, group or status change).
from bench_imports_tickets import TICKET_GENERATORS  # noqa: E402

GENERATORS.update(TICKET_GENERATORS)


# ------------------------------------------------------------------ running


def _child(kind: str, out: str, sources: list[str]) -> None:
    from ona.io.imports import ImportOptions, import_export

    report = import_export(kind, sources, out, ImportOptions(internal_domains=(DOMAIN,)))
    print(json.dumps({"records": sum(s.records_read for s in report.sources),
                      "written": sum(sum(s.events_written.values()) for s in report.sources)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", required=True, choices=sorted(GENERATORS))
    parser.add_argument("--records", type=int, default=None, help="default: 1,000,000 for mbox, 100,000 else")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ona-bench-imports"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.kind, args.child[0], args.child[1:])
        return
    n = args.records or DEFAULT_RECORDS.get(args.kind, 100_000)
    folder = args.dir / f"{args.kind}-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sources = GENERATORS[args.kind](folder, n)
    print(f"generated {args.kind} x {n:,} in {time.perf_counter() - t0:.1f} s "
          f"({sum(p.stat().st_size for s in sources for p in ([s] if s.is_file() else s.rglob('*'))) / 1e6:.0f} MB)")  # fmt: skip
    out = folder / "dataset"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--kind", args.kind, "--child", str(out), *map(str, sources)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    # CPU seconds too: on a shared machine the wall time says more about the neighbours than the import
    print(f"{args.kind}: {counts['records']:,} records read, {counts['written']:,} rows written in {seconds:.1f} s "
          f"= {counts['records'] / seconds:,.0f} records/s ({cpu:.1f} CPU s = {counts['records'] / cpu:,.0f} "
          f"records per CPU second); peak RSS {peak_mb:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
