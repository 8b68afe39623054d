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
_SECRET_HEADER_NAME = re.compile(r"token|key|secret|passw|authoriz", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# A PEM private key anywhere in a text, JSON-escaped or not, possibly cut off by the body cap.
_PEM_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[^-\"']*(?:-----END [A-Z0-9 ]*PRIVATE KEY-----)?"
)
_PEM_REDACTED = "-----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY-----"
_BEARER = re.compile(r"\b(Bearer)(\s+)([A-Za-z0-9._~+/=-]{16,})", re.IGNORECASE)
_DESCRIPTIVE = {"type", "name", "label", "id", "format", "encoding", "alg", "algorithm", "kid"}
"""Inner names under a secret key (``idpPrivateKey: {"value": ..., "type": ...}``) kept as is."""

current_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "m365lab_trace", default=None
)
"""Trace id of the request being served; outgoing server-to-server calls carry it on."""


# a closing quote may be missing where the body cap cut the value
_JSON_SECRET = re.compile(r'"([A-Za-z_-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)("|\\?$)')


_FORM_SECRET = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]*)=([^&\s\"'<>]+)")


def _redact_form_pair(match: re.Match) -> str:
    return f"{match.group(1)}={REDACTED}" if is_secret_key(match.group(1)) else match.group(0)


def _redact_json_pair(match: re.Match) -> str:
    key, sep, value, end = match.groups()
    return f'"{key}"{sep}"{REDACTED}{end}' if is_secret_key(key) and value else match.group(0)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and key.lower() not in {"token_type", "password_expired"}


def redact_jwt(text: str) -> str:
    """Keep a JWT's header and claims readable; drop its signature so it cannot be replayed."""
    return _JWT.sub(lambda m: m.group(0).rsplit(".", 1)[0] + ".[signature-redacted]", text)


def redact_text(text: str) -> str:
    """Redact secrets recognised by their value: PEM private keys, bearer tokens, JWT signatures."""
    if "PRIVATE KEY" in text:
        text = _PEM_KEY.sub(_PEM_REDACTED, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(_redact_bearer, text)
    return redact_jwt(text) if "eyJ" in text else text


def _redact_bearer(match: re.Match) -> str:
    if _JWT.fullmatch(match.group(3)):
        return match.group(0)  # redact_jwt keeps its claims readable and drops the signature
    return f"{match.group(1)}{match.group(2)}{REDACTED}"


def redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str) and _JWT.search(value):
        return redact_text(value)
    if is_secret_key(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_tree(data: Any) -> Any:
    """Redact secrets in a parsed JSON document, by key name and by value; any depth."""
    root: list[Any] = [None]
    # (source, destination container, slot, key name, under a secret key); no recursion
    todo: list[tuple[Any, Any, Any, str, bool]] = [(data, root, 0, "", False)]
    while todo:
        value, dest, slot, key, secret_parent = todo.pop()
        if isinstance(value, dict):
            out: dict = {}
            dest[slot] = out
            secret = secret_parent or is_secret_key(key)
            for k, v in value.items():
                out[k] = None
                todo.append((v, out, k, str(k), secret))
        elif isinstance(value, list):
            items: list = [None] * len(value)
            dest[slot] = items
            for i, v in enumerate(value):
                todo.append((v, items, i, key, secret_parent))
        elif secret_parent and key.lower() not in _DESCRIPTIVE and value not in (None, ""):
            dest[slot] = REDACTED
        else:
            dest[slot] = redact_value(key, value)
    return root[0]


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        name, value = str(name), str(value)
        low = name.lower()
        if low in _SECRET_HEADERS or _SECRET_HEADER_NAME.search(low):
            scheme, _, rest = value.partition(" ")
            if low in {"authorization", "proxy-authorization"} and rest and _JWT.search(rest):
                value = f"{scheme} {redact_jwt(rest)}"
            elif low in {"authorization", "proxy-authorization"} and rest:
                value = f"{scheme} {REDACTED}"
            else:
                value = REDACTED
        else:
            value = redact_text(value)
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def redact_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 literal in the Host header
        return redact_text(url)
    if not parts.query:
        return redact_text(url)
    pairs = [(k, redact_value(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="[]:/$,")))


def redact_form(pairs: Iterable[tuple[str, str]]) -> str:
    return urlencode([(k, redact_value(k, v)) for k, v in pairs], safe="[]:/$,")


def redact_raw_text(raw: bytes) -> str:
    """Text of bytes that could not be parsed: decoded leniently, secrets redacted by pattern."""
    text = raw[:BODY_CAP].decode("utf-8", "replace")
    text = _JSON_SECRET.sub(_redact_json_pair, text)
    return redact_text(_FORM_SECRET.sub(_redact_form_pair, text) if "=" in text else text)


def _redact_json(raw: bytes) -> str:
    try:
        return json.dumps(redact_tree(json.loads(raw)), ensure_ascii=False)
    except (ValueError, UnicodeDecodeError, RecursionError, TypeError) as exc:
        note = "nested too deeply" if isinstance(exc, RecursionError) else "not valid JSON"
        return f"[{note}; shown as text] " + redact_raw_text(raw)


def _redact_body(raw: bytes, ctype: str) -> str:
    if ctype == "application/x-www-form-urlencoded" and raw.lstrip()[:1] in (b"{", b"["):
        ctype = "application/json"  # a mislabelled JSON body: as a form its secrets hide in a key
    if ctype == "application/x-www-form-urlencoded":
        return redact_form(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if ctype.endswith("json") and len(raw) > BODY_CAP:
        # Large bodies are truncated anyway; redact by pattern instead of a full parse.
        return redact_raw_text(raw)
    if ctype.endswith("json"):
        return _redact_json(raw)
    if ctype.startswith("text/") or ctype.endswith("xml") or not ctype:
        return redact_raw_text(raw)
    return f"[{len(raw)} bytes of {ctype}]"


def redact_body(raw: bytes, content_type: str) -> str:
    """Body text for the journal: secrets redacted, capped at BODY_CAP bytes; never raises."""
    if not raw:
        return ""
    ctype = (content_type or "").split(";")[0].strip().lower()
    try:
        text = _redact_body(raw, ctype)
    except Exception:  # a total function: whatever the bytes, an entry people can read
        text = f"[{len(raw)} bytes that could not be decoded; shown as text] " + redact_raw_text(
            raw
        )
    encoded = text.encode("utf-8", "replace")
    if len(encoded) > BODY_CAP or len(raw) > BODY_CAP:
        text = encoded[:BODY_CAP].decode("utf-8", "ignore") + f"…[truncated, {len(raw)} bytes]"
    return text


ENTRY_OVERHEAD = 2300
"""The entry dict, its small values and the exchange object, in bytes."""
PAIR_OVERHEAD = 110
"""A header pair's tuple and two str objects, beyond their characters."""


def _pairs_size(pairs) -> int:
    return sum(len(k) + len(v) + PAIR_OVERHEAD for k, v in pairs)


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
        """Bytes of memory this exchange and its entry hold, near enough (measured: within 1%
        of a deep ``sys.getsizeof`` on sign-in traffic; bodies alone were a third of it)."""
        body = self.request_body
        req = len(body) if isinstance(body, bytes) else _pairs_size(body)
        headers = self.request_headers
        pairs = headers.items() if isinstance(headers, dict) else headers
        return (
            ENTRY_OVERHEAD
            + len(self.url)
            + _pairs_size(pairs)
            + _pairs_size(self.response_headers)
            + min(req, BODY_CAP)
            + min(len(self.response_body or b""), BODY_CAP)
        )

    def render(self) -> dict:
        """The redacted fields; an entry that cannot be rendered says so instead of raising."""
        try:
            return self._render()
        except Exception as exc:  # one entry must never break reading the journal
            return {
                "url": _safe(redact_query, self.url),
                "request_headers": {},
                "request_body": f"[could not be rendered: {type(exc).__name__}]",
                "response_headers": {},
                "response_body": f"[could not be rendered: {type(exc).__name__}]",
            }

    def _render(self) -> dict:
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


def _safe(fn: Any, value: str) -> str:
    try:
        return fn(value)
    except Exception:
        return "[unreadable]"


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
        self._entries: collections.deque[tuple[int, dict]] = collections.deque()
        """(the size it was counted with, the entry)"""
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._grown = threading.Condition(self._lock)
        self.last_seq = 0
        self.dropped = 0

    @staticmethod
    def _size(entry: dict) -> int:
        raw = entry.get("_raw")
        if raw is not None:
            return raw.size()
        bodies = len(entry.get("request_body") or "") + len(entry.get("response_body") or "")
        return ENTRY_OVERHEAD + bodies

    def record(self, entry: dict) -> dict:
        """Store ``entry`` and give it a sequence number.

        ``entry`` is either redacted already or carries a ``_raw`` RawExchange, rendered (and
        redacted) the first time the entry is read.
        """
        size = self._size(entry)
        with self._lock:
            entry["seq"] = self.last_seq = next(self._seq)
            self._entries.append((size, entry))
            self._grown.notify_all()
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                # the size it was counted with: a rendered entry's fields differ from its raw
                old_size, _ = self._entries.popleft()
                self._bytes -= old_size
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
            entries = [entry for _, entry in self._entries]
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

    def wait_newer(self, seq: int, timeout: float) -> int:
        """Block until an entry newer than ``seq`` is recorded (or ``timeout`` seconds pass);
        the newest sequence number (the dashboard's live feed waits here)."""
        with self._grown:
            self._grown.wait_for(lambda: self.last_seq > seq, timeout)
            return self.last_seq

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
