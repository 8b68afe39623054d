"""The ``sso`` host: ``/saml2/<label>`` (SP- and IdP-initiated), resume, step-up MFA, metadata.

Parse the request, ask the model, answer with the POST binding or JumpCloud's error page. A
browser without a JumpCloud session here is sent to the User Portal sign-in on the console
(``return_to`` = this host's resume URL); the console sends it back with a one-time ticket.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request
from flask.typing import ResponseReturnValue

from simulators.jumpcloud.api.v1_apps import idp_metadata
from simulators.jumpcloud.model.records import SystemUser
from simulators.jumpcloud.web import csrf_ok
from simulators.saml.bindings import encode_post_value

from . import flows, pages
from .errors import SsoRefusal
from .host import host
from .inbound import check_relay_state, read_request
from .issuance import Delivery, build_signed_refusal, build_signed_response, name_id_of
from .model import SamlApp
from .policy import fresh_signin, needs_step_up, refusal_for, session_usable

TICKET_PARAM = "ticket"
MAX_LOGINS = 3
"""Console sign-ins one flow may ask for: a flow the console keeps sending back unanswered ends
on JumpCloud's error page instead of redirecting until the browser gives up."""

bp = Blueprint("jumpcloud_sso", __name__, template_folder="templates")


def _app_or_refuse(label: str) -> SamlApp:
    app = host().directory.app(label)
    if app is None:
        raise SsoRefusal("app_not_found", status=404)
    if not app.active:
        raise SsoRefusal("app_inactive")
    return app


@bp.errorhandler(SsoRefusal)
def _refused(refusal: SsoRefusal) -> Response:
    label = request.view_args.get("label") if request.view_args else None
    return pages.error_page(refusal, label, f"{host().ctx.url('console')}/userconsole/")


@bp.route("/saml2/<label>", methods=["GET", "POST"])
def sso(label: str) -> ResponseReturnValue:
    """An AuthnRequest (Redirect or POST binding), or an IdP-initiated launch: a GET without
    ``SAMLRequest``, as the User Portal tile sends (``?idp_init=1``)."""
    app = _app_or_refuse(label)
    values = request.args if request.method == "GET" else request.form
    started = host().now()
    if request.method == "GET" and "SAMLRequest" not in values:  # IdP-initiated launch
        flow = flows.save_flow(
            label=label,
            acs_url=app.acs_url,
            in_response_to=None,
            relay_state=app.default_relay_state or None,
            wants_mfa=False,
            force_authn=False,
            is_passive=False,
            started=started,
        )
        return _proceed(app, flow)
    saml_requests = values.getlist("SAMLRequest")
    if len(saml_requests) != 1 or not saml_requests[0]:
        raise SsoRefusal(
            "invalid_saml_request", "The request carries no (single) SAMLRequest.", status=400
        )
    if request.method == "GET":
        inbound = read_request(
            app, saml_requests[0], "redirect", request.query_string.decode("latin-1")
        )
    else:
        inbound = read_request(app, saml_requests[0], "post")
    flow = flows.save_flow(
        label=label,
        acs_url=inbound.acs_url,
        in_response_to=inbound.info.id,
        relay_state=check_relay_state(values.get("RelayState")),
        wants_mfa=inbound.wants_mfa,
        force_authn=inbound.info.force_authn,
        is_passive=inbound.info.is_passive,
        started=started,
    )
    return _proceed(app, flow)


@bp.get("/saml2/<label>/resume")
def resume(label: str) -> ResponseReturnValue:
    """Back from the User Portal sign-in: redeem the ticket, start the SSO session, go on."""
    app = _app_or_refuse(label)
    flow = _flow_or_refuse(label)
    redeemed = host().directory.redeem_ticket(request.args.get(TICKET_PARAM, ""))
    if redeemed is None:  # no ticket (``prompt=none`` found nobody signed in), or a stale one
        return _proceed_as(app, flow, None, None)
    user, mfa_done, auth_time = redeemed
    org_id, user_id = user["organization"], user["_id"]
    generation = host().directory.session_generation(org_id, user_id)
    session = flows.SsoSession(org_id, user_id, mfa_done, auth_time, generation)
    flows.start_session(session)
    if fresh_signin(flow, auth_time) and not flow.reauthenticated:
        flow = flows.update_flow(flow, reauthenticated=True)
    # A session of the current generation, and its user read with the ticket: nothing to reload.
    usable = session_usable(session, app, flow, host().now())
    return _proceed_as(app, flow, session, user if usable else None)


@bp.route("/saml2/<label>/mfa", methods=["GET", "POST"])
def step_up(label: str) -> ResponseReturnValue:
    """TOTP for an SP that asked for multi-factor authentication (enrolment when none)."""
    app = _app_or_refuse(label)
    flow = _flow_or_refuse(label)
    session = flows.current_session()
    user = host().directory.user(session.org_id, session.user_id) if session else None
    if session is None or user is None:
        return _to_console_login(flow)
    action = host().url(label, f"/mfa?{urlencode({'flow': flow.id})}")
    directory = host().directory
    secret = directory.totp_secret(user)
    code = request.form.get("otp", "") if request.method == "POST" else None
    if code is not None and not csrf_ok():
        code = None  # a stale or forged form: show the prompt again
    if secret:
        if code is None:
            return pages.mfa_page(action, app.display_label)
        if not directory.totp_ok(secret, code):
            host().decision(app, "sso_mfa", False, user_id=user["_id"], reason="invalid_otp")
            return pages.mfa_page(action, app.display_label, SsoRefusal("mfa_failed"))
    else:
        pending = directory.begin_enrollment(user)
        if code is None:
            return pages.mfa_enroll_page(action, app.display_label, pending, user["email"])
        if not directory.confirm_enrollment(user, code):
            host().decision(app, "sso_mfa", False, user_id=user["_id"], reason="invalid_otp")
            return pages.mfa_enroll_page(
                action, app.display_label, pending, user["email"], SsoRefusal("mfa_failed")
            )
    flows.mark_mfa_done(session)
    host().decision(app, "sso_mfa", True, user_id=user["_id"])
    return _proceed(app, flow)


@bp.get("/saml2/<label>/metadata")
def metadata(label: str) -> Response:
    """The application's IdP metadata (entity id, SSO URL, current signing certificate)."""
    app = _app_or_refuse(label)
    xml = idp_metadata(host().directory.model, app.org_id, app.id)
    response = Response(xml, mimetype="application/samlmetadata+xml")
    response.headers["Content-Disposition"] = (
        f'inline; filename="JumpCloud-{app.label}-metadata.xml"'
    )
    return response


# -- the flow --------------------------------------------------------------------------------
def _flow_or_refuse(label: str) -> flows.Flow:
    flow = flows.load_flow(request.args.get("flow"), label)
    if flow is None:
        raise SsoRefusal(
            "session_expired",
            "This sign-in has expired or was started in another browser. Start again from "
            "the application.",
            status=400,
        )
    return flow


def _to_console_login(flow: flows.Flow) -> ResponseReturnValue:
    """Send the browser to the User Portal sign-in, which comes back to ``resume``: with
    ``prompt=none`` under IsPassive (a live portal session comes back with a ticket, none without
    showing a page), with ``prompt=login`` under ForceAuthn (the password is asked again)."""
    if flow.logins >= MAX_LOGINS:
        flows.finish_flow(flow)
        raise SsoRefusal("signin_incomplete", status=400)
    flow = flows.update_flow(flow, logins=flow.logins + 1)
    resume_url = host().url(flow.label, f"/resume?{urlencode({'flow': flow.id})}")
    query = {"return_to": resume_url}
    if flow.is_passive:
        query["prompt"] = "none"
    elif flow.force_authn and not flow.reauthenticated:
        query["prompt"] = "login"
    login = f"{host().ctx.url('console')}/userconsole/login?{urlencode(query)}"
    return redirect(login, code=302)


def _proceed(app: SamlApp, flow: flows.Flow) -> ResponseReturnValue:
    """Answer the flow if the browser's session allows it, else get the user signed in."""
    svc = host()
    session = flows.current_session()
    usable = session_usable(session, app, flow, svc.now()) and not (
        session
        and session.generation < svc.directory.session_generation(session.org_id, session.user_id)
    )
    user = svc.directory.user(session.org_id, session.user_id) if usable and session else None
    return _proceed_as(app, flow, session, user)


def _proceed_as(
    app: SamlApp, flow: flows.Flow, session: flows.SsoSession | None, user: SystemUser | None
) -> ResponseReturnValue:
    """Go on as ``user`` of ``session`` (None: no usable session): refuse, step up or answer."""
    svc = host()
    if user is None or session is None or user.get("state") == "STAGED":
        if flow.is_passive and (flow.logins or flow.force_authn):
            return _refuse_passively(app, flow)
        return _to_console_login(flow)  # IsPassive: once, to look for a User Portal session
    refusal = refusal_for(svc.directory, app, user)
    if refusal is not None:
        svc.decision(app, "sso_auth", False, user_id=user["_id"], reason=refusal.code)
        flows.finish_flow(flow)
        raise refusal
    if needs_step_up(flow, session):
        return redirect(svc.url(app.label, f"/mfa?{urlencode({'flow': flow.id})}"), code=302)
    return _answer(app, flow, user, session)


def _answer(
    app: SamlApp, flow: flows.Flow, user: SystemUser, session: flows.SsoSession
) -> Response:
    svc = host()
    directory = svc.directory
    subject = directory.sso_user(user, app)
    delivery = Delivery(flow.acs_url, flow.in_response_to, flow.relay_state)
    xml = build_signed_response(
        app,
        subject,
        delivery,
        directory.signing_key(app),
        now=svc.ctx.clock.now(),
        mfa=session.mfa,
        authn_instant=_instant(session.auth_time),
    )
    flows.finish_flow(flow)
    svc.decision(
        app,
        "sso_auth",
        True,
        user_id=user["_id"],
        in_response_to=flow.in_response_to,
        idp_initiated=flow.in_response_to is None,
        mfa=session.mfa,
        immutable_id=subject.immutable_id,
        name_id=name_id_of(app, subject)[0],
    )
    return pages.post_binding(flow.acs_url, encode_post_value(xml), flow.relay_state)


def _refuse_passively(app: SamlApp, flow: flows.Flow) -> Response:
    """IsPassive with no session: a signed ``Responder/NoPassive`` Response to the SP."""
    svc = host()
    delivery = Delivery(flow.acs_url, flow.in_response_to, flow.relay_state)
    xml = build_signed_refusal(
        app,
        delivery,
        svc.directory.signing_key(app),
        now=svc.ctx.clock.now(),
        status="Responder",
        sub_status="NoPassive",
        message="No JumpCloud session and the request does not allow sign-in.",
    )
    flows.finish_flow(flow)
    svc.decision(app, "sso_auth", False, reason="no_passive")
    return pages.post_binding(flow.acs_url, encode_post_value(xml), flow.relay_state)


def _instant(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)
