"""Generic expectations: values, the driver's current page, and this scenario's journal."""

from __future__ import annotations

import fnmatch
from typing import Any
from urllib.parse import urlsplit

from harness.drivers.pages import ERROR_CODE
from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError
from harness.scenario.registry import step
from harness.scenario.runner import fetch_timeline


@step("expect.equals")
def equals(ctx: StepContext, actual: Any, expected: Any, message: str | None = None) -> None:
    """``actual`` (usually a ``${...}`` value) must equal ``expected``."""
    if actual != expected:
        raise ExpectationFailed(
            message or f"expected {expected!r}, got {actual!r}", expected=expected, actual=actual
        )


@step("expect.page_shows")
def page_shows(
    ctx: StepContext,
    text: str | None = None,
    element: str | None = None,
    page: str | None = None,
) -> dict:
    """The driver's current page shows ``text`` (in ``element``, by id, if given) and/or is
    ``page`` (its ``data-page``)."""
    if text is None and element is None and page is None:
        raise StepError("give text, element and/or page")
    driver = ctx.driver
    current = {"page": driver.page_id, "url": driver.url}
    if page is not None and driver.page_id != page:
        raise ExpectationFailed(
            f"expected page {page!r}, the driver is on {driver.page_id!r} at {driver.url}",
            expected=page,
            actual=driver.page_id,
        )
    if element is not None and not driver.has(element):
        raise ExpectationFailed(
            f"no element #{element} on page {driver.page_id!r} at {driver.url}",
            expected=f"#{element}",
            actual=f"page {driver.page_id}",
        )
    if text is not None:
        shown = driver.text_of(element) if element else driver.page_text()
        if text not in shown:
            where = f"#{element}" if element else f"page {driver.page_id!r}"
            raise ExpectationFailed(
                f"{where} does not show {text!r}", expected=text, actual=shown[:500]
            )
        current["text"] = shown[:500]
    return current


@step("expect.error_code")
def error_code(ctx: StepContext, code: str) -> None:
    """The driver's current page shows ``#error-code`` ``code`` (e.g. AADSTS50126,
    jumpcloud:suspended)."""
    driver = ctx.driver
    shown = driver.text_of(ERROR_CODE) if driver.has(ERROR_CODE) else None
    if shown != code:
        raise ExpectationFailed(
            f"expected error {code} on the page, page {driver.page_id!r} at {driver.url} shows "
            + (f"error {shown}" if shown else "no #error-code"),
            expected=code,
            actual=shown,
        )


def entry_matches(
    entry: dict, host: str | None, method: str | None, path: str | None, status: int | None
) -> bool:
    """Whether a journal entry fits the filters (``host`` and ``path`` are globs)."""
    entry_path = urlsplit(entry.get("url", "")).path
    return (
        (host is None or fnmatch.fnmatchcase(entry.get("host", ""), host))
        and (method is None or entry.get("method", "").upper() == method.upper())
        and (path is None or fnmatch.fnmatchcase(entry_path, path))
        and (status is None or entry.get("status") == status)
    )


@step("expect.journal_contains")
def journal_contains(
    ctx: StepContext,
    path: str | None = None,
    host: str | None = None,
    method: str | None = None,
    status: int | None = None,
    count: int | None = None,
    absent: bool = False,
) -> list[str]:
    """This scenario's trace has an exchange matching ``host``/``method``/``path`` (globs)/
    ``status`` (exactly ``count`` of them if given; none if ``absent``); returns them."""
    entries, problem = fetch_timeline(ctx.control, ctx.trace, ctx.processes())
    if problem and not entries:
        raise StepError(f"cannot read the journal: {problem}")
    found = [e for e in entries if entry_matches(e, host, method, path, status)]
    shown = [f"{e['method']} {e['host']}{urlsplit(e['url']).path} -> {e['status']}" for e in found]
    wanted = {
        k: v for k, v in dict(host=host, method=method, path=path, status=status).items() if v
    }
    described = ", ".join(f"{k}={v}" for k, v in wanted.items()) or "any exchange"
    if absent and found:
        raise ExpectationFailed(
            f"expected no exchange with {described}, found {len(found)}",
            expected=[],
            actual=shown,
        )
    if not absent and (len(found) != count if count is not None else not found):
        others = [
            f"{e['method']} {e['host']}{urlsplit(e['url']).path} -> {e['status']}" for e in entries
        ][-15:]
        raise ExpectationFailed(
            f"expected {count if count is not None else 'at least one'} exchange(s) with "
            f"{described} in this scenario's trace, found {len(found)}",
            expected=described if count is None else f"{count} x {described}",
            actual=shown or others,
        )
    return shown


@step("expect.contains")
def contains(
    ctx: StepContext, container: Any, item: Any, absent: bool = False, message: str | None = None
) -> None:
    """``item`` is in ``container`` (a list, a mapping's keys, or a text) -- or, with
    ``absent``, is not; e.g. the pages a sign-in went through."""
    try:
        found = item in container
    except TypeError as exc:
        raise StepError(f"cannot look for {item!r} in {type(container).__name__}") from exc
    if found == absent:
        wanted = f"no {item!r}" if absent else repr(item)
        raise ExpectationFailed(
            message or f"expected {wanted} in {container!r}",
            expected=f"{'without' if absent else 'with'} {item!r}",
            actual=container,
        )
