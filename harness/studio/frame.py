"""What the studio's own dashboard pages share: the page frame and the lab's journeys."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Protocol

from flask import Response

from harness.studio.journeys import Journey, group_journeys

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328;max-width:60rem}
h1{font-size:1.4rem}h2{font-size:1.1rem}
.say{font-size:1.25rem;line-height:1.5;background:#f6f8fa;border-left:4px solid #0969da;
padding:.75rem 1rem;margin:1rem 0}
.meta{color:#57606a;font-size:.9rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;
text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}
button{font-size:1.1rem;padding:.4rem 1.2rem}
.passed,.ok{color:#1a7f37}.failed,.error{color:#cf222e}
@media print{.noprint{display:none}body{margin:0}section.handout{page-break-after:always}}
"""


class JournalSource(Protocol):
    """The dashboard system: every journal entry of the lab's processes, merged."""

    def collect(self, trace: str | None) -> tuple[list[dict], list[str]]: ...


def page(title: str, page_id: str, body: str, *, status: int = 200, script: str = "") -> Response:
    """A studio page: escaped title, ``data-page`` id, the shared style, optional script."""
    text = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body data-page='{page_id}'>{body}"
        f"{f'<script>{script}</script>' if script else ''}</body></html>"
    )
    return Response(text, status=status, mimetype="text/html")


def lab_journeys(source: JournalSource) -> list[Journey]:
    """The lab's journeys, oldest first (``harness.studio.journeys.group_journeys``)."""
    entries, _ = source.collect(None)
    return list(group_journeys(entries))


def journey_href(journey: Journey) -> str:
    """Where the dashboard shows one journey."""
    return f"/journeys/{html.escape(journey.id)}"


def journey_label(journey: Journey) -> str:
    """One line naming a journey: its title and who signed in."""
    return f"{journey.title} ({journey.who})" if journey.who else journey.title


def journey_list(journeys: Sequence[Journey], list_id: str, empty: str) -> str:
    """An HTML list of links to journeys, newest first."""
    items = "".join(
        f"<li><a href='{journey_href(j)}'>{html.escape(journey_label(j))}</a></li>"
        for j in reversed(journeys)
    )
    return f"<ul id='{list_id}'>{items or f'<li>{html.escape(empty)}</li>'}</ul>"
