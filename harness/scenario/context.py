"""What a step sees while it runs: the lab, this scenario's world and trace, values, drivers."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyotp
import requests

from harness.drivers import Driver, make_driver
from harness.lab.descriptor import LabClient, LabDescriptor
from harness.lab.world import World
from harness.scenario.errors import StepError
from simulators.core.httpclient import lab_session
from simulators.core.journal import TRACE_HEADER

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def people_of(sections: Mapping[str, Any]) -> dict[str, dict]:
    """People of a world by key, merged across systems.

    A person's key is its ``key`` field, else the local part of its ``upn`` / ``email`` /
    ``jumpcloud_username`` (``alice@contoso.com`` -> ``alice``); lists or mappings are accepted
    under ``people`` at the top level or in each system's section.
    """
    sources = [sections.get("people")]
    sources += [s.get("people") for s in sections.values() if isinstance(s, Mapping)]
    out: dict[str, dict] = {}
    for people in sources:
        if isinstance(people, Mapping):
            items = [(str(k), v) for k, v in people.items()]
        elif isinstance(people, list):
            items = [(person_key(p), p) for p in people if isinstance(p, Mapping)]
        else:
            continue
        for key, person in items:
            if key and isinstance(person, Mapping):
                out.setdefault(key, {}).update(person)
    return out


def person_key(person: Mapping[str, Any]) -> str:
    for name in ("key", "upn", "email", "jumpcloud_username", "username"):
        value = person.get(name)
        if isinstance(value, str) and value:
            return value.split("@", 1)[0].lower() if name != "key" else value
    return ""


class StepContext:
    """Passed to every step as its first argument."""

    def __init__(
        self,
        descriptor: LabDescriptor,
        *,
        trace: str,
        world: World | None = None,
        scenario_name: str = "",
        scenario_path: str = "",
        scenario_uid: str = "",
        variables: Mapping[str, Any] | None = None,
        driver_name: str = "http",
        headed: bool = False,
        slow_mo: float = 0,
        artifacts_dir: Path | None = None,
    ) -> None:
        self.descriptor = descriptor
        self.trace = trace
        self.world = world
        self.scenario_name = scenario_name
        self.scenario_path = scenario_path
        self.scenario_uid = scenario_uid
        """Unique per run (also in the world's id): for names that must be unique lab-wide."""
        self.variables = dict(variables or {})
        self.driver_name = driver_name
        self.headed = headed
        self.slow_mo = slow_mo
        self.artifacts_dir = artifacts_dir
        self.results: dict[str, Any] = {}
        self.cache: dict[str, Any] = {}
        """Per-scenario memo for steps (e.g. an access token)."""
        self.control = LabClient(descriptor)
        self.control.session.headers[TRACE_HEADER] = trace
        self.http = lab_session(descriptor.ca_bundle)
        self.http.headers[TRACE_HEADER] = trace
        self._driver: Driver | None = None
        self._processes: dict[str, str] | None = None

    # -- where things are -------------------------------------------------------------------
    def url(self, host: str) -> str:
        """Base URL of a lab host (Graph without ``/v1.0``)."""
        try:
            return self.descriptor.url(host)
        except KeyError:
            raise StepError(f"the lab has no {host!r} host") from None

    @property
    def sections(self) -> dict[str, Any]:
        return self.world.sections if self.world else {}

    def section(self, system: str, *keys: str) -> Any:
        """A value of this world's ``system`` section; StepError naming what is missing."""
        current: Any = self.sections.get(system)
        path = [system]
        for key in (None, *keys):
            if key is not None:
                path.append(key)
                current = current.get(key) if isinstance(current, Mapping) else None
            if current is None:
                raise StepError(
                    f"the world has no {'.'.join(path)} (is the {system} system running?)"
                )
        return current

    @property
    def people(self) -> dict[str, dict]:
        return people_of(self.sections)

    def scope(self) -> dict[str, Any]:
        """What ``${...}`` expressions can name."""
        world = {"id": self.world.id if self.world else None, **self.sections}
        lab = {k: v for k, v in self.descriptor.data.items() if k != "admin_token"}
        return {
            "steps": self.results,
            "world": world,
            "people": self.people,
            "vars": self.variables,
            "lab": lab,
            "scenario": {
                "name": self.scenario_name,
                "path": self.scenario_path,
                "trace": self.trace,
                "uid": self.scenario_uid,
            },
            "env": dict(os.environ),
        }

    def processes(self) -> dict[str, str]:
        """One host per lab process (asked once, without the trace, so probes stay out of it)."""
        if self._processes is None:
            untraced = LabClient(self.descriptor)
            try:
                self._processes = untraced.processes()
            finally:
                untraced.session.close()
        return self._processes

    def each_process(self, method: str, path: str, **kwargs) -> list[requests.Response]:
        """Send a control-plane request (traced) to every lab process; StepError on refusal."""
        replies = []
        for host in self.processes().values():
            reply = self.control.call(method, host, path, **kwargs)
            if reply.status_code >= 400:
                raise StepError(f"{method} {path} on {host}: HTTP {reply.status_code} {reply.text}")
            replies.append(reply)
        if not replies:
            raise StepError("no lab process answered /_lab/health")
        return replies

    # -- the user agent ---------------------------------------------------------------------
    @property
    def driver(self) -> Driver:
        """This scenario's driver, started on first use."""
        if self._driver is None:
            self._driver = make_driver(
                self.driver_name,
                ca_bundle=self.descriptor.ca_bundle,
                spki_sha256=(self.descriptor.data.get("tls") or {}).get("server_spki_sha256"),
                trace=self.trace,
                headed=self.headed,
                slow_mo=self.slow_mo,
            )
        return self._driver

    def new_driver(self) -> None:
        """Close the driver; the next step gets a new one (no cookies, no sessions)."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    @property
    def driver_started(self) -> bool:
        return self._driver is not None

    def screenshot(self, label: str) -> Path | None:
        """A screenshot of the driver's page into the artifacts directory (if both exist)."""
        if self._driver is None or self.artifacts_dir is None:
            return None
        return self._driver.screenshot(self.artifacts_dir / _SAFE.sub("-", label))

    # -- the lab clock ----------------------------------------------------------------------
    def lab_now(self, host: str = "login") -> dt.datetime:
        """The lab clock of the process serving ``host`` (``GET /_lab/clock``)."""
        try:
            reply = self.control.call("GET", host, "/_lab/clock")
            reply.raise_for_status()
            now = reply.json()["now"]
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise StepError(f"cannot read the lab clock on {host}: {exc}") from exc
        return dt.datetime.fromisoformat(now.replace("Z", "+00:00"))

    def totp(self, secret: str, host: str = "login") -> str:
        """The TOTP code for ``secret`` at the lab clock's time on ``host``."""
        try:
            return pyotp.TOTP(secret).at(self.lab_now(host))
        except (ValueError, TypeError) as exc:
            raise StepError(f"{secret!r} is not a base32 TOTP secret: {exc}") from exc

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None
        self.http.close()
        self.control.session.close()
