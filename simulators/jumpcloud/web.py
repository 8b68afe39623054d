"""What the console host's pages share: their state (``portal()``, ``console()``, set up by
``install_state``), CSRF, safe return URLs, the TOTP enrolment URI and its QR code."""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, current_app, render_template, request, session

from simulators.core.context import LabContext

from .console.rules import Console
from .model import JumpCloudModel
from .userportal.rules import Portal

CSRF_KEY = "jc_csrf"
PORTAL = "m365lab.jumpcloud.portal"
CONSOLE = "m365lab.jumpcloud.console"


def install_state(app: Flask, model: JumpCloudModel, ctx: LabContext) -> None:
    """What the console host's handlers reach, kept on the app."""
    app.extensions[PORTAL] = Portal(model, ctx)
    app.extensions[CONSOLE] = Console(model, ctx)


def portal() -> Portal:
    """The User Portal's state and rules of the current app."""
    return current_app.extensions[PORTAL]


def console() -> Console:
    """The admin console's state and rules of the current app."""
    return current_app.extensions[CONSOLE]


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(24)
        session[CSRF_KEY] = token
    return token


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    expected = session.get(CSRF_KEY, "")
    return bool(sent and expected) and hmac.compare_digest(sent, expected)


def error_page(template: str, reason: str, message: str, status: int = 400) -> Response:
    """``jc.error``-style page: ``#error-code`` = ``jumpcloud:<reason>``."""
    body = render_template(template, code=f"jumpcloud:{reason}", message=message)
    return Response(body, status=status, mimetype="text/html")


def same_lab_url(ctx: LabContext, url: str | None) -> str | None:
    """``url`` if it points at the console or SSO host of this lab, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    allowed = {ctx.url("console"), ctx.url("sso")}
    return url if origin in allowed and parts.scheme == "https" else None


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def qr_png_data_uri(text: str, scale: int = 5) -> str | None:
    """A ``data:image/png`` QR code, or None when the ``qrcode`` package is missing.

    qrcode is installed without a PNG backend (no pillow/pypng), so the PNG is encoded here
    from the module matrix: 8-bit grayscale, one zlib stream, IHDR/IDAT/IEND chunks.
    """
    try:
        import qrcode
    except ImportError:
        return None
    qr = qrcode.QRCode(border=2)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    rows = []
    for line in matrix:
        pixels = b"".join((b"\x00" if dark else b"\xff") * scale for dark in line)
        rows.extend([b"\x00" + pixels] * scale)
    size = len(matrix) * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()
