"""A scenario's exchanges across hosts, in order, ready to show (and to summarize in a line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from harness.report.decode import Decoded, decode_entry

SUMMARY_LINES = 25


@dataclass
class TimelineRow:
    """One exchange of the timeline."""

    time: str
    host: str
    method: str
    path: str
    url: str
    status: int
    duration_ms: float
    entry: dict
    decoded: list[Decoded] = field(default_factory=list)

    @property
    def status_class(self) -> str:
        return {2: "ok", 3: "redirect", 4: "client-error", 5: "server-error"}.get(
            self.status // 100, ""
        )

    def line(self) -> str:
        extra = f" [{', '.join(d.kind for d in self.decoded)}]" if self.decoded else ""
        fault = " (injected fault)" if self.entry.get("fault") else ""
        return (
            f"{self.time[11:23]} {self.host:<9} {self.method:<6} {self.path} -> "
            f"{self.status}{fault}{extra}"
        )


def _path(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # a URL the journal kept as sent, e.g. a broken IPv6 host
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def build_timeline(entries: list[dict]) -> list[TimelineRow]:
    rows = []
    for e in entries:
        rows.append(
            TimelineRow(
                time=e.get("time", ""),
                host=e.get("host", "?"),
                method=e.get("method", "?"),
                path=_path(e.get("url", "")),
                url=e.get("url", ""),
                status=int(e.get("status", 0)),
                duration_ms=float(e.get("duration_ms", 0)),
                entry=e,
                decoded=decode_entry(e),
            )
        )
    return rows


def summarize(entries: list[dict], limit: int = SUMMARY_LINES) -> str:
    """The last ``limit`` exchanges, one line each (for terminal output and failure reprs)."""
    rows = build_timeline(entries)
    lines = [row.line() for row in rows[-limit:]]
    if len(rows) > limit:
        lines.insert(0, f"... {len(rows) - limit} earlier exchanges")
    return "\n".join(lines) if lines else "(no exchanges in this scenario's trace)"
