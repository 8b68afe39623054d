"""Median SAML assertion signing / verification time over 200 runs (plain script)."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.saml import constants as c
from simulators.saml.keys import SigningKeyPair
from simulators.saml.messages import ResponseSpec, build_response
from simulators.saml.signing import sign_response
from simulators.saml.verify import IdpTrust, SpSettings, SpVerifier, static_trust

RUNS = 200
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
ISSUER = "https://corp.example.com"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    """Print median build, sign (assertion-only and both) and verify times."""
    key = SigningKeyPair.generate("bench", NOW)
    spec = ResponseSpec(
        issuer=ISSUER,
        destination=c.ENTRA_ACS_URL,
        audience=c.ENTRA_ENTITY_ID,
        name_id="Zm9vYmFyLWltbXV0YWJsZS1pZA==",
        in_response_to="_req",
        attributes={"IDPEmail": ["alice@corp.example.com"]},
    )
    verifier = SpVerifier(SpSettings(), static_trust(IdpTrust(ISSUER, [key.cert_b64])))
    build, sign_a, sign_b, verify = [], [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        root = build_response(spec, NOW)
        t1 = time.perf_counter()
        signed = sign_response(root, key)
        t2 = time.perf_counter()
        sign_response(build_response(spec, NOW), key, sign_response=True)
        t3 = time.perf_counter()
        verifier.verify_xml(signed, now=NOW, expected_in_response_to={"_req"})
        t4 = time.perf_counter()
        build.append(t1 - t0)
        sign_a.append(t2 - t1)
        sign_b.append(t3 - t2)
        verify.append(t4 - t3)
    print(f"runs: {RUNS}")
    print(f"build response        median {_median_ms(build):.3f} ms")
    print(f"sign assertion-only   median {_median_ms(sign_a):.3f} ms")
    print(f"build+sign both       median {_median_ms(sign_b):.3f} ms")
    print(f"verify assertion-only median {_median_ms(verify):.3f} ms")


if __name__ == "__main__":
    main()
