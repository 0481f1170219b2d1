"""/api/v1/admin: workspaces, API keys and the audit log (admin keys only).

The same operations as ``ona keys`` and ``ona audit``, for a running
service: they act on the control database at once, so a key revoked here
is refused on its very next request, and its page sessions end. An admin
key reads no workspace data (every data route answers it 403).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminDep, KeysDep
from api.errors import problem_responses
from api.models import ID_PATTERN
from api.paging import DEFAULT_LIMIT, Limit, Offset, Page
from ona.store.control import DEFAULT_WORKSPACE, WORKSPACE_PATTERN, AuditRecord, KeyInfo, Role

router = APIRouter(prefix="/admin", tags=["admin"], responses=problem_responses(401, 403, 422))

Workspace = Annotated[str, Field(pattern=WORKSPACE_PATTERN, description="a workspace (client or organization) name")]


class WorkspaceInfo(BaseModel):
    name: str
    active_keys: int = Field(description="keys of the workspace that work now")


class KeyRequest(BaseModel):
    """A key to create."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    workspace: Workspace = DEFAULT_WORKSPACE
    name: str = Field("", max_length=200, description="what the key is for (who holds it)")
    expires_in_days: float | None = Field(None, gt=0, le=3650, description="the key stops working after this")


class CreatedKey(BaseModel):
    key: KeyInfo
    secret: str = Field(description="the key's secret, shown this once only")


class AuditPage(Page[AuditRecord]):
    """A page of the audit log, oldest first."""


@router.get("/workspaces", response_model=list[WorkspaceInfo], summary="List workspaces")
def list_workspaces(admin: AdminDep, keys: KeysDep) -> list[WorkspaceInfo]:
    """Every workspace, with how many of its keys work now."""
    active: dict[str, int] = {}
    for k in keys.control.list_keys(include_revoked=False):
        if k.workspace is not None and k.active:
            active[k.workspace] = active.get(k.workspace, 0) + 1
    return [WorkspaceInfo(name=w, active_keys=active.get(w, 0)) for w in keys.control.workspaces()]


@router.get("/keys", response_model=list[KeyInfo], summary="List API keys")
def list_keys(
    admin: AdminDep,
    keys: KeysDep,
    workspace: Annotated[str | None, Query(pattern=WORKSPACE_PATTERN, description="only this workspace's")] = None,
) -> list[KeyInfo]:
    """Keys, oldest first (never their secrets), with their role, workspace, expiry and revocation."""
    return keys.control.list_keys(workspace=workspace)


@router.post("/keys", status_code=201, response_model=CreatedKey, summary="Create an API key")
def create_key(body: KeyRequest, admin: AdminDep, keys: KeysDep, request: Request) -> CreatedKey:
    """Create a key (the workspace is created if new); its secret is in this answer only."""
    expires = None if body.expires_in_days is None else timedelta(days=body.expires_in_days)
    key, secret = keys.control.create_key(role=body.role, workspace=body.workspace, name=body.name, expires_in=expires)
    request.state.audit_object = f"key_id={key.key_id}"
    request.state.audit_workspace = key.workspace
    return CreatedKey(key=key, secret=secret)


@router.delete(
    "/keys/{key_id}", response_model=KeyInfo, summary="Revoke an API key", responses=problem_responses(404)
)
def revoke_key(
    key_id: Annotated[str, Path(pattern=ID_PATTERN, description="a key id")], admin: AdminDep, keys: KeysDep, request: Request
) -> KeyInfo:
    """Revoke a key: refused from its next request on, its page sessions ended (its record is kept)."""
    key = keys.control.revoke_key(key_id)
    request.state.audit_workspace = key.workspace
    return key


@router.get("/audit", response_model=AuditPage, summary="Read the audit log")
def audit_log(
    admin: AdminDep,
    keys: KeysDep,
    workspace: Annotated[str | None, Query(pattern=WORKSPACE_PATTERN, description="only this workspace's")] = None,
    since: Annotated[datetime | None, Query(description="only records at or after this instant (ISO 8601)")] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> AuditPage:
    """Who read person-level data or changed state: time, key, workspace, route, ids named, outcome."""
    rows = keys.control.audit_log(workspace=workspace, since=since, limit=limit, offset=offset)
    total = keys.control.audit_count(workspace=workspace, since=since)
    return AuditPage(items=rows, total=total, offset=offset, limit=limit)
