"""One static HTML file per run: summary, each scenario's steps, failure, timeline, screenshots.

Everything is inline (styles, screenshots as data: URIs); no script is needed to read it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from harness.report.timeline import TimelineRow, build_timeline
from harness.scenario.results import ERROR, FAILED, PASSED, ScenarioResult, StepResult

VALUE_CAP = 2000

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


def _timeline_row(row: TimelineRow) -> str:
    decoded = "".join(
        f"<details class='decoded'><summary>{escape(d.kind)} ({escape(d.where)})"
        f"{': ' + escape(d.summary) if d.summary else ''}</summary>"
        f"<pre>{escape(d.text)}</pre></details>"
        for d in row.decoded
    )
    entry = row.entry
    exchange = {
        k: entry.get(k)
        for k in ("request_headers", "request_body", "response_headers", "response_body", "fault")
        if entry.get(k)
    }
    fault = " <span class='badge failed'>fault</span>" if entry.get("fault") else ""
    return (
        f"<tr class='exchange {row.status_class}'><td>{escape(row.time[11:23])}</td>"
        f"<td class='host'>{escape(row.host)}</td>"
        f"<td><code>{escape(row.method)} {escape(row.path)}</code>{decoded}"
        f"<details><summary>exchange</summary><pre>{escape(_json(exchange))}</pre></details></td>"
        f"<td class='{row.status_class}'>{row.status}{fault}</td>"
        f"<td>{row.duration_ms:.1f}</td></tr>"
    )


def _timeline(result: ScenarioResult, index: int) -> str:
    rows = build_timeline(result.timeline)
    note = f"<p class='meta'>{escape(result.timeline_error)}</p>" if result.timeline_error else ""
    body = "".join(_timeline_row(r) for r in rows) or (
        "<tr><td colspan='5'>No exchanges in this scenario's trace.</td></tr>"
    )
    return (
        f"<h3>Timeline ({len(rows)} exchanges, trace <code>{escape(result.trace)}</code>)</h3>"
        f"{note}<table class='timeline' id='timeline-{index}'><thead><tr><th>time</th>"
        "<th>host</th><th>request</th><th>status</th><th>ms</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


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
        + _timeline(result, index)
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
