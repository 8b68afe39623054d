"""Every corpus case is rejected with exactly its expected Reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulators.saml.errors import Reason, SamlValidationError
from simulators.saml.verify import SpSettings

from .corpus import Case, all_cases
from .helpers import Sp

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_rejected_with_expected_reason(case: Case) -> None:
    sp = Sp(settings=replace(SpSettings(), **case.settings))
    with pytest.raises(SamlValidationError) as info:
        if case.channel == "post":
            result = sp.verifier.verify_post(
                [case.data], now=sp_now(), expected_in_response_to=sp.pending
            )
        else:
            result = sp.verify(case.data)
        if case.reason is Reason.DUPLICATE_ATTRIBUTE:
            result.attribute("IDPEmail")
    assert info.value.reason is case.reason, info.value
    assert info.value.code == case.reason.code


def sp_now():
    from .helpers import NOW

    return NOW
