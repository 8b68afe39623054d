"""The classroom: one isolated world per seat, with the default world's cast, and handouts.

Seat N's world has the id ``seatN``, its own tenant and organization (``seatN.contoso.com``
federated to JumpCloud, ``seatN.fabrikam.com`` managed), and its own passwords, ids and keys.
The dashboard serves a printable handout per seat (``/handouts/<seat>``) with that seat's URLs,
people, passwords, a TOTP QR code for the MFA person, and how to trust the lab's CA.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import Blueprint, Flask, Response, abort, current_app, request

from harness.lab.default_world import Cast, build
from harness.studio.frame import JournalSource, journey_list, lab_journeys, page
from harness.studio.journeys import Journey
from simulators.core.files import write_private
from simulators.jumpcloud.web import qr_png_data_uri

EXTENSION = "m365lab.studio.classroom"
MAX_SEATS = 40
SAVED = "classroom.json"
_SEAT_WORLD = re.compile(r"^seat([1-9][0-9]*)$")


def seat_world_id(seat: int) -> str:
    """The id of seat ``seat``'s world."""
    return f"seat{seat}"


def seat_of_world(world_id: str | None) -> int | None:
    """The seat whose world has id ``world_id``; None for the default or a scenario's world."""
    match = _SEAT_WORLD.match(world_id or "")
    return int(match.group(1)) if match else None


def seat_cast(seat: int) -> Cast:
    """Seat ``seat``'s names: the default world's people under domains of their own."""
    return Cast(
        world_id=seat_world_id(seat),
        name=f"Contoso Seat {seat}",
        initial_domain=f"contososeat{seat}.onmicrosoft.com",
        federated=f"seat{seat}.contoso.com",
        managed=f"seat{seat}.fabrikam.com",
        app_label=f"microsoft-365-seat{seat}",
    )


@dataclass(frozen=True)
class Seat:
    """One seat: its number and what building its world returned (lab.json's sections)."""

    number: int
    world: dict[str, Any]

    @property
    def world_id(self) -> str:
        return self.world.get("world_id") or seat_world_id(self.number)

    def owns(self, world: str | None) -> bool:
        """Whether ``world`` (a world id, tenant id or organization id) is this seat's."""
        ids = {
            self.world_id,
            self.world.get("microsoft", {}).get("tenant_id"),
            self.world.get("jumpcloud", {}).get("org_id"),
        }
        return world is not None and world in ids


@dataclass
class Classroom:
    """The seats of the dashboard's lab (none until ``m365lab classroom`` fills them)."""

    seats: list[Seat] = field(default_factory=list)
    key_pin: str = ""
    """The SHA-256 of the lab's server key (``lab.json``'s ``tls.server_spki_sha256``)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_seats(self, seats: Sequence[Seat], key_pin: str = "") -> None:
        with self._lock:
            self.seats = sorted(seats, key=lambda s: s.number)
            self.key_pin = key_pin

    def seat(self, number: int) -> Seat | None:
        with self._lock:
            return next((s for s in self.seats if s.number == number), None)

    def seat_of(self, world: str | None) -> int | None:
        """The seat a journey's world (id, tenant id or organization id) belongs to."""
        with self._lock:
            return next((s.number for s in self.seats if s.owns(world)), None)


def build_seats(descriptor: dict, count: int, state_dir: Path | None = None) -> list[Seat]:
    """Seats 1..``count``: those saved in ``state_dir`` are reused, the others are built."""
    saved_path = Path(state_dir) / SAVED if state_dir is not None else None
    saved: dict[str, dict] = {}
    if saved_path is not None and saved_path.exists():
        saved = json.loads(saved_path.read_text())
    seats = []
    for number in range(1, count + 1):
        world = saved.get(str(number)) or build(descriptor, None, seat_cast(number))
        saved[str(number)] = world
        seats.append(Seat(number, world))
        if saved_path is not None:
            write_private(saved_path, json.dumps(saved, indent=2))
    return seats


def classroom_for(system: Any) -> Classroom:
    """The classroom of a dashboard system (one per dashboard)."""
    return system.__dict__.setdefault(EXTENSION, Classroom())


@dataclass
class ClassroomHost:
    """What the handout handlers need: the seats, the dashboard's journal and the lab."""

    classroom: Classroom
    journal: JournalSource
    ctx: Any
    """The dashboard's LabContext (URLs, the CA file)."""


def register(app: Flask, system: Any) -> None:
    """Mount the handout pages on the dashboard host."""
    app.extensions[EXTENSION] = ClassroomHost(classroom_for(system), system, system.ctx)
    app.register_blueprint(blueprint)


blueprint = Blueprint("studio_classroom", __name__)


def _host() -> ClassroomHost:
    return current_app.extensions[EXTENSION]


def classroom_of(app: Flask) -> Classroom:
    """The classroom a dashboard app serves (no seats when it has none)."""
    host = app.extensions.get(EXTENSION)
    return host.classroom if host is not None else Classroom()


def seat_for_world(world: str | None) -> int | None:
    """The seat of ``world`` on this dashboard (for the journey list's ``?seat=N`` filter)."""
    return _host().classroom.seat_of(world)


def journeys_of_seat(journeys: Sequence[Journey], seat: int) -> list[Journey]:
    """Only the journeys whose ``world`` is seat ``seat``'s (call inside a dashboard request)."""
    return [j for j in journeys if seat_for_world(j.world) == seat]


@blueprint.get("/handouts")
def handouts_index() -> Response:
    seats = _host().classroom.seats
    items = "".join(
        f"<li><a href='/handouts/{s.number}'>Seat {s.number}</a> — "
        f"{html.escape(s.world.get('microsoft', {}).get('initial_domain', ''))}</li>"
        for s in seats
    )
    body = (
        "<h1>Handouts</h1>"
        + (
            f"<ul id='seats'>{items}</ul>"
            if seats
            else "<p id='seats'>No classroom: start one with "
            "<code>m365lab classroom --seats N</code>.</p>"
        )
        + "<p class='meta'><a href='/handouts/print' id='print-all'>Every handout, to print"
        "</a> · <a href='/ca.pem' id='ca-download'>The lab's CA certificate</a></p>"
    )
    return page("Handouts", "studio.handouts", body)


@blueprint.get("/handouts/print")
def handouts_print() -> Response:
    """Every seat's handout on one page, one seat per printed sheet."""
    host = _host()
    trust = Trust(host.ctx.ca_file, host.classroom.key_pin, request.host_url.rstrip("/"))
    urls = host.ctx.topology.urls()
    body = "".join(handout_html(seat, urls, trust) for seat in host.classroom.seats)
    return page("Handouts", "studio.handouts.print", body or "<p>No classroom.</p>")


@blueprint.get("/handouts/<int:number>")
def handout_page(number: int) -> Response:
    host = _host()
    seat = host.classroom.seat(number)
    if seat is None:
        abort(404)
    journeys = journeys_of_seat(lab_journeys(host.journal), number)
    trust = Trust(host.ctx.ca_file, host.classroom.key_pin, request.host_url.rstrip("/"))
    body = handout_html(seat, host.ctx.topology.urls(), trust) + (
        "<section class='noprint'><h2>This seat's journeys</h2>"
        + journey_list(journeys, "seat-journeys", "No journeys of this seat yet.")
        + "</section>"
    )
    return page(f"Seat {number} handout", "studio.handout", body)


@blueprint.get("/ca.pem")
def ca_certificate() -> Response:
    """The lab CA's certificate (public: what a browser or client must trust)."""
    pem = Path(_host().ctx.ca_file).read_bytes()
    return Response(
        pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": "attachment; filename=m365lab-ca.pem"},
    )


@dataclass(frozen=True)
class Trust:
    """How a seat trusts the lab: the CA file, the server key's pin, the dashboard's URL."""

    ca_file: str | Path
    key_pin: str
    dashboard: str


def handout_html(seat: Seat, urls: dict[str, str], trust: Trust) -> str:
    """Seat ``seat``'s printable handout: URLs, admins, people, the TOTP QR code, trust."""
    esc = html.escape
    ms, jc = seat.world.get("microsoft", {}), seat.world.get("jumpcloud", {})
    rows = [
        ("Microsoft 365 portal", urls["portal"]),
        ("JumpCloud User Portal", urls["console"] + "/userconsole"),
        ("JumpCloud admin console", urls["console"] + "/login"),
        ("Entra ID (sign-in)", urls["login"]),
        ("Microsoft Graph", urls["graph"]),
    ]
    url_rows = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    admins = (
        f"<tr><th>Microsoft Global Administrator</th><td><code>{esc(ms['global_admin']['upn'])}"
        f"</code></td><td><code>{esc(ms['global_admin']['password'])}</code></td></tr>"
        f"<tr><th>JumpCloud administrator</th><td><code>{esc(jc['admin']['email'])}</code></td>"
        f"<td><code>{esc(jc['admin']['password'])}</code></td></tr>"
    )
    return (
        f"<section class='handout' id='handout-{seat.number}'>"
        f"<h1 class='handout-title'>Seat {seat.number}: {esc(ms.get('initial_domain', ''))}</h1>"
        f"<h2>Where</h2><table class='handout-urls'>{url_rows}</table>"
        f"<h2>Administrators</h2><table class='handout-admins'>{admins}</table>"
        f"<h2>People</h2>{_people_table(seat.world.get('people', []))}"
        f"{_totp_block(seat)}{_trust_block(trust)}</section>"
    )


def _people_table(people: Sequence[dict]) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td><code>{esc(p['upn'])}</code></td>"
        f"<td><code>{esc(p.get('jumpcloud_username') or '—')}</code></td>"
        f"<td><code>{esc(p['password'])}</code></td><td>{esc(p['shows'])}</td>"
        f"<td><code>{esc(p['sign_in'])}</code></td></tr>"
        for p in people
    )
    return (
        "<table class='handout-people'><tr><th>user</th><th>JumpCloud username</th>"
        f"<th>password</th><th>shows</th><th>signing in gives</th></tr>{rows}</table>"
    )


def _totp_block(seat: Seat) -> str:
    person = next((p for p in seat.world.get("people", []) if p.get("totp_secret")), None)
    if person is None:
        return ""
    org = seat.world.get("jumpcloud", {}).get("name") or f"Contoso Seat {seat.number}"
    uri = pyotp.TOTP(person["totp_secret"]).provisioning_uri(
        name=person["upn"], issuer_name=f"JumpCloud {org}"
    )
    image = qr_png_data_uri(uri, scale=4)
    esc = html.escape
    picture = f"<img class='totp-qr' alt='TOTP QR code' src='{image}'>" if image else ""
    return (
        f"<h2>MFA</h2><p>{esc(person['upn'])} signs in with a JumpCloud TOTP code. "
        f"Scan this with an authenticator app, or type the secret "
        f"<code class='totp-secret'>{esc(person['totp_secret'])}</code>.</p>{picture}"
    )


def _trust_block(trust: Trust) -> str:
    cert = x509.load_pem_x509_certificate(Path(trust.ca_file).read_bytes())
    fingerprint = _colons(cert.fingerprint(hashes.SHA256()).hex())
    esc = html.escape
    link = f"{trust.dashboard}/ca.pem"
    pin = (
        f"<p>Or pin the lab's server key in Chromium: <code class='spki-pin'>"
        f"--ignore-certificate-errors-spki-list={esc(trust.key_pin)}</code></p>"
        if trust.key_pin
        else ""
    )
    return (
        "<h2>Trusting the lab</h2><p>Every host speaks HTTPS with a certificate of the lab's own "
        f"CA. Download it from <a class='ca-link' href='{esc(link)}'>{esc(link)}</a> and add it to "
        "your browser's or system's trusted authorities (Firefox: Settings → Privacy & "
        "Security → Certificates → Import; Python clients: <code>REQUESTS_CA_BUNDLE</code>). "
        f"Its SHA-256 fingerprint: <code class='ca-fingerprint'>{fingerprint}</code>.</p>{pin}"
    )


def _colons(hex_digest: str) -> str:
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()
