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
import json
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
_JWT_CLAIMS = re.compile(r"\beyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.")
_CSRF_FORM = re.compile(r"name=[\"']csrf_token[\"'][^>]*value=[\"']([^\"']+)")
_CSRF_SENT = re.compile(r"(?:^|&)csrf_token=([^&]+)")
_SAML_APP = re.compile(r"/saml2/([^/?]+)")
_CLIENT_ID = re.compile(r"[?&]client_id=([^&]+)")
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


@dataclass(eq=False)
class Journey:
    """One sign-in, from its first exchange to its outcome.

    The summary (title, outcome, who, world) is computed for every journey; ``exchanges`` (labels,
    lanes) only when first read, so listing a full journal's journeys stays cheap.
    """

    id: str
    title: str
    who: str | None
    outcome: str | None
    """``None`` when signed in (or not finished), else ``AADSTSnnnnn`` or ``jumpcloud:<code>``."""
    ok: bool
    world: str | None
    """The tenant id the sign-in belongs to (a classroom filters its seats by it)."""
    app: str
    started: str
    ended: str
    entries: list[dict] = field(repr=False)
    """Its journal entries in order: requests and the decision records that precede them."""
    traces: list[str] = field(default_factory=list)
    sub_reason: str | None = None
    """Entra's sub-reason of the outcome (``#error-subreason``), when it gave one."""
    wall_started: float = 0.0
    """Real time (epoch seconds) of its first exchange, to order journeys across processes."""
    _hosts: dict[str, str] = field(default_factory=dict, repr=False)
    _exchanges: list[Exchange] | None = field(default=None, repr=False)

    @property
    def exchanges(self) -> list[Exchange]:
        if self._exchanges is None:
            self._exchanges = _exchanges(self.entries, self._hosts)
        return self._exchanges


# -- what one entry carries ----------------------------------------------------------------------


@dataclass(slots=True)
class _Facts:
    """What grouping needs of one entry, computed once per entry (cached by host, seq, time)."""

    host: str
    trace: str | None
    seq: int
    end: float
    start: float
    decision: bool
    usable: bool
    url: str
    netloc: str
    tokens: frozenset[str]
    location: str
    target: str
    """The absolute URL a redirect points to, else ``""``."""
    agent: tuple
    hrefs: frozenset[str]
    form: str | None
    """The CSRF token of a form the page shows (a session value: ties only the next submit)."""
    submitted: str | None
    """The CSRF token a form post sent."""
    signin: bool
    error: str | None
    sub_reason: str | None
    success: bool
    who: tuple[int, str] | None
    tenant: tuple[int, str] | None
    app: tuple[int, str] | None
    time: str


_cache: dict[tuple, _Facts] = {}
"""Facts by (host, seq, time, trace): entries read again over HTTP are new dicts."""
_journeys: dict[tuple, Journey] = {}
"""The last call's journeys, by (first entry, last entry, count): reused while unchanged."""
_by_id: dict[int, tuple[dict, _Facts]] = {}
"""Facts by the entry object itself (the journal hands out the same dicts every time)."""


def _key(entry: dict) -> tuple:
    get = entry.get
    return (get("host"), get("seq"), get("wall_time") or get("time"), get("trace"))


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
    if found is None:
        found = _read(entry)
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = found
    return found


def _read(entry: dict) -> _Facts:
    decision = entry.get("decision")
    url = entry.get("url") or ""
    end = float(entry.get("wall_time") or 0.0)
    host = entry.get("host") or "?"
    request_headers = entry.get("request_headers") or {}
    facts = _Facts(
        host=host,
        trace=entry.get("trace"),
        seq=int(entry.get("seq") or 0),
        end=end,
        start=end - float(entry.get("duration_ms") or 0.0) / 1000,
        decision=entry.get("method") == "DECISION" and not entry.get("wall_time"),
        usable=host != "dashboard" and "/_lab/" not in url[:80] and "/favicon.ico" not in url,
        url=url,
        netloc=url.split("/", 3)[2] if url.startswith(("https://", "http://")) else "",
        tokens=frozenset(),
        location="",
        target="",
        agent=(host, request_headers.get("User-Agent")),
        hrefs=frozenset(),
        form=None,
        submitted=None,
        signin=False,
        error=None,
        sub_reason=None,
        success=False,
        who=None,
        tenant=None,
        app=None,
        time=entry.get("time") or "",
    )
    if isinstance(decision, dict):
        _read_decision(decision, facts)
    else:
        _read_request(entry, request_headers, facts)
    return facts


def _read_decision(decision: dict, facts: _Facts) -> None:
    tokens = {f"saml:{decision[n]}" for n in ("request_id", "in_response_to") if decision.get(n)}
    facts.tokens = frozenset(tokens)
    facts.error = _decision_error(decision)
    facts.sub_reason = decision.get("sub_reason") or None
    facts.success = decision.get("event") == "signin" and decision.get("result") == "success"
    who = decision.get("user") or decision.get("upn")
    if isinstance(who, str) and "@" in who:
        facts.who = (0, who)
    if decision.get("tenant"):
        facts.tenant = (0, str(decision["tenant"]))


def _read_request(entry: dict, request_headers: dict, facts: _Facts) -> None:
    tokens: set[str] = set()
    url = facts.url
    if "?" in url:
        _params(url[url.index("?") :], tokens)
    headers = entry.get("response_headers") or {}
    location = headers.get("Location") or headers.get("location") or ""
    if location:
        facts.location = location
        facts.target = urljoin(url, location) if not location.startswith("https://") else location
        if "?" in location:
            _params(location[location.index("?") :], tokens)
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
    facts.tokens = frozenset(tokens)
    facts.error = _page_error(response)
    if not location and response.startswith("<") and "href=" in response:
        facts.hrefs = frozenset(_HREF.findall(response))
    if "csrf_token" in response:
        shown = _CSRF_FORM.search(response)
        facts.form = shown.group(1) if shown else None
    if "csrf_token=" in body:
        sent = _CSRF_SENT.search(body)
        facts.submitted = unquote(sent.group(1)) if sent else None
    path = _path(url)
    status = int(entry.get("status") or 0)
    method = entry.get("method")
    facts.signin = bool(_SIGNIN_PATH.search(path)) and (method == "POST" or bool(tokens))
    facts.success = (
        (path == "/landing" and 300 <= status < 400)
        or (path.endswith("/token") and status == 200 and "authorization_code" in body)
        or (path == "/userconsole/" and status == 200 and method == "GET")
    )
    match = _LOGINFMT.search(body) if "=" in body else None
    if match and match.group(1):
        facts.who = (1, unquote(match.group(1).replace("+", " ")))
    parts = path.split("/")
    if facts.host == "login" and len(parts) > 1 and _GUID.match(parts[1]):
        facts.tenant = (1, parts[1])
    facts.app = _app_of(facts.host, url)
    if path.endswith("/token") and "eyJ" in response:
        claims = _token_claims(response)
        if claims.get("tid") and facts.tenant is None:
            facts.tenant = (2, str(claims["tid"]))
        if claims.get("app_displayname") and (facts.app is None or facts.app[0] > 1):
            facts.app = (1, str(claims["app_displayname"]))


def _app_of(host: str, url: str) -> tuple[int, str] | None:
    if host == "portal" or OFFICE_HOME_CLIENT in url:
        return (0, "Microsoft 365")
    match = _SAML_APP.search(url)
    if match:
        return (1, match.group(1))
    match = _CLIENT_ID.search(url)
    if match:
        return (2, match.group(1))
    return (3, "JumpCloud User Portal") if "/userconsole" in url else None


def _decision_error(decision: dict) -> str | None:
    if decision.get("aadsts"):
        return f"AADSTS{decision['aadsts']}"
    if decision.get("ok") is False and decision.get("reason"):
        reason = str(decision["reason"])
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


def _token_claims(body: str) -> dict:
    """The claims of the first token a reply carries (the journal keeps JWT claims)."""
    match = _JWT_CLAIMS.search(body)
    if match is None:
        return {}
    part = match.group(1)
    try:
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return url


# -- grouping -----------------------------------------------------------------------------------


def _order(entries: Iterable[dict]) -> tuple[list[dict], list[_Facts], bool]:
    """Sign-in traffic, oldest first; decision records just before the request they decided."""
    by_id, cache = _by_id, _cache
    kept: list[dict] = []
    facts: list[_Facts] = []
    in_order, last_seq = True, -1
    for entry in entries:  # runs over the whole journal: _facts inlined, cheapest lookup first
        hit = by_id.get(id(entry))
        if hit is not None and hit[0] is entry:
            fact = hit[1]
        else:
            get = entry.get
            cached = cache.get(
                (get("host"), get("seq"), get("wall_time") or get("time"), get("trace"))
            )
            fact = cached if cached is not None else _facts(entry)
            if len(by_id) >= _CACHE_MAX:
                by_id.clear()
            by_id[id(entry)] = (entry, fact)  # holds the entry: its id cannot be reused
        if not fact.usable:
            continue
        # one journal's entries come in sequence order (its recording order), each decision
        # before its request; entries merged from several processes do not
        if fact.seq <= last_seq:
            in_order = False
        last_seq = fact.seq
        kept.append(entry)
        facts.append(fact)
    if in_order:
        return kept, facts, True
    pairs = sorted(zip(kept, facts, strict=True), key=lambda p: (p[1].end, p[1].seq))
    if pairs and pairs[0][1].decision:
        pairs = _decisions_in_place(pairs)
    return [p[0] for p in pairs], [p[1] for p in pairs], False


def _decisions_in_place(pairs: list[tuple[dict, _Facts]]) -> list[tuple[dict, _Facts]]:
    """Decision records have no wall time: put each just before the next request of its host
    and trace (by sequence number: one host's entries come from one process)."""
    pending: dict[tuple, list[tuple[dict, _Facts]]] = {}
    for pair in sorted((p for p in pairs if p[1].decision), key=lambda p: -p[1].seq):
        pending.setdefault((pair[1].host, pair[1].trace), []).append(pair)
    out: list[tuple[dict, _Facts]] = []
    for pair in pairs:
        fact = pair[1]
        if fact.decision:
            continue
        waiting = pending.get((fact.host, fact.trace))
        while waiting and waiting[-1][1].seq < fact.seq:
            out.append(waiting.pop())
        out.append(pair)
    for rest in pending.values():
        out.extend(reversed(rest))
    return out


class _Linker:
    """Joins entries, one at a time in order, that carry the same protocol value, whose trace
    ties them (a decision and its request, a call and the request it served), or that follow
    one another in a browser (a redirect and the request for its target, a start page and its
    link, a form and its post).

    Nodes are positions in the sequence of entries it was given; it keeps its state between
    calls, so a journal read again only adds the entries that are new.
    """

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.facts: list[_Facts] = []
        self.entries: list[dict] = []
        self.by_token: dict[str, int] = {}
        self.by_trace: dict[str | None, list[int]] = {}
        self.redirects: dict[str, tuple[int, float]] = {}
        self.last_page: dict[tuple, int] = {}
        self.forms: dict[str, int] = {}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def add(self, entry: dict, fact: _Facts) -> int:
        i = len(self.parent)
        self.parent.append(i)
        self.facts.append(fact)
        self.entries.append(entry)
        if fact.tokens:
            setdefault = self.by_token.setdefault
            for token in fact.tokens:
                first = setdefault(token, i)
                if first != i:
                    self.join(first, i)
        if fact.trace:
            self._trace(i, fact)
        if not fact.decision:
            self._navigation(i, fact)
        return i

    def _trace(self, i: int, fact: _Facts) -> None:
        members = self.by_trace.get(fact.trace)
        if members is None:
            self.by_trace[fact.trace] = [i]
            return
        if not fact.decision:
            facts = self.facts
            decided = False
            for m in reversed(members[-40:]):
                other = facts[m]
                if other.decision:  # recorded just before the request it decided
                    if other.host == fact.host and not decided and not self._decided(m):
                        self.join(m, i)
                elif other.host == fact.host:
                    decided = True  # decisions before this one belong to an earlier request
                elif (fact.start <= other.start and other.end <= fact.end) or (
                    other.start <= fact.start and fact.end <= other.end
                ):
                    self.join(m, i)  # one served the other
        members.append(i)

    def _decided(self, m: int) -> bool:
        """Whether decision ``m`` already has its request (a later entry of its host)."""
        fact = self.facts[m]
        for j in self.by_trace[fact.trace]:
            other = self.facts[j]
            if j > m and not other.decision and other.host == fact.host:
                return True
        return False

    def _navigation(self, i: int, fact: _Facts) -> None:
        redirects, last_page, forms = self.redirects, self.last_page, self.forms
        target = redirects.pop(fact.url, None) if redirects else None
        redirected = False
        if target is not None and fact.end - target[1] <= _NAV_WINDOW_S:
            redirected = True
            self.join(target[0], i)
        page = last_page.pop(fact.agent, None) if last_page else None
        if page is not None and _path(fact.url) in self.facts[page].hrefs:
            self.join(page, i)
        if fact.submitted and fact.submitted in forms:
            self.join(forms.pop(fact.submitted), i)  # the form post of the page shown
        if fact.form:
            forms[fact.form] = i
        if fact.target:
            redirects[fact.target] = (i, fact.end)
        if fact.hrefs and not redirected and not fact.tokens:
            # a page reached by itself (a start page) leads into the sign-in its link starts
            last_page[fact.agent] = i


_linker = _Linker()
_LINKER_MAX = 200_000
_node_of: dict[int, int] = {}
"""The linker's node of an entry object (``id``; the linker holds the entry, so it stays)."""


def clear_caches() -> None:
    """Forget every entry seen (what a cold start has): facts, links, journeys."""
    global _linker
    _cache.clear()
    _by_id.clear()
    _journeys.clear()
    _node_of.clear()
    _linker = _Linker()


def _nodes(ordered: list[dict], facts: list[_Facts], in_order: bool) -> list[int]:
    """The linker's node of each entry: a journal read again (the same entries, some dropped
    at the front, new ones at the end) only adds its new entries; anything else starts over."""
    global _linker
    start = _position(_linker, ordered, in_order)
    if start is None:
        _linker = _Linker()
        _node_of.clear()
        start = 0
    linker = _linker
    known = min(len(linker.entries) - start, len(ordered))
    nodes = list(range(start, start + known))
    for entry, fact in zip(ordered[known:], facts[known:], strict=True):
        node = linker.add(entry, fact)
        _node_of[id(entry)] = node
        nodes.append(node)
    return nodes


def _position(linker: _Linker, ordered: list[dict], in_order: bool) -> int | None:
    """Where ``ordered`` starts among the linker's entries, if it continues them."""
    if not (in_order and ordered and linker.entries) or len(linker.entries) > _LINKER_MAX:
        return None
    start = _node_of.get(id(ordered[0]))
    if start is None or linker.entries[start] is not ordered[0]:
        return None
    known = len(linker.entries) - start
    if known > len(ordered) or linker.entries[-1] is not ordered[known - 1]:
        return None
    return start


def group_journeys(entries: list[dict]) -> list[Journey]:
    """One journey per sign-in in ``entries`` (journal entries of any processes), oldest first.

    Entries that belong to no sign-in (API calls, the control plane, the dashboard, a
    browser's favicon requests) are left out. A journey's ``id`` depends only on its first
    exchange, so it is stable across calls.
    """
    ordered, facts, in_order = _order(entries)
    fresh: dict[tuple, Journey] = {}
    nodes = _nodes(ordered, facts, in_order)
    groups: dict[int, list[int]] = {}
    find = _linker.find
    for i, node in enumerate(nodes):
        groups.setdefault(find(node), []).append(i)
    hosts: dict[str, str] = {}
    for fact in facts:
        if fact.netloc and fact.netloc not in hosts:
            hosts[fact.netloc] = fact.host
    journeys = []
    for members in groups.values():
        if not any(facts[i].signin for i in members):
            continue
        group = [ordered[i] for i in members]
        # a sign-in whose entries are the same objects as last time is the same journey
        memo = (id(group[0]), id(group[-1]), len(group))
        journey = _journeys.get(memo)
        if journey is None or journey.entries[0] is not group[0] or journey._hosts != hosts:
            journey = _journey(group, [facts[i] for i in members], hosts)
        fresh[memo] = journey
        journeys.append(journey)
    _journeys.clear()
    _journeys.update(fresh)
    journeys.sort(key=lambda j: j.wall_started)
    return journeys


# -- one journey --------------------------------------------------------------------------------


def _best(values: Iterable[tuple[int, str] | None]) -> str | None:
    found = [v for v in values if v]
    return min(found, key=lambda v: v[0])[1] if found else None


def _journey(entries: list[dict], facts: list[_Facts], hosts: dict[str, str]) -> Journey:
    requests = [f for f in facts if not f.decision]
    first, last = requests[0], requests[-1]
    outcome, ok, sub_reason = None, False, None
    for fact in facts:
        if fact.error:
            outcome, ok = fact.error, False
            sub_reason = fact.sub_reason or sub_reason
        elif fact.success:
            outcome, ok, sub_reason = None, True, None
    who = _best(f.who for f in facts)
    app = _best(f.app for f in facts) or "sign-in"
    name = (who or "someone").split("@")[0]
    if ok:
        title = f"{name} → {app}: signed in"
    elif outcome:
        title = f"{name} → {outcome}"
    else:
        title = f"{name} → {app}: not finished"
    ident = hashlib.sha1(f"{first.host}:{first.seq}:{first.end or first.time}".encode())
    journey = Journey(
        id=f"j-{ident.hexdigest()[:12]}",
        title=title,
        who=who,
        outcome=outcome,
        ok=ok,
        world=_best(f.tenant for f in facts),
        app=app,
        started=first.time,
        ended=last.time,
        entries=entries,
        traces=sorted({f.trace for f in facts if f.trace}),
        sub_reason=sub_reason,
        wall_started=first.end,
        _hosts=hosts,
    )
    return journey


def _exchanges(entries: list[dict], hosts: dict[str, str]) -> list[Exchange]:
    out: list[Exchange] = []
    waiting: list[dict] = []
    seen: set[str] = set()
    for entry in entries:
        fact = _facts(entry)
        if fact.decision:
            waiting.append(entry)
            continue
        parent = _parent(fact, entries)
        decisions = [d for d in waiting if d.get("trace") == fact.trace]
        waiting = [d for d in waiting if d.get("trace") != fact.trace]
        error = fact.error or next((e for d in decisions if (e := _facts(d).error)), None)
        anchor = f"exchange-{fact.seq}"
        if anchor in seen:  # entries of two processes may share a sequence number
            anchor = f"exchange-{fact.host}-{fact.seq}"
        seen.add(anchor)
        status = int(entry.get("status") or 0)
        out.append(
            Exchange(
                entry=entry,
                source=parent.host if parent is not None else BROWSER,
                target=fact.host,
                label=exchange_label(entry, fact.location, error, hosts),
                is_error=status >= 400 or error is not None,
                error_code=error,
                decisions=decisions,
                anchor=anchor,
            )
        )
    return out


def _parent(fact: _Facts, entries: list[dict]) -> _Facts | None:
    for entry in entries:
        other = _facts(entry)
        if (
            other is not fact
            and not other.decision
            and other.trace == fact.trace
            and other.host != fact.host
            and other.start <= fact.start
            and other.end >= fact.end
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
