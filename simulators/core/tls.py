"""The lab's own certificate authority and the server certificate every host presents."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulators.core.files import write_atomic, write_private

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

CA_NAME = "m365lab Local CA"
CA_DAYS = 3650
SERVER_DAYS = 825


@dataclass(frozen=True)
class ServerCredentials:
    """Paths a TLS server needs, and the bundle clients trust."""

    cert_file: Path
    key_file: Path
    ca_file: Path


def spki_sha256(cert_file: Path) -> str:
    """Base64 SHA-256 of a certificate's public key.

    Chromium's ``--ignore-certificate-errors-spki-list`` takes it: it pins exactly this key.
    """

    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def default_ca_dir() -> Path:
    """Per-user cache directory, so a CA is made once per machine user."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "m365lab" / "ca"


@contextlib.contextmanager
def _ca_lock(ca_dir: Path) -> Iterator[None]:
    """One process at a time makes or reads the CA and its server certificates: labs started
    together share a CA directory, and a second CA would overwrite the first."""
    ca_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(ca_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def key_usage(*, signing: bool = True, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def self_signed(
    key: PrivateKey, subject: x509.Name, not_before: dt.datetime, days: int, *, ca: bool = False
) -> x509.Certificate:
    """A self-signed certificate: the lab CA (``ca=True``) or a signing certificate."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(key_usage(ca=ca), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    return builder.sign(key, hashes.SHA256())


def ensure_ca(ca_dir: Path) -> tuple[Path, Path]:
    """Create the CA in ``ca_dir`` unless one is there; return (cert path, key path)."""
    with _ca_lock(ca_dir):
        return _ensure_ca(ca_dir)


def _ensure_ca(ca_dir: Path) -> tuple[Path, Path]:
    cert_path, key_path = ca_dir / "ca.pem", ca_dir / "ca.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=30):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "m365lab"),
        ]
    )
    cert = self_signed(key, name, dt.datetime.now(dt.UTC) - dt.timedelta(days=1), CA_DAYS, ca=True)
    write_private(key_path, _key_pem(key))
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_credentials(
    ca_dir: Path, dns_names: list[str], ip_addresses: list[str]
) -> ServerCredentials:
    """A server certificate signed by the lab CA whose SANs cover every name and IP.

    Certificates are cached per SAN set next to the CA, so a restart reuses them.
    """
    with _ca_lock(ca_dir):
        return _server_credentials(ca_dir, dns_names, ip_addresses)


def _server_credentials(
    ca_dir: Path, dns_names: list[str], ip_addresses: list[str]
) -> ServerCredentials:
    ca_cert_path, ca_key_path = _ensure_ca(ca_dir)
    digest = hashlib.sha256(
        ca_cert_path.read_bytes() + "|".join(dns_names + ip_addresses).encode()
    ).hexdigest()[:16]
    cert_path, key_path = ca_dir / f"server-{digest}.pem", ca_dir / f"server-{digest}.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=30):
            return ServerCredentials(cert_path, key_path, ca_cert_path)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    ca_public = ca_cert.public_key()
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) or not isinstance(
        ca_public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    ):
        raise ValueError(f"{ca_key_path}: the lab CA's key is neither EC nor RSA")
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "m365lab hosts")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_private(key_path, _key_pem(key))
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return ServerCredentials(cert_path, key_path, ca_cert_path)
