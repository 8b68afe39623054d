"""The retry policy of Graph calls and the client that applies it (no network)."""

from __future__ import annotations

import pytest

from simulators.core.wire import TransportError
from simulators.jumpcloud.m365.graphclient import AuthorizationLost, GraphClient, GraphError
from simulators.jumpcloud.m365.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), (" 2 ", 2.0), ("2.128", 2.128), ("0", 0.0), ("-1", None), ("soon", None),
     (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)  # fmt: skip
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_retry_after_is_honoured_for_retryable_statuses():
    policy = RetryPolicy(max_retries=5, max_total_wait=60)
    for status in (429, 503, 504):
        assert policy.delay(1, status, "7", 0) == 7
    assert policy.delay(1, 400, "7", 0) is None
    assert policy.delay(1, 404, None, 0) is None


def test_retries_are_bounded_in_count_and_total_wait():
    policy = RetryPolicy(max_retries=5, max_total_wait=10)
    assert policy.delay(5, 429, "1", 4) == 1
    assert policy.delay(6, 429, "1", 5) is None  # sixth retry: over the count
    assert policy.delay(2, 429, "8", 4) is None  # 4 + 8 > 10: over the total


def test_backoff_doubles_without_retry_after_and_is_capped():
    policy = RetryPolicy(max_retries=10, max_total_wait=1000, base_delay=1, max_delay=5)
    assert [policy.delay(n, 503, None, 0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]
    assert policy.delay(1, 0, None, 0) == 1  # no answer at all: retried like a 503


class FakeResponse:
    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        self.status = status
        self._body = body
        self.headers = headers or {}
        self.content = b"{}" if body is not None else b""

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


class FakeSession:
    def __init__(self, responses: list):
        self.responses = list(responses)
        self.calls: list[tuple[str, str, dict]] = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs["headers"]))
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class FakeTokens:
    def __init__(self, refreshed: str | Exception = "t2"):
        self.refreshed = refreshed
        self.refreshes = 0

    def access_token(self) -> str:
        return "t1"

    def refresh(self, rejected: str) -> str:
        self.refreshes += 1
        if isinstance(self.refreshed, Exception):
            raise self.refreshed
        return self.refreshed


def client_with(
    responses: list, tokens: FakeTokens | None = None, policy: RetryPolicy | None = None
):
    session = FakeSession(responses)
    slept: list[float] = []
    client = GraphClient(
        "https://graph.example/v1.0",
        tokens or FakeTokens(),
        lambda: session,
        policy=policy or RetryPolicy(max_retries=5, max_total_wait=60),
        sleep=slept.append,
    )
    return client, session, slept


def throttled(seconds: str = "1") -> FakeResponse:
    body = {"error": {"code": "TooManyRequests", "message": "Please retry again later."}}
    return FakeResponse(429, body, {"Retry-After": seconds})


def test_client_sleeps_retry_after_then_succeeds_and_counts_attempts():
    client, session, slept = client_with(
        [throttled("2"), throttled("1"), FakeResponse(200, {"ok": 1})]
    )
    assert client.call("GET", "/users") == {"ok": 1}
    assert slept == [2.0, 1.0]
    assert client.counter.total == 3 and len(session.calls) == 3
    assert session.calls[0][1] == "https://graph.example/v1.0/users"
    assert session.calls[0][2]["Authorization"] == "Bearer t1"


def test_client_gives_up_after_the_budget_with_the_graph_error():
    client, _, slept = client_with([throttled()] * 6)
    with pytest.raises(GraphError) as info:
        client.call("PATCH", "/users/x", json={"a": 1})
    assert info.value.status == 429 and info.value.transient
    assert info.value.code == "TooManyRequests" and info.value.path == "/v1.0/users/x"
    assert slept == [1.0] * 5


def test_client_does_not_retry_a_bad_request():
    body = {"error": {"code": "Request_BadRequest", "message": "bad"}}
    client, session, slept = client_with([FakeResponse(400, body)])
    with pytest.raises(GraphError) as info:
        client.call("POST", "/users", json={})
    assert (info.value.status, info.value.code, info.value.transient) == (
        400,
        "Request_BadRequest",
        False,
    )
    assert slept == [] and len(session.calls) == 1


def test_401_refreshes_once_then_reports_the_lost_authorization():
    body = {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}}
    tokens = FakeTokens()
    client, session, _ = client_with([FakeResponse(401, body), FakeResponse(204)], tokens)
    assert client.call("PATCH", "/users/x", json={}) is None
    assert tokens.refreshes == 1 and session.calls[1][2]["Authorization"] == "Bearer t2"

    client, _, _ = client_with([FakeResponse(401, body), FakeResponse(401, body)], FakeTokens())
    with pytest.raises(AuthorizationLost) as info:
        client.call("GET", "/users")
    assert info.value.code == "InvalidAuthenticationToken"


def test_refresh_refused_surfaces_as_authorization_lost():
    lost = AuthorizationLost("AADSTS50057", "The user account is disabled.")
    client, _, _ = client_with([FakeResponse(401, {"error": {}})], FakeTokens(lost))
    with pytest.raises(AuthorizationLost) as info:
        client.call("GET", "/users")
    assert info.value.code == "AADSTS50057"


def test_connection_errors_are_retried_then_reported_as_no_response():
    error = TransportError("refused")
    client, _, slept = client_with([error, FakeResponse(200, {"v": 1})])
    assert client.call("GET", "/domains") == {"v": 1}
    assert slept == [1.0]
    client, _, _ = client_with([error] * 3, policy=RetryPolicy(max_retries=2))
    with pytest.raises(GraphError) as info:
        client.call("GET", "/domains")
    assert info.value.status == 0 and info.value.transient
