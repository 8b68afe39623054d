"""A throwaway IdP signing certificate for federation configurations in tests."""

from __future__ import annotations

import datetime as dt
from functools import cache

from simulators.saml.keys import SigningKeyPair


@cache
def idp_certificate() -> str:
    """base64 DER of a self-signed certificate (what ``signingCertificate`` holds)."""
    return SigningKeyPair.generate("idp.test", dt.datetime.now(dt.UTC)).cert_b64
