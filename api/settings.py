"""Service settings: the only configuration the HTTP service reads.

Every field can be set from the environment with the ``ONA_`` prefix
(``ONA_STORE=/srv/ona.duckdb``, ``ONA_MAX_UPLOAD_BYTES=52428800``); ``ona
serve`` passes its options on top. The library itself reads no environment:
it takes :class:`ona.params.AnalysisParams`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the ona HTTP service."""

    model_config = SettingsConfigDict(env_prefix="ONA_", extra="ignore")

    store: Path = Field(
        Path("ona.duckdb"),
        description="DuckDB store file holding datasets, analyses, results and API keys "
        "(':memory:' for a throw-away store)",
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024,
        description="largest request body accepted, in bytes (a dataset upload with all its files); "
        "larger requests get 413",
    )
    viewer_min_group_size: int = Field(
        5,
        ge=1,
        description="floor of the minimum group size applied to viewer results, whatever the "
        "analysis' own min_group_size (a smaller group is never shown to a viewer)",
    )
    session_hours: float = Field(
        12.0, gt=0, le=24 * 30, description="a leaders' page sign-in lasts at most this long (absolute expiry)"
    )
    session_idle_minutes: float = Field(
        30.0, gt=0, description="a sign-in ends after this long without a page request (idle expiry)"
    )
    sign_in_attempts: int = Field(
        10, ge=0, description="sign-in attempts allowed per client address per minute (0: no limit); "
        "more get 429 with Retry-After"
    )
    result_cache_size: int = Field(
        32, ge=0, description="finished results kept parsed in memory (results never change once done)"
    )
    upload_report_rejects: int = Field(
        100, ge=0, description="rejected rows included in the upload answer (the rest via /validation)"
    )
    analysis_time_limit: float = Field(
        3600.0,
        gt=0,
        description="seconds an analysis may run; past it, it is stopped at its next stage boundary "
        "and marked failed (a stage is never interrupted in the middle)",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment (read once)."""
    return Settings()  # type: ignore[call-arg]  # values come from the environment
