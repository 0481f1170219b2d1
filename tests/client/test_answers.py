"""Answers no real `ona serve` gives on demand: a proxy's HTML error page, a rate limit, a timeout.

They come from httpx's MockTransport; what the real server answers is tested
in test_errors.py.
"""

from __future__ import annotations

import httpx
import pytest

from ona.client import Client, ClientError, ConnectionFailed, RateLimited, ServerError


def client_answering(handler: httpx.MockTransport) -> Client:
    return Client("http://ona.example", "ona_key", transport=handler)


def test_a_proxy_error_page_is_a_server_error_with_its_text() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html><body>Bad gateway: upstream down</body></html>")

    with client_answering(httpx.MockTransport(answer)) as client, pytest.raises(ServerError) as caught:
        client.list_datasets()
    assert caught.value.status == 502 and caught.value.title == "Bad Gateway"
    assert "upstream down" in caught.value.detail


def test_429_carries_retry_after() -> None:
    problem = {"type": "urn:ona:problem:rate-limited", "title": "Too many requests", "status": 429,
               "detail": "this key uploaded 10 times in 600 s", "instance": "/api/v1/datasets", "errors": []}  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json=problem, headers={"Retry-After": "42"})

    with client_answering(httpx.MockTransport(answer)) as client, pytest.raises(RateLimited) as caught:
        client.get_dataset("abc")
    assert caught.value.retry_after == 42 and caught.value.problem == problem
    assert str(caught.value) == "429 Too many requests: this key uploaded 10 times in 600 s"


def test_an_unlisted_status_is_a_client_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, json={"title": "Teapot", "status": 418, "detail": "short and stout"})

    with client_answering(httpx.MockTransport(answer)) as client, pytest.raises(ClientError) as caught:
        client.get_dataset("abc")
    assert type(caught.value) is ClientError and caught.value.detail == "short and stout"


def test_a_timeout_is_a_connection_failure() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with client_answering(httpx.MockTransport(answer)) as client, pytest.raises(ConnectionFailed) as caught:
        client.get_analysis("abc")
    assert "did not answer in time" in caught.value.detail and caught.value.status is None


def test_the_key_is_sent_as_a_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "total": 0, "offset": 0, "limit": 1000})

    with client_answering(httpx.MockTransport(answer)) as client:
        assert client.list_analyses("d1") == []
    assert seen[0].headers["Authorization"] == "Bearer ona_key"
    assert seen[0].url == "http://ona.example/api/v1/analyses?dataset_id=d1&offset=0&limit=1000"


def test_an_id_is_one_path_segment() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"title": "Not found", "status": 404, "detail": "no"})

    with client_answering(httpx.MockTransport(answer)) as client, pytest.raises(ClientError):
        client.delete_dataset("../analyses/x?y=1")
    assert seen[0].url.raw_path == b"/api/v1/datasets/..%2Fanalyses%2Fx%3Fy%3D1"
