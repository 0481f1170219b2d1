"""A real local Spark session (``local[2]``, no UI) shared by the Spark tests, and an organization with every channel.

Spark needs Java: without ``java`` the tests are skipped, except in CI
(``ONA_REQUIRE_SPARK=1``, set by ``.ci/run``, which installs Debian's
headless OpenJDK) where they fail instead.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

#: person_id, department, email (aliases; mixed case on purpose)
DEPARTMENTS = ("Finance", "Legal", "Sales", "Ops")
EXTERNALS = ("partner@supplier.org", "Client@Other.com", "x@ext.com")


def _require_spark() -> None:
    reason = None
    if shutil.which("java") is None:
        reason = "java is not installed (apt-get install openjdk-17-jre-headless)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "pyspark is not installed"
    if reason is None:
        return
    if os.environ.get("ONA_REQUIRE_SPARK") == "1":
        pytest.fail(f"Spark tests are required (ONA_REQUIRE_SPARK=1) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    _require_spark()
    from ona.store.spark import spark_session

    session = spark_session("local[2]", app_name="ona-tests")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


def write_org(folder: Path, *, seed: int = 3) -> Path:
    """24 people in 4 departments and two months of every channel, with the awkward cases of each.

    Emails (aliases in any case, externals, broadcasts over a limit of 8,
    duplicates), meetings (external attendees, too small, too large for a
    limit of 10), tickets (internal and external handoffs, repeated
    holders), chats (DMs, groups, channel posts, thread replies, externals)
    ties (directed, undated, external) and group handoffs (names in any case, a queue that is no
    department).
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    people = [(f"p{i:02d}", DEPARTMENTS[i % 4], f"p{i:02d}@corp.org;P{i:02d}.Alt@Corp.org") for i in range(24)]
    ids = [p[0] for p in people]

    def who(i: int) -> str:  # a person by id or by an alias, or sometimes an external
        r = rng.random()
        if r < 0.06:
            return str(rng.choice(EXTERNALS))
        if r < 0.3:
            return f"P{i:02d}.ALT@corp.org"
        if r < 0.5:
            return f"p{i:02d}@corp.org"
        return ids[i]

    def ts(day: int, minute: int) -> str:
        return f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:{int(rng.integers(60)):02d}Z"

    def group(size: int) -> list[int]:
        home = int(rng.integers(4))
        pool = [i for i in range(24) if i % 4 == home] if rng.random() < 0.7 else list(range(24))
        return [int(x) for x in rng.choice(pool, size=min(size, len(pool)), replace=False)]

    def write(name: str, header: list[str], rows: list[list[object]]) -> None:
        with (folder / name).open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)

    write("people.csv", ["person_id", "department", "email"], [list(p) for p in people])
    emails = []
    for m in range(600):
        members = group(int(rng.choice([2, 2, 3, 4, 6, 12])))
        to = [who(i) for i in members[1:]]
        cc = [who(int(i)) for i in rng.choice(24, size=int(rng.integers(0, 3)))]
        mid = f"m{m}" if rng.random() > 0.03 else "m1"  # a few duplicates of m1
        emails.append([ts(int(rng.integers(56)), int(rng.integers(600))), who(members[0]), ";".join(to),
                       ";".join(cc), "", mid])
    write("emails.csv", ["timestamp", "sender", "recipients", "cc", "bcc", "message_id"], emails)
    meetings = []
    for m in range(120):
        members = group(int(rng.choice([1, 2, 3, 5, 8, 14])))
        attendees = [who(i) for i in members] + ([EXTERNALS[0]] if rng.random() < 0.15 else [])
        day, minute = int(rng.integers(56)), int(rng.integers(500))
        meetings.append([f"mt{m}", ts(day, minute), "", int(rng.choice([15, 30, 45, 60, 90])), ";".join(attendees)])
    write("meetings.csv", ["meeting_id", "start", "end", "duration_minutes", "attendees"], meetings)
    tickets = []
    for t in range(80):
        day = int(rng.integers(50))
        for step in range(int(rng.integers(1, 6))):
            holder = who(int(rng.integers(24)))
            status = "resolved" if step == 4 else "open"
            tickets.append([f"T{t}", ts(day + step, int(rng.integers(600))), holder, status])
    write("tickets.csv", ["ticket_id", "timestamp", "assignee", "status"], tickets)
    chats = []
    for c in range(400):
        members = group(int(rng.choice([2, 2, 3, 5, 10])))
        kind = str(rng.choice(["dm", "group", "channel", ""]))
        author = who(members[int(rng.integers(len(members)))]) if rng.random() < 0.25 else ""
        chats.append([ts(int(rng.integers(56)), int(rng.integers(600))), who(members[0]), f"conv{members[-1]}",
                      ";".join(who(i) for i in members[1:]), author, f"c{c}", kind])
    write("chats.csv", ["timestamp", "sender", "conversation_id", "recipients", "thread_author", "message_id",
                        "kind"], chats)
    ties = []
    for _ in range(60):
        a, b = (int(x) for x in rng.choice(24, size=2, replace=False))
        start = f"2024-{int(rng.integers(1, 3)):02d}-{int(rng.integers(1, 28)):02d}" if rng.random() < 0.8 else ""
        ties.append([who(a), who(b), round(float(rng.uniform(0.1, 3)), 3), start, "viva",
                     str(rng.choice(["true", "false"]))])
    write("ties.csv", ["source", "target", "weight", "period_start", "channel", "directed"], ties)
    moves = []  # assignment-group changes: names in any case, a queue that is no department
    queues = [*DEPARTMENTS, "legal ", "SALES", "Vendor Desk"]
    for t in range(0, 80, 3):
        day = int(rng.integers(50))
        for step in range(int(rng.integers(1, 4))):
            a, b = rng.choice(len(queues), size=2, replace=False)
            moves.append([f"T{t}", ts(day + step, int(rng.integers(600))), queues[a], queues[b]])
    write("group_handoffs.csv", ["ticket_id", "timestamp", "from_group", "to_group"], moves)
    return folder
