"""The slack and teams sections of ``benchmarks/bench_imports.py``: export generators.

Usage (through the import benchmark)::

    .venv/bin/python benchmarks/bench_imports.py --kind slack --records 1000000
    .venv/bin/python benchmarks/bench_imports.py --kind teams --records 200000

Both write a workspace of 2,000 people at ``corp.example``: 60 % of the
messages in 1,500 DMs, 25 % in 300 group conversations of 3 to 8 people,
15 % in 30 channels of 50 to 500 members (half of them thread replies), plus
2 % bot and system messages; every message carries a text body that the
importer must skip.
"""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

DOMAIN = "corp.example"
PEOPLE = 2000
START = datetime(2024, 1, 1, tzinfo=UTC)
TEXT = "A message body of ordinary length that the importer never reads. " * 3


def _conversations(rnd: random.Random) -> list[tuple[str, str, list[int]]]:
    """(id, kind, member indexes): DMs, group DMs, channels."""
    convs = [(f"D{i:05d}", "dm", rnd.sample(range(PEOPLE), 2)) for i in range(1500)]
    convs += [(f"G{i:05d}", "group", rnd.sample(range(PEOPLE), rnd.randint(3, 8))) for i in range(300)]
    convs += [(f"C{i:05d}", "channel", rnd.sample(range(PEOPLE), rnd.randint(50, 500))) for i in range(30)]
    return convs


def _pick(rnd: random.Random, convs: list[tuple[str, str, list[int]]]) -> tuple[str, str, list[int]]:
    r = rnd.random()
    if r < 0.60:
        return convs[rnd.randrange(1500)]
    if r < 0.85:
        return convs[1500 + rnd.randrange(300)]
    return convs[1800 + rnd.randrange(30)]


def generate_slack(folder: Path, n: int) -> list[Path]:
    """A Slack workspace export zip of ``n`` messages (one JSON file per conversation and day)."""
    path = folder / "slack-export.zip"
    if path.exists():
        return [path]
    rnd = random.Random(0)
    convs = _conversations(rnd)
    users = [{"id": f"U{i:05d}", "name": f"user{i}", "deleted": False, "is_bot": False,
              "profile": {"email": f"user{i}@{DOMAIN}", "real_name": f"User {i}"}} for i in range(PEOPLE)]  # fmt: skip
    users.append({"id": "UBOT", "name": "bot", "is_bot": True, "deleted": False, "profile": {}})
    days: dict[tuple[str, str], list[dict]] = {}
    roots: dict[str, list[tuple[str, str]]] = {}
    for i in range(n):
        cid, kind, members = _pick(rnd, convs)
        when = START + timedelta(seconds=30 * i)
        ts = f"{int(when.timestamp())}.{i % 1_000_000:06d}"
        user = f"U{rnd.choice(members):05d}"
        msg: dict = {"type": "message", "user": user, "ts": ts, "text": TEXT, "client_msg_id": f"m{i}"}
        if i % 50 == 0:
            msg = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": ts, "text": TEXT}
        elif kind == "channel" and roots.get(cid) and rnd.random() < 0.5:
            root_ts, root_user = rnd.choice(roots[cid][-20:])
            msg |= {"thread_ts": root_ts, "parent_user_id": root_user}
        elif kind == "channel":
            roots.setdefault(cid, []).append((ts, user))
            msg |= {"thread_ts": ts, "reply_count": 1}
        days.setdefault((cid, f"{when:%Y-%m-%d}"), []).append(msg)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", json.dumps(users))
        for name, kind, key in (("dms.json", "dm", "id"), ("mpims.json", "group", "name"),
                                ("channels.json", "channel", "name")):  # fmt: skip
            items = [{"id": c, "name": c.lower(), "members": [f"U{m:05d}" for m in ms]}
                     for c, k, ms in convs if k == kind]  # fmt: skip
            zf.writestr(name, json.dumps(items))
        zf.writestr("groups.json", "[]")
        for (cid, day), messages in sorted(days.items()):
            folder_name = cid if cid.startswith("D") else cid.lower()
            zf.writestr(f"{folder_name}/{day}.json", json.dumps(messages))
    return [path]


def generate_teams(folder: Path, n: int) -> list[Path]:
    """Graph JSON: chats with members, channels with members, and pages of 1,000 chatMessages."""
    out = folder / "teams"
    if out.exists():
        return [out]
    out.mkdir()
    rnd = random.Random(0)
    convs = _conversations(rnd)

    def member(m: int) -> dict:
        return {"@odata.type": "#microsoft.graph.aadUserConversationMember", "userId": f"aad-{m}",
                "email": f"user{m}@{DOMAIN}", "displayName": f"User {m}"}  # fmt: skip

    chats = [{"id": c, "chatType": "oneOnOne" if k == "dm" else "group", "members": [member(m) for m in ms]}
             for c, k, ms in convs if k != "channel"]  # fmt: skip
    channels = [{"id": c, "membershipType": "standard", "members": [member(m) for m in ms]}
                for c, k, ms in convs if k == "channel"]  # fmt: skip
    (out / "chats.json").write_text(json.dumps({"value": chats}))
    (out / "channels.json").write_text(json.dumps({"value": channels}))
    page: list[dict] = []
    roots: dict[str, list[str]] = {}
    for i in range(n):
        cid, kind, members = _pick(rnd, convs)
        when = START + timedelta(seconds=30 * i)
        msg = {"id": f"{i}", "messageType": "message", "createdDateTime": f"{when:%Y-%m-%dT%H:%M:%S}.000Z",
               "deletedDateTime": None, "replyToId": None, "body": {"contentType": "text", "content": TEXT},
               "attachments": [], "from": {"user": {"id": f"aad-{rnd.choice(members)}"}, "application": None}}  # fmt: skip
        if kind == "channel":
            msg["channelIdentity"] = {"teamId": "T1", "channelId": cid}
            if roots.get(cid) and rnd.random() < 0.5:
                msg["replyToId"] = rnd.choice(roots[cid][-20:])
            else:
                roots.setdefault(cid, []).append(msg["id"])
        else:
            msg["chatId"] = cid
        if i % 50 == 0:
            msg["messageType"] = "systemEventMessage"
        page.append(msg)
        if len(page) == 1000:
            (out / f"messages-{i // 1000:05d}.json").write_text(json.dumps({"value": page}))
            page = []
    if page:
        (out / f"messages-{n // 1000:05d}.json").write_text(json.dumps({"value": page}))
    return [out]


CHAT_GENERATORS: dict[str, Callable[[Path, int], list[Path]]] = {
    "slack": generate_slack,
    "teams": generate_teams,
}
