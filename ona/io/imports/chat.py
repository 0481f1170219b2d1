"""Chat exports -> ona's ``chats`` table: Slack workspace exports and Microsoft Teams (Graph) JSON.

Input: the files of a Slack export (the ``.zip``, or its unpacked folder)
or Microsoft Graph ``chatMessage`` JSON pages (files or folders of them).
Output: batches of the ``chats`` table (``timestamp, sender,
conversation_id, recipients, thread_author, message_id, kind``) handed to a
:class:`~ona.io.imports.base.Sink`, and one
:class:`~ona.io.imports.base.SourceReport` per source.

One row per message kept; ``recipients`` are the other members of its
conversation, except for a thread reply in a channel, whose recipient is
the thread's author (the one its weight goes to: DESIGN.md's chat rule adds
1 to (replier, thread author) whatever the conversation's size, and a
channel of thousands need not be listed for every reply). ``kind`` is
``dm`` (Slack DM, Teams oneOnOne chat), ``group`` (Slack group DM, Teams
group or meeting chat) or ``channel`` (Slack public or private channel,
Teams channel). Posts in a channel that are not replies are dropped as
``channel_post`` unless ``options.chat_channel_posts``; then they are
written with every member of the channel (and ``ona analyze
--chat-channel-posts`` counts them).

Content is never read into a row: message text, blocks, files, attachments,
reactions, Teams ``body``, ``attachments``, ``mentions`` are not looked at.

Slack (https://slack.com/help/articles/220556107, "How to read Slack data
exports"): ``users.json`` (``org_users.json`` on Enterprise Grid) gives each
user's ``profile.email``, ``is_bot`` and ``deleted``; ``channels.json`` and
``groups.json`` (public and private channels, folders named by channel
``name``), ``dms.json`` (folders named by ``id``) and ``mpims.json``
(folders named by ``name``) give each conversation's ``members``. Each
folder holds one JSON array of messages per day (``2024-03-04.json``).
Dropped: ``bot`` (subtype ``bot_message``, a ``bot_id``, or a user with
``is_bot``), ``system_message`` (any subtype other than ``thread_broadcast``,
``file_share`` and ``me_message``: joins, leaves, topic, purpose, name,
pins, archive, tombstones of deleted threads...), ``deleted_user`` (written
by a deactivated account), ``channel_post``, ``no_recipient``,
``outside_window``, ``duplicate`` (the same conversation and ``ts`` seen
again), ``unparseable`` (invalid JSON in a day file, a message without
user or ts, a folder no conversation list names; positions like
``export.zip:general/2024-01-02.json`` or ``...json$[3]``). A reply is a
message whose ``thread_ts`` differs from its ``ts``; its thread author is
``parent_user_id`` (else the author of the thread's first message).

Teams (Microsoft Graph v1.0 ``chatMessage``, ``chat`` and
``conversationMember`` resources): message pages from ``GET
/chats/{id}/messages`` and ``GET /teams/{id}/channels/{id}/messages`` (with
``/replies``), as ``{"value": [...]}`` or a bare array; the members of chats
from ``GET /chats?$expand=members`` (items with ``chatType`` and
``members``); the members of channels from ``GET
/teams/{id}/channels/{id}/members`` saved as channel items with
``members`` (items with ``membershipType`` and ``members``); optionally
users from ``GET /users?$select=id,mail,userPrincipalName`` to turn user
ids into addresses (members' ``email`` do it too). Dropped: ``system_message``
(``messageType`` other than ``message``), ``deleted`` (``deletedDateTime``
set), ``bot`` (``from.application`` set, no ``from.user``), and as for
Slack. A reply is a message with ``replyToId``; its thread author is the
author of that root message.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport

#: Rows per batch handed to the sink.
BATCH_ROWS = 20_000

#: The chats table as importers write it.
CHAT_SCHEMA = pa.schema(
    [
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("sender", pa.string()),
        ("conversation_id", pa.string()),
        ("recipients", pa.list_(pa.string())),
        ("thread_author", pa.string()),
        ("message_id", pa.string()),
        ("kind", pa.string()),
    ]
)

#: Slack subtypes that are a person's message (everything else is a system or bot event).
SLACK_KEPT_SUBTYPES = frozenset({"thread_broadcast", "file_share", "me_message"})
SLACK_USERS = ("users.json", "org_users.json")
#: Slack conversation lists: file -> kind, and the field naming each conversation's folder.
SLACK_LISTS: dict[str, tuple[str, str]] = {
    "channels.json": ("channel", "name"),
    "groups.json": ("channel", "name"),
    "dms.json": ("dm", "id"),
    "mpims.json": ("group", "name"),
}
#: Top-level files of a Slack export that are not conversations.
SLACK_OTHER = frozenset({*SLACK_USERS, *SLACK_LISTS, "integration_logs.json", "canvases.json", "content_flags.json"})


@dataclass(frozen=True)
class Conversation:
    """A chat conversation: its id, kind and members' addresses (bots left out)."""

    conversation_id: str
    kind: str  # dm | group | channel
    members: tuple[str, ...]


@dataclass
class ChatRows:
    """Rows of the chats table, flushed to the sink a batch at a time."""

    sink: Sink
    report: SourceReport | None = None
    columns: dict[str, list[Any]] = field(default_factory=lambda: {n: [] for n in CHAT_SCHEMA.names})
    seen: set[str] = field(default_factory=set)

    def add(self, options: ImportOptions, ts: datetime, sender: str, conv: Conversation,
            thread_author: str | None, message_id: str) -> None:  # fmt: skip
        """Apply the window, the channel-post and recipient rules, and keep or drop one message."""
        report = self.report
        assert report is not None
        if (options.since is not None and ts < options.since) or (options.until is not None and ts >= options.until):
            report.drop("outside_window")
            return
        reply = thread_author is not None and thread_author != sender
        if conv.kind == "channel" and reply:
            recipients: list[str] = [thread_author]  # type: ignore[list-item]
        elif conv.kind == "channel" and not options.chat_channel_posts:
            report.drop("channel_post")
            return
        else:
            recipients = [m for m in conv.members if m != sender]
        if not recipients and not reply:
            report.drop("no_recipient")
            return
        if message_id in self.seen:
            report.drop("duplicate")
            return
        self.seen.add(message_id)
        for name, value in zip(
            CHAT_SCHEMA.names,
            (ts, sender, conv.conversation_id, recipients, thread_author if reply else None, message_id, conv.kind),
        ):
            self.columns[name].append(value)
        report.wrote("chats", 1)
        if len(self.columns["timestamp"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.columns["timestamp"]:
            self.sink.write("chats", pa.table(self.columns, schema=CHAT_SCHEMA))
            self.columns = {n: [] for n in CHAT_SCHEMA.names}


# ---------------------------------------------------------------------------------------- Slack


def looks_like_slack(path: Path) -> bool:
    """A Slack export: a zip or folder with users.json (or org_users.json) and a conversation list."""
    path = Path(path)
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = {n for n in zf.namelist() if "/" not in n.rstrip("/")}
    else:
        return False
    return bool(names & set(SLACK_USERS)) and bool(names & set(SLACK_LISTS))


class _Export:
    """The members of a Slack export, from a zip (read member by member) or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file())
            return
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DatasetError(path.name, f"not a readable zip file, or truncated ({exc})") from exc
        self.names = sorted(i.filename for i in self.zip.infolist() if not i.is_dir())

    def read(self, name: str) -> bytes:
        if self.zip is None:
            return (self.path / name).read_bytes()
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise DatasetError(self.path.name, f"the zip is truncated or damaged at {name} ({exc})") from exc

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


@dataclass(frozen=True)
class _SlackUser:
    address: str
    bot: bool
    deleted: bool


def _json_list(export: _Export, name: str) -> list[Any]:
    """A top-level list file of the export (users, channels...); DatasetError when unusable."""
    try:
        data = json.loads(export.read(name))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{export.path.name}:{name}", f"is not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise DatasetError(f"{export.path.name}:{name}", "is not a JSON array")
    return data


def _slack_users(export: _Export) -> dict[str, _SlackUser]:
    name = next((n for n in SLACK_USERS if n in export.names), None)
    if name is None:
        raise DatasetError(export.path.name, "not a Slack export: no users.json (or org_users.json) at its top")
    users: dict[str, _SlackUser] = {}
    for item in _json_list(export, name):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        profile = item.get("profile") if isinstance(item.get("profile"), dict) else {}
        email = profile.get("email") if isinstance(profile.get("email"), str) else ""
        users[item["id"]] = _SlackUser(
            address=email.strip() or item["id"],
            bot=bool(item.get("is_bot")) or item.get("id") == "USLACKBOT" or bool(item.get("is_app_user")),
            deleted=bool(item.get("deleted")),
        )
    return users


def _slack_conversations(export: _Export, users: dict[str, _SlackUser]) -> dict[str, Conversation]:
    """Folder name -> conversation, from channels.json, groups.json, dms.json and mpims.json."""
    found: dict[str, Conversation] = {}
    for name, (kind, folder_field) in SLACK_LISTS.items():
        if name not in export.names:
            continue
        for item in _json_list(export, name):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            members = []
            for uid in item.get("members") or []:
                user = users.get(uid)
                if user is not None and user.bot:
                    continue
                address = user.address if user is not None else str(uid)
                if address not in members:
                    members.append(address)
            folder = str(item.get(folder_field) or item["id"])
            found[folder] = Conversation(item["id"], kind, tuple(members))
    return found


def slack_time(ts: object) -> datetime | None:
    """A Slack ``ts`` ("1709546400.000200", seconds since the epoch) as UTC, None when it is not one."""
    if not isinstance(ts, str):
        return None
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        return None
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=int(fraction[:6].ljust(6, "0") or 0))


def import_slack(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Slack workspace exports (zip files or their unpacked folders).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        One or more exports.
    options : ImportOptions
        The window and ``chat_channel_posts``.
    sink : Sink
        Receives ``chats`` batches.

    Returns
    -------
    list of SourceReport
        One per export: messages read, rows written, dropped by reason.

    Raises
    ------
    DatasetError
        An export that is not a readable zip or folder, a truncated zip, no
        users.json, or a users / conversation list that is not JSON.
    """
    reports = []
    rows = ChatRows(sink)
    for path in sources:
        path = Path(path)
        report = SourceReport(source=path.name, kind="slack")
        rows.report = report
        export = _Export(path)
        try:
            users = _slack_users(export)
            conversations = _slack_conversations(export, users)
            roots: dict[tuple[str, str], str] = {}
            for name in export.names:
                parts = PurePosixPath(name).parts
                if len(parts) != 2 or not parts[1].endswith(".json") or name in SLACK_OTHER:
                    continue
                _slack_day(export, name, conversations.get(parts[0]), users, roots, options, rows)
        finally:
            export.close()
        rows.flush()
        reports.append(report)
    return reports


def _slack_day(export: _Export, name: str, conv: Conversation | None, users: dict[str, _SlackUser],
               roots: dict[tuple[str, str], str], options: ImportOptions, rows: ChatRows) -> None:  # fmt: skip
    """One day file of one conversation."""
    report = rows.report
    assert report is not None
    where = f"{export.path.name}:{name}"
    raw = export.read(name)
    try:
        messages = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        report.records_read += 1
        report.bad(where, f"invalid JSON ({exc})")
        return
    if not isinstance(messages, list):
        report.records_read += 1
        report.bad(where, "not a JSON array of messages")
        return
    if conv is None:
        report.records_read += len(messages)
        folder = PurePosixPath(name).parts[0]
        for i in range(len(messages)):
            report.bad(f"{where}$[{i}]", f"conversation folder '{folder}' is in no channels, groups, dms or mpims list")
        return
    for i, m in enumerate(messages):
        report.records_read += 1
        if not isinstance(m, dict):
            report.bad(f"{where}$[{i}]", "not a JSON object")
            continue
        subtype = m.get("subtype")
        user_id = m.get("user")
        user = users.get(user_id) if isinstance(user_id, str) else None
        if subtype == "bot_message" or m.get("bot_id") or (user is not None and user.bot):
            report.drop("bot")
            continue
        if subtype is not None and subtype not in SLACK_KEPT_SUBTYPES:
            report.drop("system_message")
            continue
        ts = slack_time(m.get("ts"))
        if not isinstance(user_id, str) or not user_id or ts is None:
            report.bad(f"{where}$[{i}]", "a message without user or ts")
            continue
        if user is not None and user.deleted:
            report.drop("deleted_user")
            continue
        thread_ts = m.get("thread_ts")
        author: str | None = None
        if isinstance(thread_ts, str) and thread_ts != m["ts"]:
            parent = m.get("parent_user_id") or roots.get((conv.conversation_id, thread_ts))
            parent_user = users.get(parent) if isinstance(parent, str) else None
            if isinstance(parent, str) and not (parent_user is not None and parent_user.bot):
                author = parent_user.address if parent_user is not None else parent
        elif isinstance(thread_ts, str):
            roots[(conv.conversation_id, thread_ts)] = user_id
        sender = user.address if user is not None else user_id
        rows.add(options, ts, sender, conv, author, f"{conv.conversation_id}:{m['ts']}")


# ---------------------------------------------------------------------------------------- Teams


def looks_like_teams(path: Path) -> bool:
    """Graph chatMessage (or chat / members) JSON: a .json file, or a folder of them, that names messageType or chatType."""
    path = Path(path)
    files = sorted(path.rglob("*.json"))[:5] if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() != ".json" or not file.is_file():
            continue
        with file.open("rb") as f:
            head = f.read(1 << 16).decode("utf-8", errors="ignore")
        if '"messageType"' in head or '"chatType"' in head:
            return True
    return False


def _teams_files(sources: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for source in sources:
        source = Path(source)
        files.extend(sorted(source.rglob("*.json")) if source.is_dir() else [source])
    return files


def _teams_items(path: Path, report: SourceReport | None) -> list[Any]:
    """The items of one Graph JSON file (a page's ``value`` or a bare array); [] when unreadable."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        if report is not None:
            report.records_read += 1
            report.bad(path.name, f"invalid JSON ({exc})")
        return []
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"]
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    if report is not None:
        report.records_read += 1
        report.bad(path.name, "neither a Graph page ({\"value\": [...]}) nor a JSON array")
    return []


def graph_time(value: object) -> datetime | None:
    """A Graph DateTimeOffset ("2024-03-04T10:00:00.123Z") as UTC, None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Graph may give 7 fraction digits; Python reads at most 6
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[:digits][:6] + rest[digits:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass
class _TeamsDirectory:
    """What the non-message files say: addresses of user ids, members of chats and channels."""

    addresses: dict[str, str] = field(default_factory=dict)
    chats: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # id -> (chatType, member user ids)
    channels: dict[str, list[str]] = field(default_factory=dict)  # channel id -> member user ids
    roots: dict[str, str] = field(default_factory=dict)  # "conversation:message id" -> author user id

    def learn_members(self, members: object) -> list[str]:
        ids = []
        for member in members if isinstance(members, list) else []:
            if not isinstance(member, dict):
                continue
            uid = member.get("userId") or member.get("id")
            if not isinstance(uid, str):
                continue
            email = member.get("email")
            if isinstance(email, str) and email.strip():
                self.addresses.setdefault(uid, email.strip())
            ids.append(uid)
        return ids

    def learn(self, item: dict[str, Any]) -> None:
        if "messageType" in item:
            conv = _teams_conversation_id(item)
            sender = _teams_user(item)
            if conv and sender and not item.get("replyToId") and isinstance(item.get("id"), str):
                self.roots[f"{conv}:{item['id']}"] = sender
        elif "chatType" in item and isinstance(item.get("id"), str):
            self.chats[item["id"]] = (str(item["chatType"]), self.learn_members(item.get("members")))
        elif "members" in item and isinstance(item.get("id"), str):
            self.channels[item["id"]] = self.learn_members(item.get("members"))
        elif isinstance(item.get("id"), str) and ("mail" in item or "userPrincipalName" in item):
            address = item.get("mail") or item.get("userPrincipalName")
            if isinstance(address, str) and address.strip():
                self.addresses[item["id"]] = address.strip()

    def address(self, uid: str) -> str:
        return self.addresses.get(uid, uid)

    def conversation(self, item: dict[str, Any]) -> Conversation | None:
        chat_id = item.get("chatId")
        if isinstance(chat_id, str) and chat_id:
            if chat_id not in self.chats:
                return None
            chat_type, members = self.chats[chat_id]
            kind = "dm" if chat_type == "oneOnOne" else "group"
            return Conversation(chat_id, kind, tuple(dict.fromkeys(self.address(m) for m in members)))
        channel = _teams_conversation_id(item)
        if channel is None:
            return None
        members = self.channels.get(channel, [])
        return Conversation(channel, "channel", tuple(dict.fromkeys(self.address(m) for m in members)))


def _teams_conversation_id(item: dict[str, Any]) -> str | None:
    if isinstance(item.get("chatId"), str) and item["chatId"]:
        return str(item["chatId"])
    ident = item.get("channelIdentity")
    if isinstance(ident, dict) and isinstance(ident.get("channelId"), str):
        return str(ident["channelId"])
    return None


def _teams_user(item: dict[str, Any]) -> str | None:
    sender = item.get("from")
    user = sender.get("user") if isinstance(sender, dict) else None
    uid = user.get("id") if isinstance(user, dict) else None
    return uid if isinstance(uid, str) and uid else None


def import_teams(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Microsoft Teams chat and channel messages (Graph chatMessage JSON pages).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON files (or folders of them): message pages, the chats with
        their members, channels with their members, users.
    options : ImportOptions
        The window and ``chat_channel_posts``.
    sink : Sink
        Receives ``chats`` batches.

    Returns
    -------
    list of SourceReport
        One per file holding messages (member and user lists are read, not reported).
    """
    files = _teams_files(sources)
    directory = _TeamsDirectory()
    # first pass: members, addresses and the authors of root messages (replies name only their root's id)
    for path in files:
        for item in _teams_items(path, None):
            if isinstance(item, dict):
                directory.learn(item)
    reports = []
    rows = ChatRows(sink)
    for path in files:
        items = _teams_items(path, report := SourceReport(source=path.name, kind="teams"))
        rows.report = report
        messages = [(i, m) for i, m in enumerate(items) if isinstance(m, dict) and "messageType" in m]
        if not messages and not report.records_read:
            continue  # a members or users list
        for i, m in messages:
            _teams_message(f"{path.name}:$.value[{i}]", m, directory, options, rows)
        rows.flush()
        reports.append(report)
    return reports


def _teams_message(where: str, m: dict[str, Any], directory: _TeamsDirectory, options: ImportOptions,
                   rows: ChatRows) -> None:  # fmt: skip
    report = rows.report
    assert report is not None
    report.records_read += 1
    if m.get("messageType") != "message":
        report.drop("system_message")
        return
    if m.get("deletedDateTime"):
        report.drop("deleted")
        return
    sender_id = _teams_user(m)
    if sender_id is None:
        sender = m.get("from")
        report.drop("bot" if isinstance(sender, dict) and sender.get("application") else "system_message")
        return
    ts = graph_time(m.get("createdDateTime"))
    if ts is None:
        report.bad(where, f"createdDateTime {m.get('createdDateTime')!r} is not a date and time")
        return
    conv = directory.conversation(m)
    if conv is None:
        report.bad(where, f"the members of chat '{m.get('chatId') or '?'}' are not in the export "
                          "(add the chats listed with GET /chats?$expand=members)")  # fmt: skip
        return
    author: str | None = None
    reply_to = m.get("replyToId")
    if isinstance(reply_to, str) and reply_to:
        root = directory.roots.get(f"{conv.conversation_id}:{reply_to}")
        if root is None:
            report.bad(where, f"replies to message '{reply_to}', which is not in the export")
            return
        author = directory.address(root)
    if conv.kind == "channel" and author is None and options.chat_channel_posts and not conv.members:
        report.bad(where, f"the members of channel '{conv.conversation_id}' are not in the export")
        return
    rows.add(options, ts, directory.address(sender_id), conv, author, f"{conv.conversation_id}:{m.get('id')}")
