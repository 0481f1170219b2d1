"""/api/v1/health: liveness, no key needed."""

from __future__ import annotations

from fastapi import APIRouter

import ona
from api.models import Health

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health, summary="Liveness (no key needed)")
def health() -> Health:
    """Answers as soon as the server is up."""
    return Health(version=ona.__version__)
