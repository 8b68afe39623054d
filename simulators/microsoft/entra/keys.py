"""The STS signing key: RSA-2048 with a self-signed certificate, kept in the state dir."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulators.core.files import write_private
from simulators.core.tls import self_signed


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """Private key, certificate and the ids (kid == x5t, as Entra publishes them)."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    # The key never changes once loaded: its encodings are computed once (every token needs them).
    @cached_property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @cached_property
    def x5t(self) -> str:
        return b64url(hashlib.sha1(self.der).digest())

    @property
    def kid(self) -> str:
        return self.x5t

    def jwk(self, issuer: str) -> dict:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.x5t,
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
            "x5c": [base64.b64encode(self.der).decode()],
            "issuer": issuer,
        }


def _load(path: Path) -> SigningKey:
    data = path.read_bytes()
    # the lab wrote this key itself: OpenSSL's RSA consistency check (primality tests,
    # ~25 ms) would only add to every start
    key = serialization.load_pem_private_key(
        data, password=None, unsafe_skip_rsa_key_validation=True
    )
    cert = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE") :])
    assert isinstance(key, rsa.RSAPrivateKey)
    return SigningKey(key, cert)


def _create(path: Path) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")]
    )
    cert = self_signed(key, name, dt.datetime.now(dt.UTC) - dt.timedelta(days=1), 3650)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)
    write_private(path, pem)
    return SigningKey(key, cert)


class KeySource:
    """The STS key of a state directory: read at once when the directory has one, else made
    on a thread of its own.

    Generating an RSA-2048 key takes 8 to 80 ms (the prime search is random) and releases the
    GIL, so a first start builds its hosts and starts serving meanwhile. ``get`` waits for the
    key; the lab calls it once every host answers, so a key that cannot be made still fails
    the start rather than the first token.
    """

    def __init__(self, path: Path) -> None:
        self._key: SigningKey | None = None
        self._error: BaseException | None = None
        self._making: threading.Thread | None = None
        if path.exists():
            self._key = _load(path)
        else:
            self._making = threading.Thread(
                target=self._make, args=(path,), name="m365lab-sts-key", daemon=True
            )
            self._making.start()

    def _make(self, path: Path) -> None:
        try:
            self._key = _create(path)
        except BaseException as exc:  # handed to whoever asks for the key
            self._error = exc

    def get(self) -> SigningKey:
        """The key, once made; the error that stopped it being made, if one did."""
        making = self._making
        if making is not None:
            making.join()
            self._making = None
        if self._error is not None:
            raise self._error
        assert self._key is not None
        return self._key
