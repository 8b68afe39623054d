"""HTTPS clients that trust the lab CA and nothing else."""

from __future__ import annotations

from pathlib import Path

import requests

from simulators.core.journal import TRACE_HEADER, current_trace, new_trace_id


def lab_session(
    ca_file: str | Path, *, session: requests.Session | None = None
) -> requests.Session:
    """A requests session verifying against ``ca_file`` only.

    ``trust_env`` is off: requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a
    session's ``verify``, and lab traffic must never go through an environment proxy.
    """
    session = session or requests.Session()
    session.trust_env = False
    session.verify = str(ca_file)
    return session


class TracingSession(requests.Session):
    """A lab session that sends the current request's trace id (or a fresh one) onward."""

    def request(self, method, url, **kwargs):  # type: ignore[override]
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault(TRACE_HEADER, current_trace.get() or new_trace_id())
        return super().request(method, url, headers=headers, **kwargs)
