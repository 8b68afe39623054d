"""The sync engine: pushes JumpCloud's truth about bound users to Microsoft Graph.

Model events only *mark* (instance, user) links as needing a push; :meth:`SyncEngine.sync`
then reconciles each marked link with Microsoft — export (match or create), attribute update
(only what changed since the last push), disable and forget (unbind, delete). With no
propagation delay this happens before the triggering request returns; otherwise the worker
does it when the link is due on the lab clock. A broken grant pauses pushes: links stay marked
and are pushed after the admin reauthorizes.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from simulators.core.context import LabContext
from simulators.jumpcloud.model import JumpCloudModel
from simulators.jumpcloud.model.errors import JumpCloudError
from simulators.jumpcloud.model.records import SystemUser

from . import mapping, tables
from .directory import Domains, federated, find_by_email, verified
from .grants import Grants
from .graphclient import AuthorizationLost, GraphClient, GraphError, RequestCounter
from .links import BOUND, DELETED, UNBOUND, Link, Links
from .retry import RetryPolicy
from .settings import Settings

log = logging.getLogger("m365lab.jumpcloud.m365")

OK, PENDING = 200, 202
PARALLEL_MIN = 4
"""Batches smaller than this run in the calling thread."""
DUE_PER_PASS = 1000
"""The most due links one worker pass reads (a bulk export may hold tens of thousands)."""
RETRY_LATER_SECONDS = 5.0
"""Lab-clock delay before the worker retries a link whose push was throttled out."""


@dataclass
class Batch:
    """What one sync pass over an instance needs, read once."""

    org_id: str
    office365_id: str
    client: GraphClient
    rules: list[str]
    lockout_action: str
    expiration_action: str
    users: dict[str, SystemUser]
    matches: dict[str, dict] = field(default_factory=dict)

    def desired(self, user: SystemUser) -> dict:
        return mapping.desired_attributes(
            user,
            self.rules,
            lockout_action=self.lockout_action,
            expiration_action=self.expiration_action,
        )


class SyncError(Exception):
    """A per-user failure shown in ``syncStatus`` (not a Graph reply: e.g. unverified domain)."""

    def __init__(self, code: int, message: str, details: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []


class SyncEngine:
    def __init__(
        self,
        ctx: LabContext,
        model: JumpCloudModel,
        grants: Grants,
        *,
        policy: RetryPolicy | None = None,
        workers: int = 8,
    ) -> None:
        self.ctx = ctx
        self.model = model
        self.grants = grants
        self.links = Links(model.store)
        self.settings = Settings(model.store)
        self.domains = Domains()
        self.counter = RequestCounter()
        self.policy = policy or RetryPolicy()
        self._clients: dict[str, GraphClient] = {}
        self._clients_lock = threading.Lock()
        self._user_locks = [threading.Lock() for _ in range(64)]
        self._inflight: set[tuple[str, str]] = set()
        self._inflight_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="m365-sync")
        self.after_sync: list[Callable[[str, str, list[str]], None]] = []
        """Called with (org, instance, user ids pushed) after each sync pass (group sync)."""
        self.graph_base = ctx.url("graph") + "/v1.0"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- forgetting (world deleted, lab reset) -------------------------------------------------
    def forget_org(self, org_id: str) -> None:
        """The organization is gone: drop its rows and what is cached about its instances."""
        with self.model.store.transaction() as db:
            instances = tables.forget_org(db, org_id)
        self._forget_cached(instances)

    def forget_instance(self, office365_id: str) -> None:
        """Drop the engine's rows and caches of one instance (deactivated, or gone)."""
        with self.model.store.transaction() as db:
            tables.forget_instance(db, office365_id)
        self._forget_cached([office365_id])

    def forget_all(self) -> None:
        with self.model.store.transaction() as db:
            tables.forget_all(db)
        self._forget_cached(self.cached_instances())

    def cached_instances(self) -> set[str]:
        """Instances this process still caches something about (Graph client, settings,
        domains)."""
        with self._clients_lock:
            instances = set(self._clients)
        return instances | self.settings.cached() | self.domains.cached()

    def _forget_cached(self, instances: Iterable[str]) -> None:
        for office365_id in instances:
            with self._clients_lock:
                self._clients.pop(office365_id, None)
            self.settings.forget(office365_id)
            self.domains.forget(office365_id)

    # -- Graph client per instance ------------------------------------------------------------
    def client(self, office365_id: str) -> GraphClient:
        with self._clients_lock:
            client = self._clients.get(office365_id)
            if client is None:
                client = GraphClient(
                    self.graph_base,
                    self.grants.tokens_for(office365_id),
                    self.ctx.http,
                    policy=self.policy,
                    counter=self.counter,
                    stopping=self.ctx.stopping,
                )
                self._clients[office365_id] = client
            return client

    # -- marking ------------------------------------------------------------------------------
    def now(self) -> float:
        return self.ctx.clock.timestamp()

    def touch(
        self,
        org_id: str,
        office365_id: str,
        user_ids: Iterable[str],
        *,
        state: str | None = None,
        only_existing: bool = False,
        external_ids: dict[str, str] | None = None,
    ) -> None:
        """Mark links for a push, then push now (no delay) or leave them to the worker."""
        delay = self.settings.delay(office365_id)
        # pushed now when there is no delay; the worker only steps in if that push fails
        due_at = self.now() + (delay if delay > 0 else RETRY_LATER_SECONDS)
        marked = self.links.mark(
            org_id,
            office365_id,
            user_ids,
            state=state,
            due_at=due_at,
            only_existing=only_existing,
            external_ids=external_ids,
        )
        if not marked:
            return
        if self.settings.fingerprint(office365_id) is None:
            with contextlib.suppress(JumpCloudError):
                fingerprint = self._fingerprint(org_id, office365_id)
                self.settings.swap_fingerprint(org_id, office365_id, fingerprint)
        if delay <= 0:
            self.sync(org_id, office365_id, marked)
            return
        for user_id in marked:
            link = self.links.get(office365_id, user_id)
            if link and link.state != DELETED:
                self._status(link, PENDING, f"Queued: pushed to Microsoft 365 after {delay:g} s")

    def check_settings(self, office365_id: str) -> bool:
        """Push every bound user again if the export settings (translation rules, lockout and
        password-expiry actions) changed since last seen; True if they did."""
        org_id = self.links.org_of(office365_id)
        if org_id is None:
            return False
        try:
            fingerprint = self._fingerprint(org_id, office365_id)
        except JumpCloudError:
            return False
        previous = self.settings.swap_fingerprint(org_id, office365_id, fingerprint)
        if previous is None or previous == fingerprint:
            return False
        delay = self.settings.delay(office365_id)
        self.links.mark_instance(office365_id, self.now() + delay)
        if delay <= 0:
            self.sync(org_id, office365_id, self.links.user_ids(office365_id))
        return True

    def _fingerprint(self, org_id: str, office365_id: str) -> str:
        instance = self.model.office365.get(org_id, office365_id)
        rules = sorted(r["builtIn"] for r in self.model.office365.rules(org_id, office365_id))
        actions = [instance["userLockoutAction"], instance["userPasswordExpirationAction"]]
        return json.dumps([rules, actions])

    def reconcile_bindings(self, org_id: str, office365_id: str, user_ids: list[str]) -> None:
        """Compare who is bound now (any path) with the links, and bind or unbind."""
        if not user_ids:
            return
        if len(user_ids) == 1:
            bound = set()
            try:
                reached = self.model.graph.resources_of_user(org_id, user_ids[0], "office_365")
                if any(r["id"] == office365_id for r in reached):
                    bound.add(user_ids[0])
            except JumpCloudError:
                pass
        else:
            try:
                bound = set(self.model.graph.user_ids_of(org_id, "office_365", office365_id))
            except JumpCloudError:
                bound = set()
        links = self.links.many(office365_id, user_ids)
        to_bind = [
            u for u in user_ids if u in bound and (u not in links or links[u].state != BOUND)
        ]
        to_unbind = [u for u in user_ids if u not in bound and u in links]
        if to_bind:
            self.touch(org_id, office365_id, to_bind, state=BOUND)
        if to_unbind:
            self.touch(org_id, office365_id, to_unbind, state=UNBOUND, only_existing=True)

    # -- syncing ------------------------------------------------------------------------------
    def sync(
        self, org_id: str, office365_id: str, user_ids: Iterable[str], *, force: bool = False
    ) -> None:
        """Push the marked links among ``user_ids`` (all of them when ``force``)."""
        self._sync(org_id, office365_id, self.links.many(office365_id, user_ids).values(), force)

    def _sync(self, org_id: str, office365_id: str, read: Iterable[Link], force: bool) -> None:
        """``sync`` of links the caller has just read."""
        links = [link for link in read if link.dirty or force]
        if not links:
            return
        keys = {(office365_id, link.user_id) for link in links}
        with self._inflight_lock:
            self._inflight |= keys
        try:
            self._sync_links(org_id, office365_id, links, force)
        finally:
            with self._inflight_lock:
                self._inflight -= keys

    def _sync_links(self, org_id: str, office365_id: str, links: list[Link], force: bool) -> None:
        if not self.grants.usable(office365_id):
            self._paused(links)
            return
        batch = None
        for _ in range(2):  # a throttled lookup gets a second retry budget
            try:
                batch = self._batch(org_id, office365_id, links)
                break
            except AuthorizationLost as exc:
                self._lost(office365_id, exc)
                self._paused(links)
                return
            except GraphError as exc:
                log.warning("m365 sync of %s could not start: %s", office365_id, exc)
                if not exc.transient:
                    return
            except JumpCloudError:  # the instance (or its world) is gone: forget it
                if not self.model.office365.exists(org_id, office365_id):
                    with self.model.store.transaction() as db:
                        tables.forget_instance(db, office365_id)
                return
        if batch is None:  # still throttled: the worker retries the marked links later
            due = self.now() + RETRY_LATER_SECONDS
            self.links.delay(office365_id, [link.user_id for link in links], due)
            return
        outcomes = self._run(batch, links, self._sync_link, force=force)
        retry = [link for link, outcome in outcomes if outcome == "transient"]
        if retry:  # one more pass: the throttling budget of each request starts again
            outcomes += self._run(batch, retry, self._sync_link, force=True)
        managed = {
            link.user_id: link
            for link, outcome in outcomes
            if outcome == "ok" and mapping.MANAGER in self._wanted(batch, link)
        }
        if managed:
            self._run(batch, list(managed.values()), self._sync_manager, force=True)
        pushed = [link.user_id for link, outcome in outcomes if outcome == "ok"]
        for follow in self.after_sync:
            follow(org_id, office365_id, pushed)

    def sync_due(self) -> int:
        """The worker's pass: the oldest marked links that are due on the lab clock (those a
        sync is already pushing are left to it; the rest wait for the next pass)."""
        due = self.links.due(self.now(), DUE_PER_PASS)
        with self._inflight_lock:
            due = [d for d in due if (d[1], d[2]) not in self._inflight]
        by_instance: dict[tuple[str, str], list[str]] = {}
        for org_id, office365_id, user_id in due:
            by_instance.setdefault((org_id, office365_id), []).append(user_id)
        by_instance = {k: v for k, v in by_instance.items() if self.grants.usable(k[1])}
        for (org_id, office365_id), user_ids in by_instance.items():
            self.sync(org_id, office365_id, user_ids)
        return sum(len(v) for v in by_instance.values())

    def resume(self, org_id: str, office365_id: str) -> None:
        """After a (re)authorization: push everything that waited."""
        pending = [link.user_id for link in self.links.dirty(office365_id)]
        if pending:
            self.sync(org_id, office365_id, pending)

    def _batch(self, org_id: str, office365_id: str, links: list[Link]) -> Batch:
        o365 = self.model.office365
        instance = o365.get(org_id, office365_id)
        users = self.model.users.ids(org_id, [link.user_id for link in links])
        batch = Batch(
            org_id=org_id,
            office365_id=office365_id,
            client=self.client(office365_id),
            rules=[r["builtIn"] for r in o365.rules(org_id, office365_id)],
            lockout_action=instance["userLockoutAction"],
            expiration_action=instance["userPasswordExpirationAction"],
            users=users,
        )
        unmatched = [
            link
            for link in links
            if link.state == BOUND and not link.external_id and link.user_id in users
        ]
        emails: list[str] = []
        for link in unmatched:
            user = users[link.user_id]
            emails += [mapping.user_principal_name(user, batch.rules), user.get("email") or ""]
        if emails:
            batch.matches = find_by_email(batch.client, emails)
        return batch

    def _run(
        self,
        batch: Batch,
        links: list[Link],
        job: Callable[[Batch, Link], str],
        *,
        force: bool = False,
    ) -> list[tuple[Link, str]]:
        def guarded(link: Link) -> str:
            with self._user_locks[hash(link.user_id) % len(self._user_locks)]:
                # re-read under the lock: another thread may have pushed this link meanwhile
                fresh = self.links.get(link.office365_id, link.user_id)
                if fresh is None or not (fresh.dirty or force):
                    return "skipped"
                return self._guard(batch, fresh, job)

        if len(links) < PARALLEL_MIN:
            return [(link, guarded(link)) for link in links]
        context = contextvars.copy_context()
        futures = [self._pool.submit(context.copy().run, guarded, link) for link in links]
        return [(link, future.result()) for link, future in zip(links, futures, strict=True)]

    def _guard(self, batch: Batch, link: Link, job: Callable[[Batch, Link], str]) -> str:
        """Run one link's job; turn every failure into that user's sync status."""
        try:
            return job(batch, link)
        except AuthorizationLost as exc:
            self._lost(batch.office365_id, exc)
            self._paused([link])
            return "paused"
        except SyncError as exc:
            self.links.save(link, dirty=False, last_error=exc.message)
            self._status(link, exc.code, exc.message, exc.details)
            return "error"
        except GraphError as exc:
            details = [{"operation": f"{exc.method} {exc.path}".strip(), **exc.detail()}]
            if exc.transient:
                self.links.save(link, due_at=self.now() + RETRY_LATER_SECONDS, last_error=exc.code)
                self._status(link, exc.status or 503, f"Will retry: {exc.message}", details)
                return "transient"
            self.links.save(link, dirty=False, last_error=exc.code)
            self._status(link, exc.status, f"{exc.code}: {exc.message}", details)
            return "error"
        except JumpCloudError as exc:
            self.links.save(link, dirty=False, last_error=exc.message)
            return "error"
        except Exception as exc:  # never let one user break the caller's request
            log.exception("m365 sync of user %s failed", link.user_id)
            self.links.save(link, dirty=False, last_error=str(exc)[:200])
            self._status(link, 500, f"Internal sync error: {exc}")
            return "error"

    # -- one link -----------------------------------------------------------------------------
    def _sync_link(self, batch: Batch, link: Link) -> str:
        user = batch.users.get(link.user_id)
        if link.state in (UNBOUND, DELETED) or user is None:
            self._retire(batch, link)
            return "ok"
        immutable = mapping.immutable_id(link.user_id)
        desired = batch.desired(user)
        known_immutable = link.immutable_id
        message = "Synced"
        if not link.external_id:
            match = batch.matches.get(desired["userPrincipalName"].lower()) or batch.matches.get(
                (user.get("email") or "").lower()
            )
            if match is None:
                self._create(batch, link, user, desired, immutable)
                return "ok"
            if match.get("onPremisesSyncEnabled"):
                self._try_synced(batch, link, match, desired)
            link.external_id = match["id"]
            link.pushed = {}
            known_immutable = match.get("onPremisesImmutableId")
            message = "Bound to the existing Microsoft 365 user"
            if known_immutable and known_immutable != immutable:
                message += (
                    f"; its immutable ID {known_immutable}, set by another system, was replaced "
                    f"by JumpCloud's {immutable} (sign-ins through that system's federation end)"
                )
        self._update(batch, link, desired, immutable, known_immutable)
        self._status(link, OK, message)
        return "ok"

    def _try_synced(self, batch: Batch, link: Link, match: dict, desired: dict) -> None:
        """A user synchronized from on-premises AD: Graph refuses JumpCloud's writes, and the
        sync status says so with Graph's own answer (nothing is taken over)."""
        body = {"displayName": desired["displayName"]}
        try:
            self._write(batch, link, "m365_user_update", "PATCH", f"/users/{match['id']}", body)
        except GraphError as exc:
            if exc.transient:
                raise
            raise SyncError(
                exc.status,
                f"{match.get('userPrincipalName')} is synchronized from on-premises Active "
                "Directory (onPremisesSyncEnabled), so Microsoft 365 accepts changes to it only "
                "from there and JumpCloud cannot manage it. Microsoft 365 answered: "
                f"{exc.code}: {exc.message}",
                [{"operation": f"{exc.method} {exc.path}".strip(), **exc.detail()}],
            ) from None

    @staticmethod
    def _check_takeover(match: dict, immutable: str) -> None:
        """An account whose immutable ID another system set is never silently taken over."""
        known = match.get("onPremisesImmutableId")
        if known and known != immutable and not match.get("onPremisesSyncEnabled"):
            raise SyncError(
                409,
                f"{match.get('userPrincipalName')} already has the immutable ID {known}, set by "
                "another system; JumpCloud does not overwrite it. Clear onPremisesImmutableId in "
                "Microsoft 365 (after taking the account out of that system), then bind again",
                [{"field": "onPremisesImmutableId", "code": "ImmutableIdInUse", "value": known}],
            )

    def _create(
        self, batch: Batch, link: Link, user: SystemUser, desired: dict, immutable: str
    ) -> None:
        upn = desired["userPrincipalName"]
        domain_name = mapping.upn_domain(upn)
        domain = self.domains.get(batch.office365_id, batch.client, domain_name)
        if not verified(domain):
            raise SyncError(
                400,
                f"The domain {domain_name} of {upn} is not a verified domain of the Microsoft 365 "
                "tenant; the user was not created",
                [{"field": "userPrincipalName", "code": "DomainNotVerified", "value": upn}],
            )
        body = mapping.new_user_body(user, desired, immutable)
        created = self._write(batch, link, "m365_user_create", "POST", "/users", body) or {}
        pushed = {k: v for k, v in desired.items() if k != mapping.MANAGER}
        self._bound(batch, link, created["id"], immutable, pushed)
        self._status(link, OK, "Exported: created in Microsoft 365")

    def _update(
        self,
        batch: Batch,
        link: Link,
        desired: dict,
        immutable: str,
        known_immutable: str | None,
    ) -> None:
        delta = mapping.changed(desired, link.pushed)
        delta.pop(mapping.MANAGER, None)
        if known_immutable != immutable:
            delta["onPremisesImmutableId"] = immutable
        if "userPrincipalName" in delta:
            domain_name = mapping.upn_domain(delta["userPrincipalName"])
            if not verified(self.domains.get(batch.office365_id, batch.client, domain_name)):
                raise SyncError(
                    400,
                    f"The domain {domain_name} is not a verified domain of the Microsoft 365 "
                    "tenant; the user was not updated",
                    [{"field": "userPrincipalName", "code": "DomainNotVerified"}],
                )
        pushed = {**link.pushed, **{k: v for k, v in desired.items() if k != mapping.MANAGER}}
        for gone in set(link.pushed) - set(desired) - {mapping.MANAGER}:
            pushed.pop(gone, None)  # a removed rule: stop syncing that field
        if delta:
            path = f"/users/{link.external_id}"
            try:
                self._write(batch, link, "m365_user_update", "PATCH", path, delta)
            except GraphError as exc:
                if exc.status == 404:  # deleted at Microsoft: export again
                    link.external_id, link.pushed = None, {}
                    self._create(batch, link, batch.users[link.user_id], desired, immutable)
                    return
                if exc.status == 400 and "onPremisesImmutableId" in delta:
                    self._immutable_via_initial_domain(batch, link, delta, desired)
                else:
                    raise
        self._bound(batch, link, link.external_id or "", immutable, pushed)

    def _immutable_via_initial_domain(
        self, batch: Batch, link: Link, delta: dict, desired: dict
    ) -> None:
        """Entra refuses a new immutable ID on a federated-domain user; the documented way
        round is to move the UPN to the initial domain, set it, and move the UPN back."""
        current_upn = link.pushed.get("userPrincipalName") or desired["userPrincipalName"]
        domain = self.domains.get(
            batch.office365_id, batch.client, mapping.upn_domain(current_upn), fresh=True
        )
        initial = self.domains.initial(batch.office365_id, batch.client)
        if not federated(domain) or not initial:
            raise SyncError(
                400,
                "Microsoft 365 refused the immutable ID of this user",
                [{"field": "onPremisesImmutableId"}],
            )
        path = f"/users/{link.external_id}"
        parking = f"jc{delta['onPremisesImmutableId']}@{initial}"
        self._write(batch, link, "m365_user_update", "PATCH", path, {"userPrincipalName": parking})
        self._write(
            batch,
            link,
            "m365_user_update",
            "PATCH",
            path,
            {"onPremisesImmutableId": delta["onPremisesImmutableId"]},
        )
        rest = {k: v for k, v in delta.items() if k != "onPremisesImmutableId"}
        rest["userPrincipalName"] = desired["userPrincipalName"]
        self._write(batch, link, "m365_user_update", "PATCH", path, rest)

    def _bound(
        self, batch: Batch, link: Link, external_id: str, immutable: str, pushed: dict
    ) -> None:
        if mapping.MANAGER in link.pushed:
            pushed[mapping.MANAGER] = link.pushed[mapping.MANAGER]
        self.links.save(
            link,
            external_id=external_id,
            immutable_id=immutable,
            pushed=pushed,
            dirty=False,
            last_error=None,
        )
        self.model.office365.upsert_binding(
            batch.org_id,
            batch.office365_id,
            link.user_id,
            external_id=external_id,
            immutable_id=immutable,
            upn=pushed.get("userPrincipalName"),
        )

    def _retire(self, batch: Batch, link: Link) -> None:
        """Unbound or deleted in JumpCloud: block sign-in at Microsoft (never delete there)."""
        if link.external_id:
            try:
                self._write(
                    batch,
                    link,
                    "m365_user_disable",
                    "PATCH",
                    f"/users/{link.external_id}",
                    {"accountEnabled": False},
                )
            except GraphError as exc:
                if exc.status != 404:
                    raise
        self.links.delete(link)
        if link.state != DELETED:
            self.model.office365.delete_binding(batch.org_id, batch.office365_id, link.user_id)

    # -- manager relationship -----------------------------------------------------------------
    def _wanted(self, batch: Batch, link: Link) -> dict:
        user = batch.users.get(link.user_id)
        if user is None or link.state != BOUND or "user_manager" not in batch.rules:
            return {}
        return {mapping.MANAGER: mapping.TRANSLATION_RULES["user_manager"][1](user)}

    def _sync_manager(self, batch: Batch, link: Link) -> str:
        link = self.links.get(batch.office365_id, link.user_id) or link
        want = self._wanted(batch, link).get(mapping.MANAGER)
        if not link.external_id or link.pushed.get(mapping.MANAGER, "-") == want:
            return "ok"
        path = f"/users/{link.external_id}/manager/$ref"
        if want:
            manager_id = self.links.external_id(batch.office365_id, want)
            if not manager_id:
                self._status(
                    link,
                    OK,
                    "Synced; manager not set",
                    [{"field": "manager", "message": "the manager is not bound to this instance"}],
                )
                return "ok"
            body = {"@odata.id": f"{self.graph_base}/users/{manager_id}"}
            self._write(batch, link, "m365_user_manager", "PUT", path, body)
        else:
            try:
                self._write(batch, link, "m365_user_manager", "DELETE", path, None)
            except GraphError as exc:
                if exc.status != 404:
                    raise
        self.links.save(link, pushed={**link.pushed, mapping.MANAGER: want})
        return "ok"

    # -- password takeover --------------------------------------------------------------------
    def push_password(self, org_id: str, user_id: str, password: str) -> None:
        """At a User Portal sign-in: push the password where this sign-in calls for it."""
        for link in self.links.of_user(user_id):
            if link.state != BOUND:
                continue
            self._sync(org_id, link.office365_id, [link], force=True)
            fresh = self.links.get(link.office365_id, user_id)
            if fresh is None or not fresh.external_id or not self.grants.usable(fresh.office365_id):
                continue
            batch = Batch(
                org_id, fresh.office365_id, self.client(fresh.office365_id), [], "", "", {}
            )
            with self._user_locks[hash(user_id) % len(self._user_locks)]:
                self._guard(batch, fresh, lambda b, lk: self._password(b, lk, password))

    def _password(self, batch: Batch, link: Link, password: str) -> str:
        upn = link.pushed.get("userPrincipalName") or ""
        domain = self.domains.get(
            batch.office365_id, batch.client, mapping.upn_domain(upn), fresh=True
        )
        path = f"/users/{link.external_id}"
        if federated(domain):
            if link.password_version < link.record_version:
                self._event(
                    batch, link, "m365_password_skipped", "-", path, None, True,
                    {"reason": "federated domain: the user signs in at JumpCloud; Entra keeps "
                     "no password for them"},
                )  # fmt: skip
                self.links.save(link, password_version=link.record_version)
                self._status(
                    link,
                    OK,
                    "Synced; password not synced (federated domain: sign-in happens at JumpCloud)",
                )
            return "ok"
        select = {"$select": "id,lastPasswordChangeDateTime"}
        needed = link.password_version < link.record_version
        if not needed:
            current = batch.client.call("GET", path, params=select) or {}
            needed = current.get("lastPasswordChangeDateTime") != link.ms_password_changed
        if not needed:
            return "ok"
        body = {"passwordProfile": {"password": password, "forceChangePasswordNextSignIn": False}}
        self._write(batch, link, "m365_password_sync", "PATCH", path, body)
        after = batch.client.call("GET", path, params=select) or {}
        self.links.save(
            link,
            password_version=link.record_version,
            ms_password_changed=after.get("lastPasswordChangeDateTime"),
        )
        self._status(link, OK, "Synced; password synced from JumpCloud")
        return "ok"

    # -- status, events -----------------------------------------------------------------------
    def _write(
        self, batch: Batch, link: Link, event_type: str, method: str, path: str, body: dict | None
    ) -> dict | None:
        """One Graph write, logged in the org's event log with what was sent and the result."""
        try:
            reply = batch.client.call(method, path, json=body)
        except GraphError as exc:
            self._event(batch, link, event_type, method, path, body, False, exc.detail())
            raise
        result: dict = {"status": 201 if method == "POST" else 204}
        if reply and reply.get("id"):
            result["id"] = reply["id"]
        self._event(batch, link, event_type, method, path, body, True, result)
        return reply

    def _event(
        self,
        batch: Batch,
        link: Link,
        event_type: str,
        method: str,
        path: str,
        body: dict | None,
        success: bool,
        result: dict,
    ) -> None:
        self.model.events.record(
            batch.org_id,
            event_type,
            service="office_365",
            success=success,
            initiated_by={"type": "system", "name": "Microsoft 365 directory integration"},
            resource={"type": "user", "id": link.user_id, "office365": batch.office365_id},
            details={
                "request": {"method": method, "path": path, "body": mapping.redact(body)},
                "result": result,
            },
        )

    def _status(self, link: Link, code: int, message: str, details: list | None = None) -> None:
        if link.state == DELETED:
            return
        with contextlib.suppress(JumpCloudError):  # the instance may have gone meanwhile
            self.model.office365.set_sync_status(
                link.org_id, link.office365_id, link.user_id, code=code, message=message,
                details=details,
            )  # fmt: skip

    def _paused(self, links: list[Link]) -> None:
        for link in links:
            self._status(
                link,
                PENDING,
                "Paused: the Microsoft 365 authorization needs attention; the change is pushed "
                "after the integration is reauthorized",
            )

    def _lost(self, office365_id: str, exc: AuthorizationLost) -> None:
        row = self.grants.row(office365_id)
        if row is not None and not row["error"]:
            self.grants.fail(office365_id, exc.code, exc.message)
