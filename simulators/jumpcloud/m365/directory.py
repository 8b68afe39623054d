"""What the engine reads from the tenant through Graph: verified domains, users by email."""

from __future__ import annotations

import threading

from .graphclient import GraphClient, GraphError

MATCH_SELECT = (
    "id,userPrincipalName,mail,onPremisesImmutableId,accountEnabled,onPremisesSyncEnabled"
)
MATCH_CHUNK = 7
"""Emails per ``in (...)`` lookup: two ``in`` lists of 7 stay under Graph's 15-value limit."""


def odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Domains:
    """The tenant's domains (``GET /domains``), cached; a name not cached is fetched again,
    so a domain verified a moment ago is seen at once."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, dict]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def fetch(self, office365_id: str, client: GraphClient) -> dict[str, dict]:
        reply = client.call("GET", "/domains") or {}
        domains = {str(d.get("id", "")).lower(): d for d in reply.get("value", [])}
        with self._lock:
            self._cache[office365_id] = domains
        return domains

    def get(
        self, office365_id: str, client: GraphClient, name: str, *, fresh: bool = False
    ) -> dict | None:
        name = name.lower()
        with self._lock:
            cached = self._cache.get(office365_id)
            fetching = self._fetching.setdefault(office365_id, threading.Lock())
        if not fresh and cached is not None and name in cached:
            return cached[name]
        with fetching:  # one fetch at a time per instance; the others reuse its answer
            with self._lock:
                newer = self._cache.get(office365_id)
            if not fresh and newer is not cached and newer is not None:
                return newer.get(name)
            return self.fetch(office365_id, client).get(name)

    def initial(self, office365_id: str, client: GraphClient) -> str | None:
        domains = self.fetch(office365_id, client)
        for name, domain in domains.items():
            if domain.get("isInitial"):
                return name
        return None

    def forget(self, office365_id: str) -> None:
        with self._lock:
            self._cache.pop(office365_id, None)

    def cached(self) -> set[str]:
        """Instances whose domains are cached in this process."""
        with self._lock:
            return set(self._cache)


def verified(domain: dict | None) -> bool:
    return bool(domain and domain.get("isVerified"))


def federated(domain: dict | None) -> bool:
    return bool(domain and str(domain.get("authenticationType", "")).lower() == "federated")


def find_by_email(client: GraphClient, emails: list[str]) -> dict[str, dict]:
    """Existing Microsoft users whose UPN or mail is one of ``emails`` (keyed lower-case).

    Batched as ``userPrincipalName in (...) or mail in (...)``; a tenant that refuses the
    batched form is asked one address at a time.
    """
    wanted = list(dict.fromkeys(e.lower() for e in emails if e))
    found: dict[str, dict] = {}
    for start in range(0, len(wanted), MATCH_CHUNK):
        chunk = wanted[start : start + MATCH_CHUNK]
        listed = ", ".join(odata_quote(e) for e in chunk)
        try:
            users = _users(client, f"userPrincipalName in ({listed}) or mail in ({listed})")
        except GraphError as exc:
            if exc.status != 400:
                raise
            users = []
            for email in chunk:
                quoted = odata_quote(email)
                users += _users(client, f"userPrincipalName eq {quoted} or mail eq {quoted}")
        for user in users:
            for key in (user.get("userPrincipalName"), user.get("mail")):
                if key and key.lower() in chunk:
                    found.setdefault(key.lower(), user)
    return found


def _users(client: GraphClient, filter_: str) -> list[dict]:
    reply = client.call("GET", "/users", params={"$filter": filter_, "$select": MATCH_SELECT})
    return list((reply or {}).get("value", []))
