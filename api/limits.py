"""Limits on requests, enforced before a body is read (ASGI middleware).

Size: a declared ``Content-Length`` above ``max_upload_bytes`` is refused
with 413 before anything is read; a body without one (chunked) is counted
as it streams and refused as soon as it passes the limit, so an oversized
upload is never spooled to disk in full.

Uploads (:data:`UPLOAD_ROUTES`): FastAPI parses a multipart body before
any dependency runs, so the route's own key check would come after the
whole upload had been received and spooled. Here, before the first byte of
the body is read, the ``Authorization`` key is checked (401 without a good
key, 403 for a role that may not upload, with the wording of
:mod:`api.deps`) and the key's uploads are rate-limited (429 with
``Retry-After``, ``upload_rate`` uploads per ``upload_rate_seconds``). The
route checks the key again; this guard only refuses early what the route
would refuse anyway, plus the rate limit.
"""

from __future__ import annotations


import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Keys
from api.errors import ApiError, Forbidden, TooManyRequests, Unauthorized, http_error, problem_response, status_of
from api.ratelimit import RateLimiter
from api.settings import Settings

#: (method, path) of the routes that take an upload body.
UPLOAD_ROUTES: frozenset[tuple[str, str]] = frozenset({("POST", "/api/v1/datasets")})

#: Roles whose key may upload (the route's AnalystDep).
UPLOAD_ROLES = frozenset({"analyst"})


class BodySizeLimit:
    """Refuse oversized bodies (413) and unauthorized or too frequent uploads, unread.

    Parameters
    ----------
    app : ASGI app
    max_bytes : int
        Largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._uploads: RateLimiter | None = None  # built from the app's settings at first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (scope["method"], scope["path"].rstrip("/")) in UPLOAD_ROUTES:
            refusal = await self._upload_refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            # No route has run yet: answer here, worded by the same handler.
            response = await http_error(Request(scope, receive), HTTPException(413))
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing unchanged
                    # and reaches the problem+json handler.
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)

    async def _upload_refusal(self, scope: Scope) -> Response | None:
        """The answer refusing this upload, or None to let it through (reads no body)."""
        request = Request(scope)
        secret = _bearer(scope)
        if secret is None:
            return _problem(request, Unauthorized("this route needs an API key: send 'Authorization: Bearer <key>'"))
        state = scope["app"].state
        keys: Keys = state.keys
        key = await anyio.to_thread.run_sync(keys.check, secret)
        if key is None:
            return _problem(request, Unauthorized("the API key is unknown, revoked or expired"))
        # the audit log names the key of a refused upload too
        scope.setdefault("state", {})["key"] = key
        if key.role not in UPLOAD_ROLES:
            return _problem(
                request,
                Forbidden(f"this route is for the analyst role; key '{key.key_id}' has the {key.role} role"),
            )
        wait = self._limiter(state.settings).retry_after(key.key_id)
        if wait is not None:
            settings = state.settings
            return _problem(
                request,
                TooManyRequests(
                    f"too many uploads with this key: at most {settings.upload_rate} per "
                    f"{settings.upload_rate_seconds:g} s (settings ONA_UPLOAD_RATE and "
                    f"ONA_UPLOAD_RATE_SECONDS); try again in {wait} s",
                    retry_after=wait,
                ),
            )
        return None

    def _limiter(self, settings: Settings) -> RateLimiter:
        if self._uploads is None:
            self._uploads = RateLimiter(settings.upload_rate, settings.upload_rate_seconds)
        return self._uploads


def _problem(request: Request, exc: ApiError) -> Response:
    return problem_response(
        request, status_of(exc), exc.detail, title=exc.title, kind=exc.kind, headers=exc.headers
    )


def _bearer(scope: Scope) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header, or None."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").strip().partition(" ")
            secret = secret.strip()
            return secret if scheme.lower() == "bearer" and secret else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
