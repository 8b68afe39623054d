"""A bounded, redacted record of every request and response on every host of a process."""

from __future__ import annotations

import collections
import contextvars
import itertools
import json
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BODY_CAP = 64 * 1024
TRACE_HEADER = "X-Lab-Trace"
REDACTED = "[redacted]"

_SECRET_KEY = re.compile(
    r"(pass(word|wd)?$|password|secret|api[_-]?key|private[_-]?key|privatekey|assertion$"
    r"|^(access|refresh|id)_?token$|^token$|^code_verifier$|^cookie$|^authorization$)",
    re.IGNORECASE,
)
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

current_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "m365lab_trace", default=None
)
"""Trace id of the request being served; outgoing server-to-server calls carry it on."""


_JSON_SECRET = re.compile(r'"([A-Za-z_-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


def _redact_json_pair(match: re.Match) -> str:
    key, sep, value = match.groups()
    return f'"{key}"{sep}"{REDACTED}"' if is_secret_key(key) and value else match.group(0)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and key.lower() not in {"token_type", "password_expired"}


def redact_jwt(text: str) -> str:
    """Keep a JWT's header and claims readable; drop its signature so it cannot be replayed."""
    return _JWT.sub(lambda m: m.group(0).rsplit(".", 1)[0] + ".[signature-redacted]", text)


def redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str) and _JWT.search(value):
        return redact_jwt(value)
    if is_secret_key(key) and value not in (None, "", [], {}):
        return REDACTED
    return value


def redact_tree(data: Any) -> Any:
    """Redact secrets in a parsed JSON document, recursively."""
    if isinstance(data, dict):
        return {
            k: (redact_tree(v) if isinstance(v, dict | list) else redact_value(k, v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_tree(v) for v in data]
    return data


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if low in _SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            if low in {"authorization", "proxy-authorization"} and rest and _JWT.search(rest):
                value = f"{scheme} {redact_jwt(rest)}"
            elif low in {"authorization", "proxy-authorization"} and rest:
                value = f"{scheme} {REDACTED}"
            else:
                value = REDACTED
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def redact_query(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, redact_value(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="[]:/$,")))


def redact_form(pairs: Iterable[tuple[str, str]]) -> str:
    return urlencode([(k, redact_value(k, v)) for k, v in pairs], safe="[]:/$,")


def redact_body(raw: bytes, content_type: str) -> str:
    """Body text for the journal: secrets redacted, capped at BODY_CAP bytes."""
    if not raw:
        return ""
    ctype = (content_type or "").split(";")[0].strip().lower()
    text: str
    if ctype == "application/x-www-form-urlencoded":
        text = redact_form(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    elif ctype.endswith("json") and len(raw) > BODY_CAP:
        # Large bodies are truncated anyway; redact by pattern instead of a full parse.
        text = redact_jwt(
            _JSON_SECRET.sub(_redact_json_pair, raw[:BODY_CAP].decode("utf-8", "replace"))
        )
    elif ctype.endswith("json"):
        try:
            text = json.dumps(redact_tree(json.loads(raw)), ensure_ascii=False)
        except (ValueError, UnicodeDecodeError):
            text = redact_jwt(raw[:BODY_CAP].decode("utf-8", "replace"))
    elif ctype.startswith("text/") or ctype.endswith("xml") or not ctype:
        text = redact_jwt(raw[:BODY_CAP].decode("utf-8", "replace"))
    else:
        return f"[{len(raw)} bytes of {ctype}]"
    encoded = text.encode("utf-8")
    if len(encoded) > BODY_CAP or len(raw) > BODY_CAP:
        text = encoded[:BODY_CAP].decode("utf-8", "ignore") + f"…[truncated, {len(raw)} bytes]"
    return text


@dataclass
class RawExchange:
    """What the request path captures: copied as is, redacted only when the journal is read.

    Redacting every page on the hot path cost about a quarter of a federated sign-in.
    """

    url: str
    request_headers: list[tuple[str, str]] | dict[str, str]
    """Header pairs, or the WSGI environ's ``HTTP_*`` / ``CONTENT_*`` items as captured."""
    request_body: bytes | list[tuple[str, str]]
    request_type: str
    response_headers: list[tuple[str, str]]
    response_body: bytes | None
    response_type: str

    def size(self) -> int:
        body = self.request_body
        req = len(body) if isinstance(body, bytes) else sum(len(k) + len(v) for k, v in body)
        return 512 + min(req, BODY_CAP) + min(len(self.response_body or b""), BODY_CAP)

    def render(self) -> dict:
        body = self.request_body
        return {
            "url": redact_query(self.url),
            "request_headers": redact_headers(_header_pairs(self.request_headers)),
            "request_body": redact_body(body, self.request_type)
            if isinstance(body, bytes)
            else redact_form(body),
            "response_headers": redact_headers(self.response_headers),
            "response_body": "[streamed]"
            if self.response_body is None
            else redact_body(self.response_body, self.response_type),
        }


def _header_pairs(headers: list[tuple[str, str]] | dict[str, str]) -> list[tuple[str, str]]:
    if isinstance(headers, list):
        return headers
    pairs = []
    for key, value in headers.items():
        name = key[5:] if key.startswith("HTTP_") else key
        pairs.append(("-".join(part.capitalize() for part in name.split("_")), value))
    return pairs


class Journal:
    """Ring buffer of exchanges, bounded by count and by total body bytes (oldest dropped)."""

    def __init__(self, max_entries: int = 20_000, max_bytes: int = 48 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: collections.deque[dict] = collections.deque()
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self.dropped = 0

    @staticmethod
    def _size(entry: dict) -> int:
        raw = entry.get("_raw")
        if raw is not None:
            return raw.size()
        return 512 + len(entry.get("request_body") or "") + len(entry.get("response_body") or "")

    def record(self, entry: dict) -> dict:
        """Store ``entry`` and give it a sequence number.

        ``entry`` is either redacted already or carries a ``_raw`` RawExchange, rendered (and
        redacted) the first time the entry is read.
        """
        size = self._size(entry)
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                old = self._entries.popleft()
                self._bytes -= self._size(old)
                self.dropped += 1
        return entry

    def query(
        self,
        *,
        trace: str | None = None,
        since: int | float | None = None,
        host: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Entries, oldest first; ``since`` is a sequence number (exclusive)."""
        with self._lock:
            entries = list(self._entries)
        with self._render_lock:
            for entry in entries:
                raw = entry.pop("_raw", None)
                if raw is not None:
                    entry.update(raw.render())
        out = [
            e
            for e in entries
            if (trace is None or e.get("trace") == trace)
            and (since is None or e["seq"] > since)
            and (host is None or e.get("host") == host)
        ]
        return out[-limit:] if limit else out

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> dict:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "dropped": self.dropped,
                "max_entries": self.max_entries,
                "max_bytes": self.max_bytes,
            }
