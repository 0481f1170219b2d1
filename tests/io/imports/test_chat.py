"""Slack and Teams importers: hand-counted awkward cases, the small organization, bad files, the canary.

Fixtures are written by the code below, to the vendors' published field
lists (see fixtures/chat/README.md for the sources): a Slack workspace
export zip (users.json, channels.json, groups.json, dms.json, mpims.json,
one folder per conversation with one JSON array of messages per day) and
Microsoft Graph JSON (chats with $expand=members, channels with members,
chatMessage pages).
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ona.errors import DatasetError
from ona.io import read_dataset
from ona.io.imports import detect_kind, import_export
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.chat import import_slack, import_teams, looks_like_slack, looks_like_teams
from ona.params import AnalysisParams
from ona.store import Store
from tests.io.imports.pairs import assert_no_canary, assert_no_canary_in_folder
from tests.io.imports.smallorg import CANARY, CHATS, PEOPLE, address, write_canonical

# ------------------------------------------------------------------ helpers


def chat_weights(folder: Path, **params: Any) -> dict[tuple[str, str], tuple[float, float]]:
    """(a, b) -> (chat, weight) of a dataset folder, through read_dataset and a Store."""
    store = Store()
    try:
        info = store.save_dataset(read_dataset(folder))
        table = store.pair_weights(info.dataset_id, AnalysisParams(**params)).table.to_pylist()
    finally:
        store.close()
    return {(r["a"], r["b"]): (r["chat"], r["weight"]) for r in table}


def assert_same(got: dict, want: dict) -> None:
    assert set(got) == set(want), sorted(set(got) ^ set(want))
    for pair, values in want.items():
        for g, w in zip(got[pair], values, strict=True):
            assert abs(g - w) <= 1e-9, (pair, got[pair], values)


def canonical_chat_weights(tmp: Path, **params: Any) -> dict:
    folder = write_canonical(tmp / "canonical")
    for table in ("emails", "meetings"):
        (folder / f"{table}.csv").unlink()
    return chat_weights(folder, **params)


def imported(tmp: Path, kind: str, sources: list[Path], options: ImportOptions | None = None) -> Path:
    people = write_canonical(tmp / "people-src", chats=False) / "people.csv"
    out = tmp / f"imported-{kind}"
    shutil.rmtree(out, ignore_errors=True)
    import_export(kind, sources, out, options or ImportOptions(), people=people)
    assert_no_canary_in_folder(out)
    return out


def when(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def slack_ts(ts: str, micro: int = 100) -> str:
    return f"{int(when(ts).timestamp())}.{micro:06d}"


def uid(person: str) -> str:
    return "U" + person.upper()


CONTENT = {  # every content field a Slack message may carry, each holding the canary
    "text": f"hello {CANARY}",
    "blocks": [{"type": "rich_text", "elements": [{"type": "text", "text": CANARY}]}],
    "files": [{"id": "F1", "name": f"{CANARY}.pdf", "title": CANARY, "url_private": f"https://x/{CANARY}"}],
    "attachments": [{"fallback": CANARY, "text": CANARY}],
    "reactions": [{"name": "thumbsup", "users": ["UANA"], "count": 1}],
}


# ------------------------------------------------------------------ Slack fixtures


def slack_users() -> list[dict[str, Any]]:
    users = [
        {"id": uid(p), "name": p, "real_name": f"{p} {CANARY}", "deleted": False, "is_bot": False,
         "profile": {"email": email, "title": CANARY, "real_name": p}}
        for p, _, email in PEOPLE
    ]  # fmt: skip
    users += [
        {"id": "UBOT", "name": "deploybot", "is_bot": True, "deleted": False, "profile": {"bot_id": "B1"}},
        {"id": "USLACKBOT", "name": "slackbot", "is_bot": False, "deleted": False, "profile": {}},
        {"id": "UOLD", "name": "old", "deleted": True, "is_bot": False, "profile": {"email": "old@example.com"}},
    ]
    return users


def slack_export(path: Path, extra_days: dict[str, Any] | None = None, *,
                 general_members: list[str] | None = None) -> Path:  # fmt: skip
    """The small organization's chats as a Slack export zip, with the awkward extras of a real one.

    Conversations: dm-ana-ben and dm-dan-eve (dms.json, folders named by id),
    grp-sales and grp-mixed (mpims.json, folders named by name), and the
    public channel general (channels.json). Extras, all dropped: a join, a
    topic change, a pin, a bot_message, a message with a bot_id, a message by
    a deactivated account, and a top-level post in general.
    """
    members = {conv: members for _, _, _, conv, members, _ in CHATS}
    dms = [{"id": conv, "created": 1700000000, "members": [uid(p) for p in m]}
           for conv, m in members.items() if conv.startswith("dm-")]  # fmt: skip
    mpims = [{"id": "G" + conv.upper(), "name": conv, "created": 1700000000, "purpose": {"value": CANARY},
              "members": [uid(p) for p in m] + (["UBOT"] if conv == "grp-sales" else [])}
             for conv, m in members.items() if conv.startswith("grp-")]  # fmt: skip
    general = general_members or [uid(p) for p, _, _ in PEOPLE] + ["UOLD"]
    channels = [{"id": "CGENERAL", "name": "general", "created": 1700000000, "members": general,
                 "topic": {"value": CANARY}, "purpose": {"value": CANARY}}]  # fmt: skip
    days: dict[str, list[dict]] = {}
    for mid, ts, sender, conv, _, author in CHATS:
        message = {"type": "message", "user": uid(sender), "ts": slack_ts(ts), "client_msg_id": mid, **CONTENT}
        if author is not None:  # c4 replies in the thread of c3
            root = next(c for c in CHATS if c[3] == conv and c[2] == author)
            message |= {"thread_ts": slack_ts(root[1]), "parent_user_id": uid(author)}
        elif any(c[5] is not None and c[3] == conv and c[2] != sender for c in CHATS if c[1] > ts):
            message |= {"thread_ts": slack_ts(ts), "reply_count": 1, "reply_users": [uid("gus")]}
        days.setdefault(f"{conv}/{ts[:10]}.json", []).append(message)
    t = slack_ts("2024-03-04T08:00:00Z")
    days["general/2024-03-04.json"] = [
        {"type": "message", "subtype": "channel_join", "user": uid("hal"), "ts": t, "text": f"<@UHAL> {CANARY}"},
        {"type": "message", "subtype": "channel_topic", "user": uid("ana"), "ts": t, "topic": CANARY},
        {"type": "message", "subtype": "pinned_item", "user": uid("ana"), "ts": t, "text": CANARY},
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "username": "ci", "ts": t, "text": CANARY},
        {"type": "message", "user": "UBOT", "bot_id": "B1", "ts": t, **CONTENT},
        {"type": "message", "user": "UOLD", "ts": t, **CONTENT},
        {"type": "message", "user": uid("ana"), "ts": t, **CONTENT},  # a channel post
    ]
    raw: dict[str, bytes] = {}
    for name, extra in (extra_days or {}).items():
        if isinstance(extra, bytes):
            raw[name] = extra  # a broken file, written as it is
        else:
            days.setdefault(name, []).extend(extra)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", json.dumps(slack_users()))
        zf.writestr("channels.json", json.dumps(channels))
        zf.writestr("groups.json", "[]")
        zf.writestr("dms.json", json.dumps(dms))
        zf.writestr("mpims.json", json.dumps(mpims))
        zf.writestr("integration_logs.json", json.dumps({"logs": [{"reason": CANARY}]}))
        for name, data in sorted({**{n: json.dumps(m).encode() for n, m in days.items()}, **raw}.items()):
            zf.writestr(name, data)
    return path


# ------------------------------------------------------------------ Slack tests


def test_slack_small_organization_gives_the_canonical_weights(tmp_path: Path) -> None:
    zip_path = slack_export(tmp_path / "export.zip")
    assert looks_like_slack(zip_path) and not looks_like_teams(zip_path)
    assert detect_kind([zip_path]) == "slack"
    out = imported(tmp_path, "slack", [zip_path])
    assert_same(chat_weights(out), canonical_chat_weights(tmp_path))
    report = json.loads((out / "import_report.json").read_text())
    source = report["runs"][-1]["sources"][0] if "runs" in report else report[-1]["sources"][0]
    # 6 messages + 7 extras read; 6 written; the extras dropped by reason
    assert source["records_read"] == 13 and source["events_written"] == {"chats": 6}
    assert source["dropped"] == {"system_message": 3, "bot": 2, "deleted_user": 1, "channel_post": 1}


def test_slack_rows_and_canary(tmp_path: Path) -> None:
    sink = MemorySink()
    reports = import_slack([slack_export(tmp_path / "export.zip")], ImportOptions(), sink)
    assert_no_canary(sink, reports)
    rows = sink.table("chats").to_pylist()
    by_id = {r["message_id"]: r for r in rows}
    reply = by_id[f"GGRP-SALES:{slack_ts(CHATS[3][1])}"]
    # the bot member of grp-sales is not a recipient; gus replies to fay
    assert reply["recipients"] == ["fay@example.com", "hal@example.com"]
    assert (reply["sender"], reply["thread_author"], reply["kind"]) == ("gus@example.com", "fay@example.com", "group")
    dm = by_id[f"dm-ana-ben:{slack_ts(CHATS[0][1])}"]
    assert (dm["kind"], dm["recipients"], dm["thread_author"]) == ("dm", ["ben@example.com"], None)
    assert dm["timestamp"] == when(CHATS[0][1]).replace(microsecond=100)  # ts "1709546400.000100"


def test_slack_channel_posts_and_channel_replies(tmp_path: Path) -> None:
    t0, t1 = slack_ts("2024-03-05T09:00:00Z"), slack_ts("2024-03-05T09:05:00Z")
    extra = {
        "general/2024-03-05.json": [
            {"type": "message", "user": uid("dan"), "ts": t0, "thread_ts": t0, "reply_count": 2, **CONTENT},
            # a reply: its recipient is the thread's author (found from the root when parent_user_id is missing)
            {"type": "message", "user": uid("cai"), "ts": t1, "thread_ts": t0, **CONTENT},
            # a reply also sent to the channel
            {"type": "message", "subtype": "thread_broadcast", "user": uid("eve"), "ts": t1.replace("100", "200"),
             "thread_ts": t0, "parent_user_id": uid("dan"), **CONTENT},
            # dan answers in his own thread: a channel post
            {"type": "message", "user": uid("dan"), "ts": t1.replace("100", "300"), "thread_ts": t0,
             "parent_user_id": uid("dan"), **CONTENT},
        ]
    }  # fmt: skip
    path = slack_export(tmp_path / "export.zip", extra, general_members=[uid(p) for p in ("ana", "cai", "dan", "eve")])
    sink = MemorySink()
    (report,) = import_slack([path], ImportOptions(), sink)
    general = [r for r in sink.table("chats").to_pylist() if r["conversation_id"] == "CGENERAL"]
    assert [(r["sender"], r["recipients"], r["thread_author"]) for r in general] == [
        ("cai@example.com", ["dan@example.com"], "dan@example.com"),
        ("eve@example.com", ["dan@example.com"], "dan@example.com"),
    ]
    assert report.dropped["channel_post"] == 3  # ana's post of the base fixture, dan's root, dan's own reply

    sink = MemorySink()
    (report,) = import_slack([path], ImportOptions(chat_channel_posts=True), sink)
    general = [r for r in sink.table("chats").to_pylist() if r["conversation_id"] == "CGENERAL"]
    assert len(general) == 5 and "channel_post" not in report.dropped
    root = next(r for r in general if r["message_id"] == f"CGENERAL:{t0}")
    assert (root["recipients"], root["kind"]) == (["ana@example.com", "cai@example.com", "eve@example.com"], "channel")


def test_slack_window_duplicates_and_bad_records(tmp_path: Path) -> None:
    ts = slack_ts(CHATS[0][1])
    extra = {
        "dm-ana-ben/2024-03-04.json": [
            {"type": "message", "user": uid("ana"), "ts": ts, **CONTENT},  # c1 again: a duplicate
            {"type": "message", "ts": ts, **CONTENT},  # no user
            "not a message",
        ],
        "unknown-folder/2024-03-04.json": [{"type": "message", "user": uid("ana"), "ts": ts}],
    }
    path = slack_export(tmp_path / "export.zip", extra)
    sink = MemorySink()
    since = datetime(2024, 3, 5, tzinfo=UTC)
    (report,) = import_slack([path], ImportOptions(since=since), sink)
    # c1, c2, c1's copy and ana's post in general fall before the window; c3..c6 are kept
    assert report.events_written == {"chats": 4}
    assert report.dropped["outside_window"] == 4
    assert report.dropped["unparseable"] == 3
    assert [u.position for u in report.unparseable] == [
        "export.zip:dm-ana-ben/2024-03-04.json$[3]",
        "export.zip:dm-ana-ben/2024-03-04.json$[4]",
        "export.zip:unknown-folder/2024-03-04.json$[0]",
    ]
    (report,) = import_slack([path], ImportOptions(), sink := MemorySink())
    assert report.dropped["duplicate"] == 1 and report.events_written == {"chats": 6}


def test_slack_invalid_json_in_one_day_file(tmp_path: Path) -> None:
    path = slack_export(tmp_path / "export.zip", {"general/2024-01-02.json": b'[{"type": "message", "user": '})
    sink = MemorySink()
    (report,) = import_slack([path], ImportOptions(), sink)
    assert report.events_written == {"chats": 6}  # the other files are imported
    (bad,) = report.unparseable
    assert bad.position == "export.zip:general/2024-01-02.json" and bad.reason.startswith("invalid JSON")


def test_slack_truncated_zip_is_refused_by_name(tmp_path: Path) -> None:
    data = slack_export(tmp_path / "export.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="cut.zip"):
        import_slack([cut], ImportOptions(), MemorySink())
    # the central directory intact, a member's compressed bytes damaged
    damaged = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("dm-ana-ben/2024-03-04.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    damaged[start : start + 8] = b"\xff" * 8
    bad = tmp_path / "damaged.zip"
    bad.write_bytes(bytes(damaged))
    with pytest.raises(DatasetError, match="damaged.zip.*dm-ana-ben/2024-03-04.json"):
        import_slack([bad], ImportOptions(), MemorySink())
    # through ona import: nothing is written
    out = tmp_path / "never"
    with pytest.raises(DatasetError):
        import_export("slack", [cut], out, ImportOptions(), people=write_canonical(tmp_path / "p") / "people.csv")
    assert not out.exists()


def test_slack_unpacked_folder(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(slack_export(tmp_path / "export.zip")) as zf:
        zf.extractall(folder)
    assert looks_like_slack(folder)
    sink = MemorySink()
    (report,) = import_slack([folder], ImportOptions(), sink)
    assert report.events_written == {"chats": 6}


# ------------------------------------------------------------------ Teams fixtures


def aad(person: str) -> str:
    """A Microsoft Entra (AAD) user id for a person of the small organization."""
    return f"00000000-0000-0000-0000-{[p for p, _, _ in PEOPLE].index(person):012d}"


def member(person: str, email: bool = True) -> dict[str, Any]:
    out = {"@odata.type": "#microsoft.graph.aadUserConversationMember", "id": f"m-{person}", "roles": ["owner"],
           "displayName": person, "userId": aad(person), "tenantId": "t"}  # fmt: skip
    if email:
        out["email"] = address(person)
    return out


def teams_message(mid: str, ts: str, person: str | None, *, chat: str | None = None, channel: str | None = None,
                  reply_to: str | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    sender = None if person is None else {"application": None, "device": None,
                                          "user": {"id": aad(person), "displayName": person, "userIdentityType": "aadUser"}}  # fmt: skip
    out = {
        "id": mid, "replyToId": reply_to, "etag": mid, "messageType": "message", "createdDateTime": ts,
        "lastModifiedDateTime": ts, "deletedDateTime": None, "subject": CANARY, "summary": None,
        "chatId": chat, "channelIdentity": None if channel is None else {"teamId": "team-1", "channelId": channel},
        "importance": "normal", "locale": "en-us", "webUrl": None, "from": sender,
        "body": {"contentType": "html", "content": f"<p>{CANARY}</p>"},
        "attachments": [{"id": "a1", "contentType": "reference", "contentUrl": f"https://x/{CANARY}", "name": CANARY}],
        "mentions": [{"id": 0, "mentionText": CANARY}], "reactions": [],
    }  # fmt: skip
    return out | extra


def teams_export(folder: Path) -> list[Path]:
    """The small organization's chats as Graph JSON.

    Teams threads exist only in channels, so grp-sales (where gus replies in
    fay's thread) is a channel of the team; the other conversations are
    chats (dm: oneOnOne, grp-mixed: group). Extras, all dropped: a
    systemEventMessage, a deleted message, a bot (application) message.
    """
    folder.mkdir(parents=True, exist_ok=True)
    members = {conv: m for _, _, _, conv, m, _ in CHATS}
    chats = [{"id": conv, "topic": None if conv.startswith("dm-") else CANARY,
              "chatType": "oneOnOne" if conv.startswith("dm-") else "group",
              "members": [member(p, email=p != "hal") for p in m]}
             for conv, m in members.items() if conv != "grp-sales"]  # fmt: skip
    (folder / "chats.json").write_text(json.dumps({"@odata.context": "chats(members())", "value": chats}))
    channels = [{"id": "grp-sales", "displayName": CANARY, "membershipType": "standard",
                 "members": [member(p) for p in members["grp-sales"]]}]  # fmt: skip
    (folder / "channels.json").write_text(json.dumps({"value": channels}))
    # hal's address comes from the users list only
    users = [{"id": aad("hal"), "mail": address("hal"), "userPrincipalName": address("hal"), "displayName": CANARY}]
    (folder / "users.json").write_text(json.dumps({"value": users}))
    pages: dict[str, list[dict]] = {}
    for mid, ts, sender, conv, _, author in CHATS:
        if conv == "grp-sales":
            root = next(c[0] for c in CHATS if c[3] == conv and c[2] == author) if author else None
            msg = teams_message(mid, ts.replace("Z", ".123Z"), sender, channel=conv, reply_to=root)
        else:
            msg = teams_message(mid, ts.replace("Z", ".1234567Z"), sender, chat=conv)
        pages.setdefault(conv, []).append(msg)
    pages["dm-ana-ben"] += [
        teams_message("s1", "2024-03-04T09:59:00Z", None, chat="dm-ana-ben", messageType="systemEventMessage",
                      eventDetail={"@odata.type": "#microsoft.graph.membersAddedEventMessageDetail"}),
        teams_message("d1", "2024-03-04T10:02:00Z", "ana", chat="dm-ana-ben", deletedDateTime="2024-03-04T10:03:00Z"),
        teams_message("b1", "2024-03-04T10:04:00Z", None, chat="dm-ana-ben",
                      **{"from": {"application": {"id": "app", "displayName": "Bot"}, "user": None}}),
    ]  # fmt: skip
    paths = [folder / "chats.json", folder / "channels.json", folder / "users.json"]
    for conv, msgs in pages.items():
        path = folder / f"messages-{conv}.json"
        path.write_text(json.dumps({"@odata.context": "chats('x')/messages", "@odata.count": len(msgs), "value": msgs}))
        paths.append(path)
    return paths


# ------------------------------------------------------------------ Teams tests


def test_teams_small_organization_gives_the_canonical_weights(tmp_path: Path) -> None:
    paths = teams_export(tmp_path / "teams")
    assert all(looks_like_teams(p) for p in paths if p.name.startswith(("messages", "chats")))
    out = imported(tmp_path, "teams", [tmp_path / "teams"], ImportOptions(chat_channel_posts=True))
    # grp-sales is a channel here: fay's root post counts with chat_channel_posts, like the canonical c3
    assert_same(chat_weights(out, chat_channel_posts=True), canonical_chat_weights(tmp_path))


def test_teams_rows_reasons_and_canary(tmp_path: Path) -> None:
    sink = MemorySink()
    reports = import_teams(teams_export(tmp_path / "teams"), ImportOptions(), sink)
    assert_no_canary(sink, reports)
    by_source = {r.source: r for r in reports}
    assert set(by_source) == {"messages-dm-ana-ben.json", "messages-grp-sales.json", "messages-dm-dan-eve.json",
                              "messages-grp-mixed.json"}  # fmt: skip
    dm = by_source["messages-dm-ana-ben.json"]
    assert (dm.records_read, dm.events_written) == (5, {"chats": 2})
    assert dm.dropped == {"system_message": 1, "deleted": 1, "bot": 1}
    # without the opt-in fay's channel post is dropped; gus's reply is kept, to fay
    assert by_source["messages-grp-sales.json"].dropped == {"channel_post": 1}
    rows = {r["message_id"]: r for r in sink.table("chats").to_pylist()}
    assert (rows["grp-sales:c4"]["recipients"], rows["grp-sales:c4"]["thread_author"]) == (
        ["fay@example.com"], "fay@example.com",
    )  # fmt: skip
    mixed = rows["grp-mixed:c6"]
    assert (mixed["kind"], mixed["recipients"]) == ("group", ["fay@example.com", "ana@example.com", "cai@example.com"])
    assert rows["dm-ana-ben:c1"]["timestamp"] == when(CHATS[0][1]).replace(microsecond=123456)


def test_teams_bad_files_and_unknown_members(tmp_path: Path) -> None:
    folder = tmp_path / "teams"
    folder.mkdir()
    (folder / "broken.json").write_text('{"value": [{"messageType": "message", ')
    (folder / "orphans.json").write_text(json.dumps({"value": [
        teams_message("x1", "2024-03-04T10:00:00Z", "ana", chat="chat-nobody-listed"),
        teams_message("x2", "not a date", "ana", chat="chat-nobody-listed"),
        teams_message("x3", "2024-03-04T10:00:00Z", "ana", channel="ch", reply_to="missing-root"),
    ]}))  # fmt: skip
    sink = MemorySink()
    reports = {r.source: r for r in import_teams([folder], ImportOptions(), sink)}
    assert [(u.position, u.reason[:12]) for u in reports["broken.json"].unparseable] == [
        ("broken.json", "invalid JSON")
    ]
    orphans = reports["orphans.json"]
    assert [u.position for u in orphans.unparseable] == [
        "orphans.json:$.value[0]", "orphans.json:$.value[1]", "orphans.json:$.value[2]",
    ]  # fmt: skip
    assert sink.table("chats") is None
