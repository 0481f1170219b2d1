"""The audit log and the no-store rule, as one ASGI middleware.

Every request that changes state (POST, PUT, PATCH, DELETE: uploads,
analyses, cancels, deletions, keys, sign-in and sign-out) and every request
by an analyst that reads person-level data (:data:`PERSON_LEVEL`) writes an
:class:`ona.store.control.AuditRecord`: time, key id, role, workspace,
route template, the ids it named and the HTTP status. A request that never
got past the key check is not recorded (there is no one to name), except a
sign-in attempt, which is rate-limited. Neither a secret nor a session id
is ever written: the record holds the key's id and the route's path ids.

Data answers (``/api/v1/...``) carry ``Cache-Control: no-store``, whatever
the route set, so no shared or browser cache keeps them.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ona.store.control import KeyInfo

log = logging.getLogger("ona.api.audit")

API_PREFIX = "/api/v1"
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Routes whose answer to an analyst holds person-level data (people, identities, rejected rows).
PERSON_LEVEL = frozenset(
    {
        "/api/v1/analyses/{analysis_id}/people",
        "/api/v1/analyses/{analysis_id}/key-people",
        "/api/v1/analyses/{analysis_id}/result",
        "/api/v1/analyses/{analysis_id}/recommendations",
        "/api/v1/analyses/{analysis_id}/figures/{name}",
        "/api/v1/analyses/{analysis_id}/report",
        "/api/v1/datasets/{dataset_id}/validation",
        "/analyses/{analysis_id}",
        "/analyses/{analysis_id}/figures/{name}.json",
        "/analyses/{analysis_id}/report",
    }
)
SIGN_IN = "/sign-in"


def audited(method: str, template: str, key: KeyInfo | None) -> bool:
    """Whether a request is written to the audit log (see the module docstring)."""
    if template == SIGN_IN:
        return True
    if key is None:
        return False
    if method in CHANGES:
        return True
    return key.role == "analyst" and template in PERSON_LEVEL


def route_template(path: str, params: dict[str, Any]) -> str:
    """The route a path matched, its ids put back as ``{name}`` (``/api/v1/analyses/{analysis_id}/people``)."""
    names = {str(v): k for k, v in params.items()}
    segments = []
    for segment in path.split("/"):
        stem, dot, ext = segment.partition(".")
        if segment in names:
            segment = "{" + names[segment] + "}"
        elif dot and stem in names:
            segment = "{" + names[stem] + "}." + ext
        segments.append(segment)
    return "/".join(segments)


class AuditLog:
    """ASGI middleware: audit records after each answer, and ``no-store`` on data answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 0
        data = scope["path"].startswith(API_PREFIX)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if data:
                    MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            await self._record(scope, state, status or 500)

    async def _record(self, scope: Scope, state: dict[str, Any], status: int) -> None:
        params = scope.get("path_params") or {}
        template = route_template(scope["path"], params)
        key = state.get("key")
        method = scope["method"]
        if not audited(method, template, key):
            return
        named = ";".join(f"{k}={v}" for k, v in sorted(params.items()) if k.endswith("_id") or k == "name")
        extra = state.get("audit_object")
        object_ = ";".join(part for part in (named, extra) if part) or None
        app = scope["app"]
        control = app.state.store.control

        def write() -> None:
            control.audit(
                action=f"{method} {template}",
                outcome=status,
                key=key,
                workspace=state.get("audit_workspace"),
                object=object_,
            )

        try:
            await anyio.to_thread.run_sync(write)
        except Exception:  # noqa: BLE001 - the face: a failed audit write is logged, the answer stands
            log.exception("could not write the audit record of %s %s", method, template)
