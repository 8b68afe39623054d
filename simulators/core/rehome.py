"""A state directory restarted on other ports or host names: the stored URLs follow the lab.

Each system records the hosts' base URLs it last ran with (table ``lab_meta`` of its database).
When a start finds them different, every stored value that names an old base URL (a domain's
federation sign-in URL, an app's redirect URIs, the SAML connector's ACS URL...) is rewritten to
the new one, so federation and consent keep working after ``m365lab up --state-dir`` moves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping

from simulators.core.store import Store

log = logging.getLogger("m365lab")

META = """CREATE TABLE IF NOT EXISTS lab_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"""
URLS_KEY = "urls"


def moves_between(previous: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Old base URL -> new base URL for every host whose URL changed."""
    return {
        previous[host]: url
        for host, url in current.items()
        if previous.get(host) and previous[host] != url
    }


def rewrite(text: str, moves: Mapping[str, str]) -> str:
    """``text`` with each old base URL (followed by a path, a quote or its end) replaced; two
    passes through placeholders, so a move onto another host's old URL is not moved twice."""
    marks = {old: f"\x00{i}\x00" for i, old in enumerate(moves)}
    for old, mark in marks.items():
        for tail in ("/", '"', "?", "#"):
            text = text.replace(old + tail, mark + tail)
        if text.endswith(old):
            text = text[: -len(old)] + mark
    for old, mark in marks.items():
        text = text.replace(mark, moves[old])
    return text


def rehome(store: Store, current: Mapping[str, str], columns: Iterable[tuple[str, str]]) -> int:
    """Record ``current`` (host -> base URL); if the last start had others, rewrite ``columns``
    (table, column) wherever they name an old URL. Returns how many values changed."""
    with store.transaction() as db:
        db.execute(META)
        row = db.execute("SELECT value FROM lab_meta WHERE key = ?", (URLS_KEY,)).fetchone()
        db.execute(
            "INSERT INTO lab_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (URLS_KEY, json.dumps(dict(current), sort_keys=True)),
        )
        moves = moves_between(json.loads(row[0]), current) if row else {}
        if not moves:
            return 0
        changed = 0
        for table, column in columns:
            pattern = " OR ".join(f'"{column}" LIKE ?' for _ in moves)
            found = db.execute(
                f'SELECT rowid, "{column}" FROM {table} WHERE {pattern}',
                [f"%{old}%" for old in moves],
            ).fetchall()
            for rowid, value in found:
                new = rewrite(value, moves)
                if new != value:
                    db.execute(f'UPDATE {table} SET "{column}" = ? WHERE rowid = ?', (new, rowid))
                    changed += 1
    log.info("m365lab: the hosts moved (%s); %d stored URLs follow them", moves, changed)
    return changed
