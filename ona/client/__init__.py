"""A Python client of ona's HTTP API, for people-analytics notebooks.

::

    from ona.client import Client
    with Client("http://127.0.0.1:8000", key) as client:
        upload = client.upload_dataset("sample_data", name="sample")
        job = client.analyze(upload.dataset_id, {"seed": 7})
        client.wait(job.analysis_id, on_progress=lambda a: print(a.stage, a.progress))
        frames = client.frames(job.analysis_id)       # one pandas DataFrame per part
        frames.groups[frames.groups.silo]

Every answer is parsed into ona's own types (:class:`ona.store.DatasetInfo`,
:class:`ona.store.AnalysisInfo`, :class:`ona.results.AnalysisResult`); every
error answer raises a :class:`ClientError` carrying the server's problem
details (:mod:`ona.client.errors`).
"""

from __future__ import annotations

from ona.client.client import Client, OnProgress, Upload
from ona.client.errors import (
    AnalysisFailed,
    BadRequest,
    ClientError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    ServerError,
    TooLarge,
    Unauthorized,
    WaitTimeout,
)

__all__ = [
    "AnalysisFailed",
    "BadRequest",
    "Client",
    "ClientError",
    "Conflict",
    "ConnectionFailed",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "OnProgress",
    "RateLimited",
    "ServerError",
    "TooLarge",
    "Unauthorized",
    "Upload",
    "WaitTimeout",
]
