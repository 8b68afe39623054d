"""One static HTML file per run: summary, each scenario's steps, failure, timeline, screenshots.

Everything is inline (styles, screenshots as data: URIs); no script is needed to read it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.scenario.results import ERROR, FAILED, PASSED, ScenarioResult, StepResult
from harness.studio.diagram import sequence_svg
from harness.studio.journeys import Exchange, Journey, group_journeys
from harness.studio.messages import Field, Message, decode_exchange
from simulators.core.explanations import explain

VALUE_CAP = 2000
STATUS_CLASS = {2: "ok", 3: "redirect", 4: "client-error", 5: "server-error"}
_SVG_NS = " xmlns='http://www.w3.org/2000/svg'"
_JWT = re.compile(
    r"\beyJ[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]+\.(?:\[signature-redacted\]|[A-Za-z0-9_-]*)"
)
_JWT_SHOWN = "[JWT: decoded above]"
_STYLE = re.compile(r"<style>.*?</style>", re.S)
_SAML_VALUE = re.compile(
    r"((?:name=[\"'](SAMLRequest|SAMLResponse)[\"'][^>]*?value=[\"']|(SAMLRequest|SAMLResponse)=))"
    r"[A-Za-z0-9+/=%_-]{40,}"
)

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:0}
.summary span{margin-right:1rem}.passed{color:#1a7f37}.failed,.error{color:#cf222e}
.skipped{color:#6e7781}
section.scenario{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.75rem 1rem}
section.scenario>header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
.badge{font-weight:600;text-transform:uppercase;font-size:.8rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
td,th{border-bottom:1px solid #eaeef2;padding:.25rem .5rem;text-align:left;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:.8rem}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:30rem;white-space:pre-wrap}
.failure{background:#ffebe9;border:1px solid #ff818266;border-radius:6px;padding:.5rem .75rem}
.expected{color:#1a7f37}.actual{color:#cf222e}
.timeline td.host{font-weight:600}.timeline .redirect{color:#0550ae}
.timeline .client-error{color:#9a6700}.timeline .server-error{color:#cf222e}
.timeline .ok{color:#1a7f37}.decoded{margin:.25rem 0}
.label{color:#57606a;font-size:.8rem}table.fields th{font-weight:500;width:14rem}
tr.deciding th{font-weight:700}section.journey{margin:.75rem 0}.diagram{overflow-x:auto}
dl.explanation{color:#1f2328;background:#fff8c5;border:1px solid #d4a72c66;border-radius:6px;
padding:.5rem}
dl.explanation dt{font-weight:600}
img.shot{max-width:100%;border:1px solid #d0d7de;margin:.25rem 0}
.meta{color:#57606a;font-size:.85rem}.say{font-style:italic;color:#57606a}
"""


def _json(value: Any) -> str:
    try:
        text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= VALUE_CAP else text[:VALUE_CAP] + "\n…"


def _inline(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "…"


def _image(path: Path) -> str:
    try:
        data = base64.b64encode(path.read_bytes()).decode()
    except OSError:
        return f"<p class='meta'>screenshot missing: {escape(str(path))}</p>"
    return f"<img class='shot' alt='{escape(path.name)}' src='data:image/png;base64,{data}'>"


def _artifact(label: str, path: Path) -> str:
    if path.suffix == ".png":
        return f"<figure><figcaption>{escape(label)}</figcaption>{_image(path)}</figure>"
    return f"<p class='meta'>{escape(label)}: <code>{escape(str(path))}</code></p>"


def _step_row(step: StepResult) -> str:
    args = step.resolved if step.resolved is not None else step.args
    message = f"<div>{escape(step.message)}</div>" if step.message else ""
    say = f"<div class='say'>{escape(step.say)}</div>" if step.say else ""
    return (
        f"<tr class='step {step.status}'><td>{step.index}</td><td><code>{escape(step.name)}"
        f"</code>{' #' + escape(step.step_id) if step.step_id else ''}{say}</td>"
        f"<td>{step.line or ''}</td><td class='{step.status}'>{step.status}</td>"
        f"<td>{step.duration:.3f}s</td><td><code>{escape(_inline(args))}</code>{message}</td></tr>"
    )


def _failure(result: ScenarioResult) -> str:
    if result.ok:
        return ""
    step = result.failed_step
    parts = [f"<p><strong>{escape(result.failure_message)}</strong></p>"]
    if step is not None and step.has_expectation:
        parts.append(
            "<table class='expected-actual'><tr><th>expected</th><th>actual</th></tr>"
            f"<tr><td class='expected'><pre>{escape(_json(step.expected))}</pre></td>"
            f"<td class='actual'><pre>{escape(_json(step.actual))}</pre></td></tr></table>"
        )
    if step is not None and step.traceback:
        parts.append(
            f"<details><summary>traceback</summary><pre>{escape(step.traceback)}</pre></details>"
        )
    return f"<div class='failure'>{''.join(parts)}</div>"


def _pre(text: str) -> str:
    """Element text needs no quote escaping: ``"`` stays one byte instead of six."""
    return escape(text, quote=False)


def _traffic(result: ScenarioResult, index: int) -> str:
    """The scenario's sign-ins as journeys (diagram, outcome, explanation), then every exchange
    of its trace with its details."""
    prefix = f"s{index}-"
    entries = result.timeline
    journeys = group_journeys(entries)
    labels = {
        id(x.entry): x for journey in journeys for x in journey.exchanges
    }  # an exchange's label and lane, when it belongs to a sign-in
    note = f"<p class='meta'>{escape(result.timeline_error)}</p>" if result.timeline_error else ""
    shown = _Shown()
    rows = [
        _row(entry, labels.get(id(entry)), prefix, shown, result.trace)
        for entry in entries
        if entry.get("method") != "DECISION"
    ]
    body = "".join(rows) or "<tr><td colspan='6'>No exchanges in this scenario's trace.</td></tr>"
    return (
        "".join(_journey(j, prefix) for j in journeys)
        + f"<h3>Timeline ({len(rows)} exchanges, trace <code>{escape(result.trace)}</code>)</h3>"
        f"{note}<table class='timeline' id='timeline-{index}'><thead><tr><th>time</th>"
        "<th>host</th><th>request</th><th>status</th><th>ms</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _journey(journey: Journey, prefix: str) -> str:
    status = "passed" if journey.ok else "failed" if journey.outcome else "skipped"
    svg = sequence_svg(journey, anchor_prefix=prefix).replace(_SVG_NS, "", 1)
    return (
        f"<section class='journey' id='{prefix}{journey.id}'><h3 class='{status}'>"
        f"{escape(journey.title)}</h3>{_explanation(journey)}"
        f"<div class='diagram'>{svg}</div></section>"
    )


def _explanation(journey: Journey) -> str:
    if not journey.outcome:
        return ""
    values: dict[str, object] = {
        "user": (journey.who or "").split("@")[0],
        "upn": journey.who,
        "sub_reason": journey.sub_reason,
        "app": journey.app,
        "tenant": journey.world,
    }
    for exchange in journey.exchanges:
        if exchange.is_error and "SAMLResponse" in exchange.label:
            for message in decode_exchange(exchange):
                values.update(_saml_values(message))
    text = explain(journey.outcome, values)
    return (
        f"<dl class='explanation'><dt>{escape(text.title)}</dt>"
        f"<dd>Compared: {escape(text.compared)}</dd><dd>Cause: {escape(text.cause)}</dd>"
        f"<dd>Fix: {escape(text.fix)}</dd></dl>"
    )


def _saml_values(message: Message) -> dict[str, str]:
    names = {"NameID": "name_id", "Issuer": "issuer", "IDPEmail": "idp_email",
             "Audience": "audience", "Destination": "destination"}  # fmt: skip
    return {names[f.name]: f.value for f in message.fields if f.name in names and f.value}


class _Shown:
    """What a scenario already showed: a repeated message or body points at its first row."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}

    def first(self, key: str, anchor: str) -> str | None:
        """The anchor that showed ``key`` first, or None (and ``anchor`` now shows it)."""
        found = self.where.get(key)
        if found is None:
            self.where[key] = anchor
        return found


def _row(entry: dict, exchange: Exchange | None, prefix: str, shown: _Shown, trace: str) -> str:
    status = int(entry.get("status") or 0)
    css = STATUS_CLASS.get(status // 100, "")
    anchor = prefix + (exchange.anchor if exchange else f"exchange-{entry.get('seq', 0)}")
    label = f"<div class='label'>{escape(exchange.label)}</div>" if exchange else ""
    fault = " <span class='badge failed'>fault</span>" if entry.get("fault") else ""
    details = _messages(entry, exchange, anchor, shown) + _http(entry, anchor, shown, trace)
    return (
        f"<tr class='exchange {css}' id='{escape(anchor, quote=True)}'>"
        f"<td>{escape(str(entry.get('time', ''))[11:23])}</td>"
        f"<td class='host'>{escape(str(entry.get('host', '?')))}</td>"
        f"<td><code>{escape(str(entry.get('method', '?')))} {escape(_path(entry))}</code>"
        f"{label}<details><summary>details</summary>{details}</details></td>"
        f"<td class='{css}'>{status}{fault}</td>"
        f"<td>{float(entry.get('duration_ms') or 0):.1f}</td></tr>"
    )


def _messages(entry: dict, exchange: Exchange | None, anchor: str, shown: _Shown) -> str:
    if not _carries_messages(entry):
        return ""
    parts = []
    for message in decode_exchange(exchange or entry):
        head = f"{escape(message.title)} · {escape(message.carrier)} ({escape(message.where)})"
        first = shown.first("m:" + message.encoded, anchor)
        if first is not None:
            parts.append(
                f"<p class='decoded'>{head}: the same as in <a href='#{escape(first, quote=True)}'>"
                f"{escape(first.rsplit('-', 1)[-1])}</a></p>"
            )
            continue
        rows = "".join(_field_row(f) for f in message.fields)
        parts.append(
            f"<details class='decoded'><summary>{head}</summary><table class='fields'>{rows}"
            f"</table><details><summary>source</summary><pre>{_pre(message.raw)}</pre></details>"
            "</details>"
        )
    return "".join(parts)


def _field_row(field: Field) -> str:
    css = " class='deciding'" if field.deciding else ""
    return (
        f"<tr{css}><th>{escape(field.name)}</th><td>{escape(field.value)}</td>"
        f"<td>{_expected(field)}</td></tr>"
    )


def _expected(field: Field) -> str:
    if field.expected is None:
        return ""
    mark = "" if field.ok is None else " ✓" if field.ok else " ✗"
    css = "expected" if field.ok else "actual"
    return f"<span class='{css}'>{escape(field.expected)}{mark}</span>"


def _carries_messages(entry: dict) -> bool:
    return any(
        marker in (entry.get(k) or "")
        for k in ("url", "request_body", "response_body")
        for marker in ("SAMLRequest", "SAMLResponse", "eyJ")
    ) or "eyJ" in json.dumps(entry.get("request_headers") or {})


def _implied(name: str, value: str, trace: str) -> bool:
    """Headers the row says already: the host column, the scenario's trace."""
    return name == "Host" or (name == "X-Lab-Trace" and value == trace)


def _http(entry: dict, anchor: str, shown: _Shown, trace: str) -> str:
    parts = []
    for side in ("request", "response"):
        headers = entry.get(f"{side}_headers") or {}
        lines = _JWT.sub(
            _JWT_SHOWN,
            "\n".join(f"{k}: {v}" for k, v in headers.items() if not _implied(k, v, trace)),
        )
        body = _body(entry.get(f"{side}_body") or "", anchor, shown)
        if lines or body:
            parts.append(f"<pre class='http {side}'>{_pre(lines)}{body}</pre>")
    if entry.get("fault"):
        parts.append(f"<pre>fault: {_pre(_json(entry['fault']))}</pre>")
    if entry.get("error"):
        parts.append(f"<pre>{_pre(str(entry['error'])[:VALUE_CAP])}</pre>")
    return "".join(parts)


def _body(text: str, anchor: str, shown: _Shown) -> str:
    if not text:
        return ""
    first = shown.first("b:" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest(), anchor)
    if first is not None:
        return f"\n\n[the same body as {first.rsplit('-', 1)[-1]}]"
    text = _STYLE.sub("<style>…</style>", text)
    text = _SAML_VALUE.sub(
        lambda m: f"{m.group(1)}[{m.group(2) or m.group(3)}: decoded above]", text
    )
    text = _JWT.sub(_JWT_SHOWN, text)
    cut = text if len(text) <= VALUE_CAP else text[:VALUE_CAP] + "…"
    return "\n\n" + _pre(cut)


def _path(entry: dict) -> str:
    url = str(entry.get("url", ""))
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if entry.get("method") == "DECISION" or not parts.scheme:
        return url
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if len(path) <= 160 else path[:159] + "…"


def _scenario(result: ScenarioResult, index: int) -> str:
    steps = "".join(_step_row(s) for s in result.steps)
    shots = "".join(_artifact(label, path) for label, path in result.screenshots)
    tags = f" · tags {escape(', '.join(result.tags))}" if result.tags else ""
    return (
        f"<section class='scenario {result.status}' id='scenario-{index}'>"
        f"<header><span class='badge {result.status}'>{result.status}</span>"
        f"<h2>{escape(result.name)}</h2><span class='meta'>{escape(result.shown_path)} · "
        f"{result.duration:.2f}s · driver {escape(result.driver)} · world "
        f"{escape(result.world_id or '-')}{tags}</span></header>"
        + (f"<p>{escape(result.description)}</p>" if result.description else "")
        + _failure(result)
        + "<table class='steps'><thead><tr><th>#</th><th>step</th><th>line</th><th>status</th>"
        f"<th>time</th><th>arguments</th></tr></thead><tbody>{steps}</tbody></table>"
        + (f"<h3>Screenshots</h3>{shots}" if shots else "")
        + _traffic(result, index)
        + "</section>"
    )


def render_html(results: Sequence[ScenarioResult], title: str = "m365lab scenario report") -> str:
    counts = {s: sum(r.status == s for r in results) for s in (PASSED, FAILED, ERROR)}
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    summary = "".join(
        f"<span class='{status}' id='count-{status}'>{count} {status}</span>"
        for status, count in counts.items()
    )
    body = "".join(_scenario(r, i) for i, r in enumerate(results, 1))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body data-page='report'><h1 id='report-title'>{escape(title)}</h1>"
        f"<p class='summary' id='summary'>{summary}<span class='meta'>{len(results)} scenarios,"
        f" {when}</span></p>{body}</body></html>"
    )


def write_html(results: Sequence[ScenarioResult], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results), encoding="utf-8")
    return path
