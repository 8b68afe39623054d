"""Every error the lab can produce has an explanation: AADSTS codes and SAML sub-reasons, each
``jumpcloud:`` refusal, each sync status of the Microsoft 365 directory integration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulators.core.errors import code_for_status
from simulators.core.explanations import (
    AADSTS,
    JUMPCLOUD,
    SUB_REASONS,
    SYNC,
    UNKNOWN,
    explain,
    lookup,
    more_details_html,
    sync_code,
)
from simulators.microsoft.entra import aadsts
from simulators.saml.errors import AADSTS_CODES, Reason

ROOT = Path(__file__).resolve().parents[3] / "simulators"


def _source(*parts: str) -> str:
    base = ROOT.joinpath(*parts)
    files = [base] if base.is_file() else sorted(base.rglob("*.py"))
    return "\n".join(f.read_text() for f in files)


def lab_aadsts_codes() -> set[int]:
    """The AADSTS table, every code raised anywhere, every SAML reason's code."""
    table = {int(c) for c in re.findall(r"Aadsts\(\s*(\d+)", _source("microsoft", "entra"))}
    raised = {int(c) for c in re.findall(r"AadstsError\(\s*(\d+)", _source())}
    table |= {getattr(e, "code", e) for e in getattr(aadsts, "_TABLE", [])}
    return table | raised | set(AADSTS_CODES.values())


def lab_sub_reasons() -> set[str]:
    literal = set(re.findall(r"sub_reason=\"(\w+)\"", _source()))
    # a sub-reason chosen first and passed on: ``reason = "IDPEMAIL_MISMATCH"``
    chosen = set(re.findall(r"\breason = \"([A-Z][A-Z_]+)\"", _source("microsoft")))
    return literal | chosen | {r.value for r in Reason}


def lab_jumpcloud_codes() -> set[str]:
    """Every reason a JumpCloud page or redirect can show as ``jumpcloud:<reason>``."""
    jc = _source("jumpcloud")
    codes: set[str] = set()
    for block in re.findall(r"class Failure\(StrEnum\):(.*?)\n\n\n", jc, re.S):  # portal rules
        codes |= set(re.findall(r"= \"(\w+)\"", block))
    for block in re.findall(r"MESSAGES = \{(.*?)\n\}", jc, re.S):
        codes |= set(re.findall(r"^\s+\"(\w+)\":", block, re.M))
    codes |= set(re.findall(r"SsoRefusal\(\s*\"(\w+)\"", jc))  # also over several lines
    codes |= set(re.findall(r"signin_page\(\s*\"(\w+)\"", jc))
    codes |= set(re.findall(r"error_page\(\s*\"[^\"]+\",\s*\"(\w+)\"", jc))
    codes |= set(re.findall(r"\berror=\"(\w+)\"", jc))
    codes |= set(re.findall(r"decision\([^)]*reason=\"(\w+)\"", jc, re.S))
    for call in re.findall(r"failed\(\w+,\s*([^\n]+)", jc):
        codes |= set(re.findall(r"\"(\w+)\"", call.split(",")[0]))
    for block in re.findall(r"reason = \((.*?)\)", jc, re.S):
        codes |= set(re.findall(r"\"([a-z_]+)\"", block))
    # the User Portal's generic error pages: the status code's name in snake case
    codes |= {re.sub(r"(?<!^)([A-Z])", r"_\1", code_for_status(s)).lower() for s in range(400, 600)}
    return codes


def lab_sync_statuses() -> list[dict]:
    """A ``syncStatus`` for every message and detail code the integration writes."""
    m365 = _source("jumpcloud", "m365")
    found = [
        {"code": 200, "message": m} for m in re.findall(r"_status\(\s*[^\"]*?\"([^\"]+)\"", m365)
    ]
    found += [
        {"code": 400, "message": m} for m in re.findall(r"SyncError\(\s*\d+,\s*f?\"([^\"]+)", m365)
    ]
    found += [
        {"code": 400, "message": "x", "details": [{"code": c}]}
        for c in re.findall(r"\"code\": \"(\w+)\"", m365)
    ]
    found.append({"code": 403, "message": "Authorization_RequestDenied: Insufficient privileges"})
    return found


def test_the_enumeration_finds_what_it_should():
    assert {51004, 50126, 50008, 90081, 500081, 50107} <= lab_aadsts_codes()
    assert {"IMMUTABLE_ID_NOT_FOUND", "IDPEMAIL_MISMATCH", "NO_SIGNATURE"} <= lab_sub_reasons()
    assert {"suspended", "not_assigned", "invalid_saml_request", "no_passive", "staged"} <= (
        lab_jumpcloud_codes()
    )
    assert len(lab_sync_statuses()) >= 8


@pytest.mark.parametrize("code", sorted(lab_aadsts_codes()))
def test_every_aadsts_code_has_an_entry(code):
    assert code in AADSTS, f"AADSTS{code} has no explanation in simulators/core/explanations.py"
    assert lookup(f"AADSTS{code}") is not None


@pytest.mark.parametrize("reason", sorted(lab_sub_reasons()))
def test_every_sub_reason_has_an_entry(reason):
    assert reason in SUB_REASONS, f"sub-reason {reason} has no explanation"


@pytest.mark.parametrize("reason", sorted(lab_jumpcloud_codes()))
def test_every_jumpcloud_refusal_has_an_entry(reason):
    assert lookup(f"jumpcloud:{reason}") is not None, f"jumpcloud:{reason} has no explanation"


@pytest.mark.parametrize("status", lab_sync_statuses(), ids=lambda s: s["message"][:40])
def test_every_sync_status_has_an_entry(status):
    key = sync_code(status)
    assert key.split(":", 1)[1] in SYNC


def test_every_entry_is_complete_and_its_templates_fill():
    values = {"user": "nora", "upn": "nora@contoso.com", "name_id": "nora@contoso.com"}
    entries = [*AADSTS.values(), *SUB_REASONS.values(), *JUMPCLOUD.values(), *SYNC.values()]
    for entry in entries:
        filled = entry.fill(values)
        for text in (filled.title, filled.compared, filled.cause, filled.fix):
            assert text and "{" not in text, entry
        if filled.fix_link:
            assert re.fullmatch(r"(console|login|portal|sso|graph):/\S*", filled.fix_link)


def test_nora_is_told_to_bind_her_user():
    text = explain(
        "AADSTS51004",
        {"user": "nora", "upn": "nora@contoso.com", "sub_reason": "IMMUTABLE_ID_NOT_FOUND"},
    )
    assert text.cause.startswith("nora is not bound to the Microsoft 365 directory in JumpCloud")
    assert text.fix.startswith("Bind nora: Console → Users → nora → Directories")
    assert text.compared == (
        "NameID (the NameID JumpCloud sent) vs onPremisesImmutableId of nora@contoso.com: (none)"
    )
    assert text.fix_link == "console:/users"


def test_a_sub_reason_picks_the_precise_entry_and_unknown_codes_stay_readable():
    assert explain("AADSTS50008", {"sub_reason": "IDPEMAIL_MISMATCH"}).title == (
        "IDPEmail is not the user's UPN"
    )
    assert "SHA-1" in explain("AADSTS50008", {"sub_reason": "DEPRECATED_ALGORITHM"}).cause
    assert explain("AADSTS50008").title == AADSTS[50008].title
    odd = explain("AADSTS1234567")
    assert odd.title == "AADSTS1234567" and odd.cause == UNKNOWN.cause
    assert explain("jumpcloud:not_found").title == "Not found"


def test_sync_codes_of_real_statuses():
    assert sync_code({"code": 400, "details": [{"code": "DomainNotVerified"}]}) == (
        "sync:DomainNotVerified"
    )
    assert sync_code({"code": 202, "message": "Paused: authorize sync"}) == "sync:Paused"
    assert sync_code({"code": 200, "message": "Synced; manager not set"}) == "sync:ManagerNotSet"


def test_more_details_block_is_escaped_and_empty_without_a_code():
    assert more_details_html(None) == ""
    html = str(more_details_html("jumpcloud:not_assigned", app="<b>x</b>"))
    assert html.startswith("<details id='more-details'><summary>More details</summary>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html
    assert "id='more-fix'" in html and "more-fix-link" not in html  # no app: no lab URL
