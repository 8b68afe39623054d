"""Journal entries grouped into sign-in journeys, one per browser sign-in whatever sends it.

A browser sends no ``X-Lab-Trace`` header, so each of its requests has a trace of its own. The
entries of one sign-in are tied by what the protocols carry from one hop to the next: OAuth
``state``, ``code`` and ``client-request-id``, Entra's sign-in flow (``ctx``, ``flowToken``),
SAML ``RelayState``, the AuthnRequest ``ID`` and the Response's ``InResponseTo``, JumpCloud's
``flow``; a redirect's ``Location`` ties the request that follows it. Server-to-server calls
(the portal redeeming a code, JumpCloud asking Graph) carry the trace of the request they serve
and happened while it was being served. Decision records (method ``DECISION``) share the trace
of their request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

BROWSER = "browser"
LANES: tuple[tuple[str, str], ...] = (
    (BROWSER, "Browser"),
    ("portal", "Microsoft 365 portal"),
    ("login", "Entra ID"),
    ("console", "JumpCloud User Portal"),
    ("sso", "JumpCloud SSO"),
    ("graph", "Graph"),
)
"""Lane id (the host it stands for, or ``browser``) and title, left to right."""
LANE_TITLES = dict(LANES)
SHORT_NAMES = {
    BROWSER: "Browser",
    "portal": "Microsoft 365",
    "login": "Entra ID",
    "console": "JumpCloud User Portal",
    "sso": "JumpCloud",
    "graph": "Graph",
}
OFFICE_HOME_CLIENT = "4765445b-32c6-49b0-83e6-1d93765276ca"
"""The first-party client id of the Microsoft 365 portal (OfficeHome)."""

_PARAM = re.compile(
    r"(?:^|[?&;#])(state|code|ctx|flowToken|flow|RelayState|client-request-id|sctx|return_to"
    r"|SAMLRequest|SAMLResponse)=([^&#\s\"'<>]+)",
    re.IGNORECASE,
)
_HIDDEN = re.compile(
    r"name=[\"'](state|code|ctx|flowToken|RelayState|return_to|SAMLResponse)[\"']\s+"
    r"value=[\"']([^\"']+)[\"']",
    re.IGNORECASE,
)
_SAML_ID = re.compile(rb"\s(ID|InResponseTo)=\"([^\"]{8,})\"")
_ERROR_CODE = re.compile(r"id=[\"']error-code[\"'][^>]*>\s*([^<\s]+)")
_ERROR_CODES_JSON = re.compile(r"\"error_codes\"\s*:\s*\[\s*(\d+)")
_GRANT = re.compile(r"(?:^|&)grant_type=([A-Za-z_:.-]+)")
_LOGINFMT = re.compile(r"(?:^|&)(?:loginfmt|login_hint|username|email)=([^&]+)")
_HREF = re.compile(r"href=[\"'](/[^\"'?#]*)")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_SIGNIN_PATH = re.compile(
    r"/oauth2/(?:v2\.0/)?authorize|/login\.srf|/common/login|/saml2/|/userconsole/(?:login|mfa)"
    r"|^/signin$|/kmsi|/common/reprocess"
)
_MIN_TOKEN = 8
_NAV_WINDOW_S = 30.0
_CACHE_MAX = 100_000


@dataclass
class Exchange:
    """One request and its response, placed between two lanes of the sequence diagram."""

    entry: dict
    source: str
    target: str
    label: str
    is_error: bool
    error_code: str | None = None
    decisions: list[dict] = field(default_factory=list)
    anchor: str = ""
    """The id of its arrow and of its details (``exchange-<seq>``), unique in the journey."""

    @property
    def seq(self) -> int:
        return int(self.entry.get("seq", 0))


@dataclass
class Journey:
    """One sign-in, from its first exchange to its outcome."""

    id: str
    title: str
    who: str | None
    outcome: str | None
    """``None`` when signed in (or not finished), else ``AADSTSnnnnn`` or ``jumpcloud:<code>``."""
    ok: bool
    world: str | None
    """The tenant id (else the JumpCloud org id) the sign-in belongs to."""
    app: str
    started: str
    ended: str
    exchanges: list[Exchange]
    traces: list[str] = field(default_factory=list)

    @property
    def sub_reason(self) -> str | None:
        for exchange in reversed(self.exchanges):
            for decision in exchange.decisions:
                sub = (decision.get("decision") or {}).get("sub_reason")
                if sub:
                    return sub
        return None


# -- what one entry carries ----------------------------------------------------------------------


@dataclass
class _Facts:
    """What grouping needs of one entry, computed once per entry (cached)."""

    tokens: frozenset[str]
    location: str
    error_code: str | None
    hrefs: frozenset[str]


_cache: dict[tuple, _Facts] = {}


def _key(entry: dict) -> tuple:
    return (entry.get("host"), entry.get("seq"), entry.get("wall_time") or entry.get("time"))


def _saml_ids(value: str, deflated: bool) -> list[str]:
    """``ID`` / ``InResponseTo`` of a SAML message, from its first bytes (no XML parse)."""
    value = unquote(value).replace(" ", "+")
    head = value[:1200] if not deflated else value
    try:
        raw = base64.b64decode(head[: len(head) - len(head) % 4] or "", validate=False)
        if deflated:
            raw = zlib.decompressobj(-15).decompress(raw, 4096)
    except (binascii.Error, ValueError, zlib.error):
        return []
    root = raw[: raw.find(b">") + 1] if b">" in raw else raw
    return [value.decode("utf-8", "replace") for _, value in _SAML_ID.findall(root)]


def _params(text: str, out: set[str], depth: int = 0) -> None:
    for name, value in _PARAM.findall(text):
        low = name.lower()
        if low == "samlrequest":
            out.update(f"saml:{i}" for i in _saml_ids(value, deflated=True))
        elif low == "samlresponse":
            out.update(f"saml:{i}" for i in _saml_ids(value, deflated=False))
        elif low == "return_to":
            if depth < 2:
                _params(unquote(value), out, depth + 1)
        elif len(value) >= _MIN_TOKEN:
            out.add(unquote(value))


def _facts(entry: dict) -> _Facts:
    key = _key(entry)
    found = _cache.get(key)
    if found is not None:
        return found
    tokens: set[str] = set()
    decision = entry.get("decision")
    location = ""
    error = None
    hrefs: frozenset[str] = frozenset()
    if isinstance(decision, dict):
        for name in ("request_id", "in_response_to"):
            if decision.get(name):
                tokens.add(f"saml:{decision[name]}")
        error = _decision_error(decision)
    else:
        url = entry.get("url") or ""
        if "?" in url:
            _params(url[url.index("?") :], tokens)
        headers = entry.get("response_headers") or {}
        location = headers.get("Location") or headers.get("location") or ""
        if location and "?" in location:
            _params(location[location.index("?") :], tokens)
        request_headers = entry.get("request_headers") or {}
        referer = request_headers.get("Referer") or ""
        if "?" in referer:
            _params(referer[referer.index("?") :], tokens)
        for name in ("client-request-id", "Client-Request-Id"):
            if request_headers.get(name):
                tokens.add(request_headers[name])
        body = entry.get("request_body") or ""
        if "=" in body and not body.startswith(("{", "[", "<")):
            _params(body, tokens)
        response = entry.get("response_body") or ""
        if "name=" in response:
            for name, value in _HIDDEN.findall(response):
                _params(f"{name}={value}", tokens)
        error = _page_error(response)
        if not location and response.startswith("<") and "href=" in response:
            hrefs = frozenset(_HREF.findall(response))
    found = _Facts(frozenset(tokens), location, error, hrefs)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[key] = found
    return found


def _decision_error(decision: dict) -> str | None:
    body = decision.get("decision") if isinstance(decision.get("decision"), dict) else decision
    if body.get("aadsts"):
        return f"AADSTS{body['aadsts']}"
    if body.get("ok") is False and body.get("reason"):
        reason = str(body["reason"])
        return reason if reason.startswith(("AADSTS", "jumpcloud:")) else f"jumpcloud:{reason}"
    return None


def _page_error(body: str) -> str | None:
    if "error" not in body:
        return None
    match = _ERROR_CODE.search(body)
    if match:
        return match.group(1)
    match = _ERROR_CODES_JSON.search(body)
    return f"AADSTS{match.group(1)}" if match else None


# -- grouping -----------------------------------------------------------------------------------


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _end(entry: dict) -> float:
    return float(entry.get("wall_time") or 0.0)


def _start(entry: dict) -> float:
    return _end(entry) - float(entry.get("duration_ms") or 0.0) / 1000


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def _usable(entry: dict) -> bool:
    url = entry.get("url") or ""
    return entry.get("host") != "dashboard" and "/_lab/" not in url[:80]


def _order(entries: Iterable[dict]) -> list[dict]:
    """Sign-in traffic, oldest first (decisions keep their place before their request)."""
    kept = [e for e in entries if _usable(e)]
    kept.sort(key=lambda e: (_end(e) or 0.0, e.get("seq", 0)))
    return _decisions_in_place(kept)


def _decisions_in_place(entries: list[dict]) -> list[dict]:
    """Decision records have no wall time: put each just before the request of its trace."""
    if not any(e.get("method") == "DECISION" and not e.get("wall_time") for e in entries):
        return entries
    pending: dict[tuple, list[dict]] = {}
    out: list[dict] = []
    for entry in sorted(entries, key=lambda e: (e.get("host", ""), e.get("seq", 0))):
        if entry.get("method") == "DECISION" and not entry.get("wall_time"):
            pending.setdefault((entry.get("host"), entry.get("trace")), []).append(entry)
    for entry in entries:
        if entry.get("method") == "DECISION" and not entry.get("wall_time"):
            continue
        waiting = pending.pop((entry.get("host"), entry.get("trace")), None)
        if waiting:
            out.extend(waiting)
        out.append(entry)
    for rest in pending.values():
        out.extend(rest)
    return out


def _link(entries: list[dict], facts: list[_Facts], union: _Union) -> None:
    """Join entries that carry the same protocol value, trace or redirect target."""
    by_token: dict[str, int] = {}
    for i, fact in enumerate(facts):
        for token in fact.tokens:
            first = by_token.setdefault(token, i)
            if first != i:
                union.join(first, i)
    _link_traces(entries, union)
    _link_navigation(entries, facts, union)


def _link_traces(entries: list[dict], union: _Union) -> None:
    """A decision joins its request; a server-to-server call joins the request it served."""
    by_trace: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        trace = entry.get("trace")
        if trace:
            by_trace.setdefault(trace, []).append(i)
    for members in by_trace.values():
        if len(members) < 2:
            continue
        for pos, i in enumerate(members):
            entry = entries[i]
            if entry.get("method") == "DECISION":
                request = _next_request(entries, members, pos, entry.get("host"))
                if request is not None:
                    union.join(i, request)
                continue
            parent = _serving(entries, members, pos)
            if parent is not None:
                union.join(i, parent)


def _next_request(entries: list[dict], members: list[int], pos: int, host) -> int | None:
    for j in members[pos + 1 :]:
        if entries[j].get("method") != "DECISION" and entries[j].get("host") == host:
            return j
    return None


def _serving(entries: list[dict], members: list[int], pos: int) -> int | None:
    """The request on another host that was in flight all the while this one was served."""
    entry = entries[members[pos]]
    start, end = _start(entry), _end(entry)
    for j in members[pos + 1 : pos + 40]:
        other = entries[j]
        if other.get("method") == "DECISION" or other.get("host") == entry.get("host"):
            continue
        if _start(other) <= start and _end(other) >= end:
            return j
        if _start(other) > end:
            break
    return None


def _link_navigation(entries: list[dict], facts: list[_Facts], union: _Union) -> None:
    """A request for a URL a redirect pointed to, or a link of the page just shown."""
    redirects: dict[str, tuple[int, float]] = {}
    last_page: dict[tuple, int] = {}
    for i, entry in enumerate(entries):
        if entry.get("method") == "DECISION":
            continue
        url = entry.get("url") or ""
        target = redirects.pop(url, None)
        if target is not None and _end(entry) - target[1] <= _NAV_WINDOW_S:
            union.join(target[0], i)
        agent = (entry.get("host"), (entry.get("request_headers") or {}).get("User-Agent"))
        page = last_page.pop(agent, None)
        if page is not None and _path(url) in facts[page].hrefs:
            union.join(page, i)
        fact = facts[i]
        if fact.location:
            redirects[urljoin(url, fact.location)] = (i, _end(entry))
        if fact.hrefs:
            last_page[agent] = i


def group_journeys(entries: list[dict]) -> list[Journey]:
    """One journey per sign-in in ``entries`` (journal entries of any processes), oldest first.

    Entries that belong to no sign-in (API calls, the control plane, the dashboard) are left
    out. A journey's ``id`` depends only on its first exchange, so it is stable across calls.
    """
    ordered = _order(entries)
    facts = [_facts(e) for e in ordered]
    union = _Union(len(ordered))
    _link(ordered, facts, union)
    groups: dict[int, list[int]] = {}
    for i in range(len(ordered)):
        groups.setdefault(union.find(i), []).append(i)
    hosts = _host_names(ordered)
    journeys = []
    for members in groups.values():
        if not any(_is_signin(ordered[i]) for i in members):
            continue
        journeys.append(_journey([ordered[i] for i in members], [facts[i] for i in members], hosts))
    journeys.sort(key=lambda j: j.exchanges[0].entry.get("wall_time") or 0.0)
    return journeys


def _is_signin(entry: dict) -> bool:
    if entry.get("method") == "DECISION":
        return False
    return bool(_SIGNIN_PATH.search(_path(entry.get("url") or "")))


def _host_names(entries: list[dict]) -> dict[str, str]:
    """netloc → lab host name, learnt from the entries themselves."""
    names: dict[str, str] = {}
    for entry in entries:
        url = entry.get("url") or ""
        if url.startswith("https://") or url.startswith("http://"):
            netloc = url.split("/", 3)[2]
            names.setdefault(netloc, entry.get("host") or "")
    return names


# -- one journey --------------------------------------------------------------------------------


def _journey(entries: list[dict], facts: list[_Facts], hosts: dict[str, str]) -> Journey:
    exchanges: list[Exchange] = []
    waiting: list[dict] = []
    for entry, fact in zip(entries, facts, strict=True):
        if entry.get("method") == "DECISION":
            waiting.append(entry)
            continue
        exchange = _exchange(entry, fact, entries, hosts)
        exchange.decisions = [d for d in waiting if d.get("trace") == entry.get("trace")]
        waiting = [d for d in waiting if d.get("trace") != entry.get("trace")]
        exchanges.append(exchange)
    _anchors(exchanges)
    outcome, ok = _outcome(exchanges)
    who = _who(entries)
    app = _app(entries)
    first = exchanges[0].entry
    ident = hashlib.sha1(
        f"{first.get('host')}:{first.get('seq')}:{first.get('wall_time')}".encode()
    ).hexdigest()[:12]
    name = (who or "someone").split("@")[0]
    if ok:
        title = f"{name} → {app}: signed in"
    elif outcome:
        title = f"{name} → {outcome}"
    else:
        title = f"{name} → {app}: not finished"
    return Journey(
        id=f"j-{ident}",
        title=title,
        who=who,
        outcome=outcome,
        ok=ok,
        world=_world(entries),
        app=app,
        started=first.get("time", ""),
        ended=exchanges[-1].entry.get("time", ""),
        exchanges=exchanges,
        traces=sorted({e.get("trace") for e in entries if e.get("trace")}),
    )


def _anchors(exchanges: list[Exchange]) -> None:
    seen: set[str] = set()
    for exchange in exchanges:
        anchor = f"exchange-{exchange.seq}"
        if anchor in seen:  # entries of two processes may share a sequence number
            anchor = f"exchange-{exchange.entry.get('host')}-{exchange.seq}"
        seen.add(anchor)
        exchange.anchor = anchor


def _exchange(entry: dict, fact: _Facts, group: list[dict], hosts: dict[str, str]) -> Exchange:
    host = entry.get("host") or "?"
    target = host if host in LANE_TITLES else "console" if host.startswith("console") else host
    parent = _parent(entry, group)
    source = parent.get("host", BROWSER) if parent is not None else BROWSER
    decision_error = None
    error = fact.error_code or decision_error
    status = int(entry.get("status") or 0)
    return Exchange(
        entry=entry,
        source=source,
        target=target,
        label=exchange_label(entry, fact.location, error, hosts),
        is_error=status >= 400 or error is not None,
        error_code=error,
    )


def _parent(entry: dict, group: list[dict]) -> dict | None:
    trace = entry.get("trace")
    start, end = _start(entry), _end(entry)
    for other in group:
        if (
            other is not entry
            and other.get("trace") == trace
            and other.get("method") != "DECISION"
            and other.get("host") != entry.get("host")
            and _start(other) <= start
            and _end(other) >= end
        ):
            return other
    return None


def _lane_of(url: str, hosts: dict[str, str]) -> str | None:
    try:
        return hosts.get(urlsplit(url).netloc)
    except ValueError:
        return None


def exchange_label(
    entry: dict, location: str, error: str | None, hosts: dict[str, str] | None = None
) -> str:
    """What an arrow says: ``302 → JumpCloud (AuthnRequest)``, ``POST SAMLResponse``, …"""
    method = entry.get("method") or "?"
    status = int(entry.get("status") or 0)
    url = entry.get("url") or ""
    path = _path(url)
    body = entry.get("request_body") or ""
    suffix = f" → {error}" if error else ""
    if "SAMLResponse=" in body:
        return f"{method} SAMLResponse{suffix}"
    if path.endswith("/token"):
        grant = _GRANT.search(body)
        failed = f" {status}" if status >= 400 else ""
        return f"token ({grant.group(1) if grant else '?'}){failed}{suffix}"
    if 300 <= status < 400 and location:
        lane = _lane_of(urljoin(url, location), hosts or {}) or entry.get("host")
        what = _redirect_kind(location)
        name = SHORT_NAMES.get(lane or "", lane or "?")
        return f"{status} → {name}{f' ({what})' if what else ''}"
    response = entry.get("response_body") or ""
    if 'name="SAMLResponse"' in response:
        return f"{status} SAMLResponse form{suffix}"
    if 'name="code"' in response and 'name="state"' in response:
        return f"{status} code form (form_post)"
    short = path if len(path) <= 40 else "…" + path[-39:]
    return f"{method} {short}{' ' + str(status) if status >= 400 else ''}{suffix}"


def _redirect_kind(location: str) -> str | None:
    if "SAMLRequest=" in location:
        return "AuthnRequest"
    if "SAMLResponse=" in location:
        return "SAMLResponse"
    if "/authorize" in location:
        return "authorize"
    if "/userconsole/login" in location:
        return "sign-in"
    if "code=" in location and "state=" in location:
        return "code"
    if "error=" in location:
        return "error"
    return None


def _outcome(exchanges: list[Exchange]) -> tuple[str | None, bool]:
    """The last error unless a success came after it; success is a code redeemed or shown."""
    outcome: str | None = None
    ok = False
    for exchange in exchanges:
        codes = [exchange.error_code] + [_decision_error(d) for d in exchange.decisions]
        code = next((c for c in codes if c), None)
        if code:
            outcome, ok = code, False
        elif _succeeded(exchange):
            outcome, ok = None, True
    return outcome, ok


def _succeeded(exchange: Exchange) -> bool:
    entry = exchange.entry
    status = int(entry.get("status") or 0)
    path = _path(entry.get("url") or "")
    for decision in exchange.decisions:
        body = decision.get("decision") or {}
        if body.get("event") == "signin" and body.get("result") == "success":
            return True
    if (
        path.endswith("/token")
        and status == 200
        and "authorization_code" in (entry.get("request_body") or "")
    ):
        return True
    return path == "/landing" and 300 <= status < 400


def _who(entries: list[dict]) -> str | None:
    for entry in entries:
        decision = entry.get("decision")
        if isinstance(decision, dict):
            who = decision.get("user") or decision.get("upn")
            if isinstance(who, str) and "@" in who:
                return who
    for entry in entries:
        body = entry.get("request_body") or ""
        match = _LOGINFMT.search(body) if "=" in body else None
        if match and match.group(1):
            return unquote(match.group(1).replace("+", " "))
    return None


def _app(entries: list[dict]) -> str:
    for entry in entries:
        if entry.get("host") == "portal" or OFFICE_HOME_CLIENT in (entry.get("url") or ""):
            return "Microsoft 365"
    for entry in entries:
        match = re.search(r"/saml2/([^/?]+)", entry.get("url") or "")
        if match:
            return match.group(1)
    for entry in entries:
        match = re.search(r"[?&]client_id=([^&]+)", entry.get("url") or "")
        if match:
            return match.group(1)
    return "sign-in"


def _world(entries: list[dict]) -> str | None:
    for entry in entries:
        decision = entry.get("decision")
        if isinstance(decision, dict) and decision.get("tenant"):
            return str(decision["tenant"])
    for entry in entries:
        parts = _path(entry.get("url") or "").split("/")
        if entry.get("host") == "login" and len(parts) > 1 and _GUID.match(parts[1]):
            return parts[1]
    for entry in entries:
        org = (entry.get("decision") or {}).get("org_id") if entry.get("decision") else None
        if org:
            return str(org)
    return None
