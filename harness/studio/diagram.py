"""A journey as a sequence diagram in SVG, drawn on the server (no script needed to see it)."""

from __future__ import annotations

from html import escape

from harness.studio.journeys import LANES, Journey

LANE_WIDTH = 150
TOP = 56
ROW = 34
MARGIN = 20
OK_COLOUR = "#1f2328"
ERROR_COLOUR = "#cf222e"

_STYLE = (
    "<style>"
    ".lane-title{font:600 12px system-ui,sans-serif;text-anchor:middle}"
    ".lifeline{stroke:#8c959f;stroke-dasharray:4 4}"
    ".arrow text{font:11px system-ui,sans-serif;text-anchor:middle}"
    ".arrow line{stroke-width:1.5}"
    ".arrow:hover text{font-weight:600}"
    ".arrow.error text{fill:#cf222e}"
    "</style>"
)
_DEFS = (
    "<defs>"
    f"<marker id='head' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' markerHeight='7' "
    f"orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' fill='{OK_COLOUR}'/></marker>"
    f"<marker id='head-error' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
    f"markerHeight='7' orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' "
    f"fill='{ERROR_COLOUR}'/></marker></defs>"
)


def _x(index: int) -> int:
    return MARGIN + LANE_WIDTH // 2 + index * LANE_WIDTH


def sequence_svg(journey: Journey) -> str:
    """Lanes left to right, one labelled arrow per exchange (red when it failed).

    Each arrow is an ``<a href="#exchange-<seq>">`` whose group has the id
    ``arrow-exchange-<seq>``, so a page can show the exchange's details next to the diagram.
    """
    lanes = {lane: i for i, (lane, _) in enumerate(LANES)}
    extra = sorted(
        {x.target for x in journey.exchanges} | {x.source for x in journey.exchanges} - set(lanes)
    )
    for lane in extra:
        if lane not in lanes:
            lanes[lane] = len(lanes)
    titles = dict(LANES)
    width = MARGIN * 2 + LANE_WIDTH * len(lanes)
    height = TOP + ROW * (len(journey.exchanges) + 1)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='sequence' role='img' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
        f"aria-label='{escape(journey.title, quote=True)}'>",
        f"<title>{escape(journey.title)}</title>",
        _STYLE,
        _DEFS,
    ]
    for lane, index in lanes.items():
        x = _x(index)
        parts.append(
            f"<g class='lane' data-lane='{escape(lane, quote=True)}'>"
            f"<text class='lane-title' x='{x}' y='24'>{escape(titles.get(lane, lane))}</text>"
            f"<line class='lifeline' x1='{x}' y1='34' x2='{x}' y2='{height - 8}'/></g>"
        )
    for row, exchange in enumerate(journey.exchanges):
        parts.append(_arrow(exchange, row, lanes))
    parts.append("</svg>")
    return "".join(parts)


def _arrow(exchange, row: int, lanes: dict[str, int]) -> str:
    y = TOP + ROW * row + ROW // 2
    x1, x2 = _x(lanes[exchange.source]), _x(lanes[exchange.target])
    colour = ERROR_COLOUR if exchange.is_error else OK_COLOUR
    marker = "head-error" if exchange.is_error else "head"
    css = "arrow error" if exchange.is_error else "arrow"
    anchor = escape(exchange.anchor, quote=True)
    label = escape(exchange.label)
    if x1 == x2:  # a call to itself: a small loop
        shape = (
            f"<path d='M{x1},{y - 6}h40v12h-40' fill='none' stroke='{colour}' "
            f"marker-end='url(#{marker})'/>"
        )
        text_x = x1 + 48
        anchor_text = "start"
    else:
        shape = (
            f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='{colour}' "
            f"marker-end='url(#{marker})'/>"
        )
        text_x = (x1 + x2) // 2
        anchor_text = "middle"
    return (
        f"<a href='#{anchor}' class='{css}' id='arrow-{anchor}'>"
        f"<title>{escape(exchange.entry.get('method', ''))} "
        f"{escape(exchange.entry.get('url', '')[:200])} → {exchange.entry.get('status', '')}"
        f"</title>{shape}"
        f"<text x='{text_x}' y='{y - 5}' style='text-anchor:{anchor_text}'>{label}</text></a>"
    )
