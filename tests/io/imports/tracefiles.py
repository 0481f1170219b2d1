"""Fixture writers of the mail-log importer tests: message traces and Gmail logs, from the vendors' field lists.

The column lists are the vendors' (see fixtures/exchange-trace/README.md
and fixtures/gmail/README.md for the sources). Every content field
(Subject, message_subject, message_info.subject) carries the CANARY.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from tests.io.imports.smallorg import CANARY, EMAILS, address

#: Get-MessageTraceV2's output properties, as Export-Csv writes them.
V2_COLUMNS = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size",
              "MessageId", "MessageTraceId"]  # fmt: skip

#: The historical search's enhanced summary report.
SUMMARY_COLUMNS = ["origin_timestamp_utc", "sender_address", "recipient_status", "message_subject", "total_bytes",
                   "message_id", "network_message_id", "original_client_ip", "directionality", "connector_id",
                   "delivery_priority"]  # fmt: skip

#: The historical search's extended report (one row per event).
EXTENDED_COLUMNS = ["date_time_utc", "client_ip", "client_hostname", "server_ip", "server_hostname",
                    "source_context", "connector_id", "source", "event_id", "internal_message_id", "message_id",
                    "network_message_id", "recipient_address", "recipient_status", "total_bytes",
                    "recipient_count", "related_recipient_address", "reference", "message_subject",
                    "sender_address", "return_path", "message_info", "directionality", "tenant_id",
                    "original_client_ip", "original_server_ip", "custom_data"]  # fmt: skip


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, str]], *, type_line: bool = False) -> str:
    out = io.StringIO()
    if type_line:
        out.write("#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n")
    w = csv.DictWriter(out, fieldnames=list(columns), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """``encoding``: utf-8, utf-16-bom (LE with a byte-order mark) or utf-16le (no mark)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "utf-16-bom":
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    elif encoding == "utf-16le":
        path.write_bytes(text.encode("utf-16-le"))
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def v2_row(ts: str, sender: str, rcpt: str, status: str, mid: str, trace: str = "") -> dict[str, str]:
    return {"Received": ts, "SenderAddress": sender, "RecipientAddress": rcpt, "Subject": f"{CANARY} re: budget",
            "Status": status, "ToIP": "", "FromIP": "10.0.0.1", "Size": "2048", "MessageId": mid,
            "MessageTraceId": trace or f"trace-{mid.strip('<>')}"}  # fmt: skip


def _recipients(to: list[str], cc: list[str], bcc: list[str]) -> list[str]:
    return [address(p) for p in to + cc + bcc]


def smallorg_v2(path: Path, encoding: str = "utf-8") -> Path:
    """The small organization's email as a Get-MessageTraceV2 export (one row per recipient)."""
    rows = []
    for mid, ts, sender, to, cc, bcc in EMAILS:
        # the service writes seven fraction digits and no offset (UTC)
        received = ts.replace("Z", ".1234567")
        for rcpt in _recipients(to, cc, bcc):
            rows.append(v2_row(received, address(sender), rcpt, "Delivered", mid))
    return write(path, csv_text(V2_COLUMNS, rows, type_line=True), encoding)


def _status(rcpt: str) -> str:
    return f"{rcpt}##Receive, " + ("Deliver" if rcpt.endswith("@example.com") else "Send")


def smallorg_summary(path: Path, encoding: str = "utf-16-bom") -> Path:
    """The small organization's email as an enhanced summary report (one row per message)."""
    rows = []
    for n, (mid, ts, sender, to, cc, bcc) in enumerate(EMAILS):
        rows.append({
            "origin_timestamp_utc": ts, "sender_address": address(sender),
            "recipient_status": ";".join(_status(r) for r in _recipients(to, cc, bcc)),
            "message_subject": CANARY, "total_bytes": "5120", "message_id": mid,
            "network_message_id": f"{n:08x}-aaaa-bbbb-cccc-000000000000", "original_client_ip": "10.0.0.2",
            "directionality": "Originating", "connector_id": "", "delivery_priority": "Normal",
        })  # fmt: skip
    return write(path, csv_text(SUMMARY_COLUMNS, rows), encoding)


def ext_row(ts: str, event: str, sender: str, rcpt: str, mid: str, nmid: str, related: str = "") -> dict[str, str]:
    return {"date_time_utc": ts, "client_ip": "10.0.0.3", "client_hostname": "host", "server_ip": "",
            "server_hostname": "EX01", "source_context": "", "connector_id": "", "source": "SMTP",
            "event_id": event, "internal_message_id": "42", "message_id": mid, "network_message_id": nmid,
            "recipient_address": rcpt, "recipient_status": "250 2.1.5 OK" if event == "DELIVER" else "",
            "total_bytes": "9000", "recipient_count": str(len(rcpt.split(";"))),
            "related_recipient_address": related, "reference": "", "message_subject": CANARY,
            "sender_address": sender, "return_path": sender, "message_info": "", "directionality": "Originating",
            "tenant_id": "t-1", "original_client_ip": "", "original_server_ip": "", "custom_data": CANARY}  # fmt: skip


def smallorg_extended(path: Path, encoding: str = "utf-16le") -> Path:
    """The small organization's email as an extended report (RECEIVE, then DELIVER or SEND per recipient)."""
    rows = []
    for n, (mid, ts, sender, to, cc, bcc) in enumerate(EMAILS):
        nmid = f"{n:08x}-dddd-eeee-ffff-000000000000"
        rcpts = _recipients(to, cc, bcc)
        rows.append(ext_row(ts, "RECEIVE", address(sender), ";".join(rcpts), mid, nmid))
        later = ts.replace(":00Z", ":02Z")
        for r in rcpts:
            rows.append(ext_row(later, "DELIVER" if r.endswith("@example.com") else "SEND", address(sender), r, mid, nmid))
    return write(path, csv_text(EXTENDED_COLUMNS, rows), encoding)


# ------------------------------------------------------------------ Gmail


def usec(ts: str) -> int:
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1_000_000)


def gmail_event(ts: str, event_type: int, mid: str, sender: str, dests: Sequence[str], *, success: bool = True,
                responses: Sequence[str | None] | None = None) -> dict:  # fmt: skip
    """One row of the Gmail logs table as BigQuery exports it to JSON (integers as strings)."""
    responses = responses or [None] * len(dests)
    return {
        "event_info": {"timestamp_usec": str(usec(ts)), "elapsed_time_usec": "2115", "success": success,
                       "mail_event_type": str(event_type)},  # fmt: skip
        "message_info": {
            "action_type": "10",
            "rfc2822_message_id": mid,
            "subject": f"{CANARY} quarterly plan",
            "payload_size": "33084",
            "source": {"address": sender, "service": "gmail-ui", "from_header_address": sender,
                       "from_header_displayname": CANARY},  # fmt: skip
            "destination": [
                {"address": d, "service": "smtp-outbound" if not d.endswith("@example.com") else "gmail-ui",
                 "selector": "", "rcpt_response": r}
                for d, r in zip(dests, responses, strict=True)
            ],  # fmt: skip
            "flattened_destinations": ",".join(f"gmail-ui::{d}" for d in dests),
            "is_spam": False,
            "connection_info": {"client_ip": "10.1.1.1", "is_internal": True},
            "attachment": [{"file_name": f"{CANARY}.pdf", "file_extension_type": "pdf"}],
        },
    }


def smallorg_gmail_events() -> list[dict]:
    """A sent event per message, and the received events Gmail logs beside them (which must not count)."""
    events = []
    for mid, ts, sender, to, cc, bcc in EMAILS:
        rcpts = _recipients(to, cc, bcc)
        events.append(gmail_event(ts, 1, mid, address(sender), rcpts))
        for r in rcpts:
            if r.endswith("@example.com"):
                events.append(gmail_event(ts, 2, mid, address(sender), [r]))
                events.append(gmail_event(ts, 7, mid, address(sender), [r]))  # opened
    return events


def write_jsonl(path: Path, events: Iterable[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


GMAIL_CSV_COLUMNS = ["event_info.timestamp_usec", "event_info.mail_event_type", "event_info.success",
                     "message_info.rfc2822_message_id", "message_info.subject",
                     "message_info.source.from_header_address", "message_info.destination.address",
                     "message_info.destination.rcpt_response"]  # fmt: skip


def smallorg_gmail_csv(path: Path) -> Path:
    """The sent events flattened to CSV (one row per destination, as a query with UNNEST writes them)."""
    rows = []
    for e in smallorg_gmail_events():
        info, msg = e["event_info"], e["message_info"]
        for d in msg["destination"]:
            rows.append({
                "event_info.timestamp_usec": info["timestamp_usec"], "event_info.mail_event_type": info["mail_event_type"],
                "event_info.success": "true", "message_info.rfc2822_message_id": msg["rfc2822_message_id"],
                "message_info.subject": msg["subject"], "message_info.source.from_header_address": msg["source"]["address"],
                "message_info.destination.address": d["address"], "message_info.destination.rcpt_response": "",
            })  # fmt: skip
    return write(path, csv_text(GMAIL_CSV_COLUMNS, rows))
