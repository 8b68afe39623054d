"""Seeded mutation fuzzing of signed responses.

Invariant: the engine either raises ``SamlValidationError`` (never ``UNEXPECTED``, never another
exception type) or returns a result whose data equals the unmutated original's, i.e. the mutation
only touched bytes outside the signed content (e.g. an unsigned Response attribute, whitespace,
or the redundant Response signature).
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict

import pytest
from lxml import etree

from simulators.saml import constants as saml_spec
from simulators.saml.errors import Reason, SamlValidationError
from simulators.saml.verify import IdpTrust, ReplayCache, SpSettings, SpVerifier, static_trust

from .helpers import ISSUER, NOW, REQUEST_ID, base_spec, idp_key, signed

SEED = 20261128
ITERATIONS = 3000
NAMESPACES = [saml_spec.SAML_NS, saml_spec.SAMLP_NS, saml_spec.DS_NS, "urn:evil", None]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _byte_flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        pos = rng.randrange(len(buf))
        buf[pos] ^= rng.randint(1, 255)
    return bytes(buf)


def _delete(rng: random.Random, root: etree._Element) -> None:
    victim = rng.choice(_elements(root)[1:])
    victim.getparent().remove(victim)


def _duplicate(rng: random.Random, root: etree._Element) -> None:
    victim = rng.choice(_elements(root)[1:])
    victim.addnext(copy.deepcopy(victim))


def _move(rng: random.Random, root: etree._Element) -> None:
    victim = rng.choice(_elements(root)[1:])
    targets = [
        el for el in _elements(root) if el is not victim and victim not in el.iterancestors()
    ]
    target = rng.choice(targets)
    target.insert(rng.randint(0, len(target)), victim)


def _attribute(rng: random.Random, root: etree._Element) -> None:
    candidates = [el for el in _elements(root) if el.attrib]
    el = rng.choice(candidates)
    name = rng.choice(list(el.attrib))
    choice = rng.randrange(4)
    if choice == 0:
        del el.attrib[name]
    elif choice == 1:
        el.set(name, "")
    elif choice == 2:
        el.set(name, el.get(name) + rng.choice(["x", " ", "#", "0"]))
    else:
        other = rng.choice(_elements(root))
        el.set(name, other.get("ID") or "_other")


def _text(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    choice = rng.randrange(4)
    if choice == 0:
        el.text = (el.text or "") + rng.choice(["x", "=", " ", "\n"])
    elif choice == 1:
        el.text = None
    elif choice == 2:
        el.tail = (el.tail or "") + rng.choice([" ", "\n", "\t"])  # whitespace only
    else:
        el.append(etree.Comment("c"))


def _namespace(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    local = etree.QName(el).localname
    ns = rng.choice(NAMESPACES)
    el.tag = f"{{{ns}}}{local}" if ns else local


TREE_MUTATORS: list[Callable[[random.Random, etree._Element], None]] = [
    _delete,
    _duplicate,
    _move,
    _attribute,
    _text,
    _namespace,
]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.3:
        return _byte_flip(rng, data)
    root = etree.fromstring(data)
    for _ in range(rng.randint(1, 2)):
        rng.choice(TREE_MUTATORS)(rng, root)
    return etree.tostring(root)


def _data(result) -> dict:
    values = asdict(result)
    values.pop("response_signed")
    return values


@pytest.mark.parametrize("sign_response", [False, True], ids=["assertion-only", "both"])
def test_fuzzed_responses_never_misbehave(sign_response: bool) -> None:
    rng = random.Random(SEED + sign_response)
    fixed_ids = base_spec(response_id="_r0", assertion_id="_a0", session_index="_s0")
    original = signed(fixed_ids, sign_response=sign_response)
    trust = static_trust(IdpTrust(ISSUER, [idp_key().cert_b64]))

    def verifier() -> SpVerifier:
        return SpVerifier(SpSettings(), trust, ReplayCache())

    baseline = _data(verifier().verify_xml(original, now=NOW, expected_in_response_to={REQUEST_ID}))
    outcomes: Counter[str] = Counter()
    for _ in range(ITERATIONS // 2):
        mutated = _mutate(rng, original)
        try:
            result = verifier().verify_xml(mutated, now=NOW, expected_in_response_to={REQUEST_ID})
        except SamlValidationError as exc:
            assert exc.reason is not Reason.UNEXPECTED, exc.detail
            outcomes[exc.reason.value] += 1
            continue
        assert _data(result) == baseline, mutated
        outcomes["ACCEPTED"] += 1
    # The fuzzer must actually reach deep checks, not only the parser.
    assert outcomes["INVALID_SIGNATURE"] > 50
    assert len(outcomes) > 15, outcomes
