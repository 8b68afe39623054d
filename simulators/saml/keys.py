"""IdP signing key pairs (RSA-2048 + self-signed cert) and certificate encoding helpers."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulators.core.tls import self_signed

from .ids import as_utc


def cert_from_b64(cert_b64: str) -> x509.Certificate:
    """Load a certificate from base64 DER (whitespace tolerated); ValueError if unusable."""
    compact = "".join(cert_b64.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"certificate is not valid base64: {exc}") from None
    return x509.load_der_x509_certificate(der)


def cert_to_b64(cert: x509.Certificate) -> str:
    """Base64 DER of a certificate (metadata X509Certificate / Entra ``signingCertificate``)."""
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def cert_b64_to_pem(cert_b64: str) -> str:
    """Convert base64 DER to a PEM string."""
    return cert_from_b64(cert_b64).public_bytes(serialization.Encoding.PEM).decode("ascii")


def cert_fingerprint(cert: x509.Certificate, algorithm: str = "sha256") -> str:
    """Upper-case colon-separated fingerprint (``sha256`` or ``sha1``)."""
    algo: hashes.HashAlgorithm = hashes.SHA1() if algorithm == "sha1" else hashes.SHA256()
    return ":".join(f"{b:02X}" for b in cert.fingerprint(algo))


@dataclass(frozen=True)
class SigningKeyPair:
    """A loaded RSA private key plus its certificate; the key object is parsed once and reused."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    _cert_b64: str = field(init=False, repr=False, compare=False)
    _cert_pem: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cert_b64", cert_to_b64(self.certificate))
        pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        object.__setattr__(self, "_cert_pem", pem)

    @classmethod
    def generate(
        cls,
        common_name: str,
        now: datetime,
        *,
        valid_days: int = 3650,
        key_size: int = 2048,
    ) -> SigningKeyPair:
        """Create a fresh RSA key and a self-signed cert valid from ``now`` for ``valid_days``."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        start = as_utc(now).replace(microsecond=0)
        cert = self_signed(key, name, start, valid_days)
        return cls(private_key=key, certificate=cert)

    @classmethod
    def from_pem(
        cls,
        key_pem: str | bytes,
        cert_pem: str | bytes,
        password: bytes | None = None,
        *,
        checked: bool = False,
    ) -> SigningKeyPair:
        """Load from PEM strings (e.g. JumpCloud's ``idpPrivateKey`` / ``idpCertificate``).

        ``checked``: the pair was made or validated by the lab before it was stored, so
        OpenSSL's RSA consistency check (~25 ms of primality tests) is skipped.
        """
        key_bytes = key_pem.encode() if isinstance(key_pem, str) else key_pem
        cert_bytes = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
        key = serialization.load_pem_private_key(
            key_bytes, password=password, unsafe_skip_rsa_key_validation=checked
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("only RSA signing keys are supported")
        cert = x509.load_pem_x509_certificate(cert_bytes)
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey) or (
            public.public_numbers() != key.public_key().public_numbers()
        ):
            raise ValueError("certificate does not match the private key")
        return cls(private_key=key, certificate=cert)

    @property
    def cert_pem(self) -> str:
        """Certificate as PEM."""
        return self._cert_pem

    @property
    def cert_b64(self) -> str:
        """Certificate as single-line base64 DER."""
        return self._cert_b64

    @property
    def key_pem(self) -> str:
        """Private key as unencrypted PKCS#8 PEM (for persisting in the lab store)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate."""
        return cert_fingerprint(self.certificate, "sha256")

    @property
    def fingerprint_sha1(self) -> str:
        """SHA-1 fingerprint (what many admin UIs display)."""
        return cert_fingerprint(self.certificate, "sha1")
