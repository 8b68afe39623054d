"""SAML connector steps: federate a domain from the connector's metadata, read and change the
domain's federation through Graph, rotate the connector's certificate, and sign-ins whose SAML
response is altered (or delayed) on its way from JumpCloud to Entra.

The alteration happens where an attacker (or a slow network) would act: on the self-posting
form's POST to Entra's ``/login.srf``, intercepted in the driver (the HTTP user agent's request,
or Chromium's request through Playwright routing), so both drivers see the same thing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import requests

from harness.drivers import flows
from harness.drivers.pages import MS_ERROR
from harness.errors import FederationError
from harness.lab.federation import MFA_BEHAVIORS, federate_domain, read_metadata
from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError, expect_fields
from harness.scenario.registry import step
from harness.steps.clock import parse_duration
from harness.steps.journeys import check_outcome, credentials, journey
from harness.steps.jumpcloud import JumpCloudApi
from harness.steps.microsoft import GraphApi

Fields = list[tuple[str, str]]
_NAME_ID = re.compile(r"(<(?:[\w-]+:)?NameID\b[^>]*>)([^<]*)(</(?:[\w-]+:)?NameID>)")


# -- federation ------------------------------------------------------------------------------
def _metadata_url(ctx: StepContext, label: str | None) -> str:
    return f"{ctx.url('sso')}/saml2/{label or ctx.section('jumpcloud', 'm365_sso_label')}/metadata"


@step("federation.federate")
def federate(
    ctx: StepContext,
    mfa_behavior: str = MFA_BEHAVIORS[0],
    metadata_url: str | None = None,
    update_existing: bool = False,
    expect_error: str | None = None,
) -> dict:
    """Federate the domain named by the Microsoft 365 connector's entity id, from the connector's
    metadata (as ``Enable-JumpCloud.Office365.SSO`` does); returns ``domain``,
    ``authenticationType``, ``federationConfiguration``. With ``expect_error`` the step passes
    only when federating fails with an error containing that text, and returns ``error``."""
    microsoft = ctx.section("microsoft")
    app = ctx.section("microsoft", "app")
    try:
        result = federate_domain(
            {"urls": ctx.descriptor.data["urls"], "ca_bundle": ctx.descriptor.ca_bundle},
            microsoft["tenant_id"],
            app["client_id"],
            app["client_secret"],
            metadata_url or _metadata_url(ctx, None),
            mfa_behavior=mfa_behavior,
            update_existing=update_existing,
            session=ctx.http,
        )
    except (FederationError, requests.RequestException) as exc:
        if expect_error is not None and expect_error in str(exc):
            return {"error": str(exc)}
        raise StepError(f"federating the domain failed: {exc}") from exc
    if expect_error is not None:
        raise ExpectationFailed(
            f"federating {result.get('domain')} succeeded; expected an error containing "
            f"{expect_error!r}",
            expected=expect_error,
            actual=result.get("authenticationType"),
        )
    return result


def _domain_path(domain: str) -> str:
    return f"/domains/{quote(domain, safe='')}"


@step("federation.get")
def get_federation(ctx: StepContext, domain: str) -> dict:
    """The domain's ``internalDomainFederation`` (Graph ``federationConfiguration``)."""
    found = GraphApi(ctx).call("GET", _domain_path(domain) + "/federationConfiguration")
    values = (found or {}).get("value") or []
    if not values:
        raise StepError(f"domain {domain} has no federationConfiguration")
    return values[0]


@step("federation.update")
def update_federation(ctx: StepContext, domain: str, fields: dict[str, Any]) -> dict:
    """Change the domain's federation (``PATCH …/federationConfiguration/{id}``): e.g.
    ``federatedIdpMfaBehavior``, ``issuerUri``, ``nextSigningCertificate``; returns it."""
    config = get_federation(ctx, domain)
    path = f"{_domain_path(domain)}/federationConfiguration/{config['id']}"
    return GraphApi(ctx).call("PATCH", path, json=fields) or {**config, **fields}


@step("expect.domain")
def expect_domain(ctx: StepContext, domain: str, fields: dict[str, Any]) -> dict:
    """A Graph domain of the tenant has these property values (e.g. ``authenticationType``)."""
    found = GraphApi(ctx).call("GET", _domain_path(domain))
    expect_fields(f"domain {domain}", found, fields)
    return found


# -- the connector ---------------------------------------------------------------------------
@step("jumpcloud.sso_metadata")
def sso_metadata(ctx: StepContext, label: str | None = None) -> dict:
    """The SAML connector's IdP metadata: ``entity_id``, ``sso_url``, ``certificates``
    (base64 DER, newest first); default: the Microsoft 365 connector."""
    try:
        metadata = read_metadata(ctx.http, _metadata_url(ctx, label))
    except FederationError as exc:
        raise StepError(str(exc)) from exc
    return {
        "entity_id": metadata.entity_id,
        "sso_url": metadata.sso_url,
        "certificates": list(metadata.certificates_b64),
    }


@step("jumpcloud.rotate_sso_certificate")
def rotate_sso_certificate(ctx: StepContext, app_id: str | None = None) -> dict:
    """Give the SAML connector a new signing key and certificate (default: the Microsoft 365
    connector); returns its metadata afterwards (``certificates[0]`` is the new one)."""
    app = app_id or ctx.section("jumpcloud", "m365_sso_app_id")
    JumpCloudApi(ctx).call("POST", f"/applications/{app}/rotate-certificate", json={})
    return sso_metadata(ctx)


# -- sign-ins with an intercepted SAML response ----------------------------------------------
def replace_name_id(fields: Fields, name_id: str) -> Fields:
    """The POST fields with the ``SAMLResponse``'s NameID replaced (the signature untouched)."""
    out = []
    for name, value in fields:
        if name == "SAMLResponse":
            xml = base64.b64decode(value).decode("utf-8")
            altered, count = _NAME_ID.subn(lambda m: m.group(1) + name_id + m.group(3), xml)
            if not count:
                raise StepError("the SAMLResponse has no NameID to alter")
            value = base64.b64encode(altered.encode("utf-8")).decode("ascii")
        out.append((name, value))
    return out


@contextmanager
def intercepted_post(
    ctx: StepContext, url: str, alter: Callable[[Fields], Fields]
) -> Iterator[list[Fields]]:
    """While inside, the driver's first form POST to ``url`` goes out as ``alter(fields)``;
    yields the list of the original fields seen (empty if no such POST happened)."""
    seen: list[Fields] = []
    driver = ctx.driver
    agent = getattr(driver, "agent", None)
    if agent is not None:  # the HTTP user agent: its data hook

        def rewrite(method: str, target: str, data):
            if method == "POST" and target.split("?")[0] == url and not seen:
                fields = list(data.items() if isinstance(data, dict) else data or [])
                seen.append(fields)
                return alter(fields)
            return data

        agent.rewrite_data = rewrite
        try:
            yield seen
        finally:
            agent.rewrite_data = None
        return
    page = getattr(driver, "page", None)
    if page is None:
        raise StepError(f"the {driver.name} driver cannot intercept requests")
    pattern = re.compile(re.escape(url) + r"(\?.*)?$")

    def handler(route, request) -> None:
        if request.method != "POST" or seen:
            route.continue_()
            return
        fields = parse_qsl(request.post_data or "", keep_blank_values=True)
        seen.append(fields)
        route.continue_(post_data=urlencode(alter(fields)))

    page.route(pattern, handler)
    try:
        yield seen
    finally:
        page.unroute(pattern, handler)


def _altered_signin(
    ctx: StepContext,
    person: dict[str, Any] | None,
    username: str | None,
    password: str | None,
    totp_secret: str | None,
    alter: Callable[[Fields], Fields],
    expect: str,
    subreason: str | None,
    what: str,
) -> dict:
    creds = credentials(person, username=username, password=password, totp_secret=totp_secret)
    acs = ctx.url("login") + "/login.srf"
    with intercepted_post(ctx, acs, alter) as seen:
        outcome = flows.sign_in_microsoft(journey(ctx, creds))
    if not seen:
        raise StepError(f"{what}: no SAML response was posted to {acs} (is the domain federated?)")
    result = check_outcome(f"signing in {creds.username} with {what}", outcome, expect)
    shown_subreason = None
    element = MS_ERROR.element("subreason")
    if ctx.driver.has(element):
        shown_subreason = ctx.driver.text_of(element)
        result["subreason"] = shown_subreason
    if subreason is not None and shown_subreason != subreason:
        raise ExpectationFailed(
            f"signing in {creds.username} with {what}: expected sub-reason {subreason}, "
            f"the page shows {shown_subreason or 'none'}",
            expected=subreason,
            actual=shown_subreason,
        )
    return result


@step("saml.signin_tampered")
def signin_tampered(
    ctx: StepContext,
    name_id: str,
    person: dict[str, Any] | None = None,
    username: str | None = None,
    password: str | None = None,
    totp_secret: str | None = None,
    expect: str = "AADSTS50006",
    subreason: str | None = None,
) -> dict:
    """Sign in from the Microsoft 365 portal, but replace the NameID of JumpCloud's signed
    SAML response (captured from the self-posting form) with ``name_id`` before it reaches
    Entra; ``expect`` the error shown and its ``subreason`` (``#error-subreason``)."""
    return _altered_signin(
        ctx,
        person,
        username,
        password,
        totp_secret,
        lambda fields: replace_name_id(fields, name_id),
        expect,
        subreason,
        f"the NameID changed to {name_id!r}",
    )


@step("saml.signin_delayed", exclusive=True)
def signin_delayed(
    ctx: StepContext,
    delay: float | str,
    person: dict[str, Any] | None = None,
    username: str | None = None,
    password: str | None = None,
    totp_secret: str | None = None,
    expect: str = "AADSTS50008",
    subreason: str | None = None,
) -> dict:
    """Sign in from the Microsoft 365 portal, moving the lab clock by ``delay`` (``10m``, or
    negative: the IdP's clock ahead) between JumpCloud issuing the SAML response and Entra
    receiving it: clock skew as Entra sees it. ``expect`` ``ok`` inside the tolerance."""
    seconds = parse_duration(delay)

    def advance(fields: Fields) -> Fields:
        ctx.each_process("PUT", "/_lab/clock", json={"advance_seconds": seconds})
        return fields

    return _altered_signin(
        ctx,
        person,
        username,
        password,
        totp_secret,
        advance,
        expect,
        subreason,
        f"the SAML response delivered {delay} later",
    )
