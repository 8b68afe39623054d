"""``m365_links``: what the engine knows about each (instance, user) pair it syncs.

A link's ``state`` says what Microsoft should see: ``bound`` (account exported and synced),
``unbound`` or ``deleted`` (account to disable, then the link goes). ``dirty`` marks work not
yet pushed; ``due_at`` (lab clock) delays it when the instance has a propagation delay.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from simulators.core.store import Store

BOUND, UNBOUND, DELETED = "bound", "unbound", "deleted"
_CHUNK = 500


@dataclass
class Link:
    office365_id: str
    user_id: str
    org_id: str
    state: str
    external_id: str | None = None
    immutable_id: str | None = None
    pushed: dict = field(default_factory=dict)
    dirty: bool = True
    due_at: float = 0.0
    record_version: int = 1
    password_version: int = 0
    ms_password_changed: str | None = None
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Link:
        return cls(
            **{**row, "pushed": json.loads(row["pushed"] or "{}"), "dirty": bool(row["dirty"])}
        )


class Links:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _all(self, sql: str, params: Iterable = ()) -> list[Link]:
        cursor = self.store.db.execute(sql, list(params))
        names = [c[0] for c in cursor.description]
        return [Link.from_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]

    # -- reading -----------------------------------------------------------------------------
    def get(self, office365_id: str, user_id: str) -> Link | None:
        found = self._all(
            "SELECT * FROM m365_links WHERE office365_id = ? AND user_id = ?",
            (office365_id, user_id),
        )
        return found[0] if found else None

    def many(self, office365_id: str, user_ids: Iterable[str]) -> dict[str, Link]:
        ids = list(dict.fromkeys(user_ids))
        out: dict[str, Link] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for link in self._all(
                f"SELECT * FROM m365_links WHERE office365_id = ? AND user_id IN ({marks})",
                [office365_id, *chunk],
            ):
                out[link.user_id] = link
        return out

    def of_user(self, user_id: str) -> list[Link]:
        return self._all("SELECT * FROM m365_links WHERE user_id = ?", (user_id,))

    def user_ids(self, office365_id: str) -> list[str]:
        cursor = self.store.db.execute(
            "SELECT user_id FROM m365_links WHERE office365_id = ?", (office365_id,)
        )
        return [r[0] for r in cursor.fetchall()]

    def org_of(self, office365_id: str) -> str | None:
        row = self.store.db.execute(
            "SELECT org_id FROM m365_links WHERE office365_id = ? LIMIT 1", (office365_id,)
        ).fetchone()
        return row[0] if row else None

    def dirty(self, office365_id: str | None = None) -> list[Link]:
        sql, params = "SELECT * FROM m365_links WHERE dirty = 1", []
        if office365_id:
            sql += " AND office365_id = ?"
            params.append(office365_id)
        return self._all(sql + " ORDER BY due_at, rowid", params)

    def due(self, due_by: float, limit: int) -> list[tuple[str, str, str]]:
        """(org, instance, user) of the oldest ``limit`` marked links due by ``due_by``: keys
        only, as the worker asks four times a second while a bulk export holds thousands."""
        cursor = self.store.db.execute(
            "SELECT org_id, office365_id, user_id FROM m365_links"
            " WHERE dirty = 1 AND due_at <= ? ORDER BY due_at, rowid LIMIT ?",
            (due_by, limit),
        )
        return cursor.fetchall()

    def external_id(self, office365_id: str, user_id: str) -> str | None:
        link = self.get(office365_id, user_id)
        return link.external_id if link and link.state == BOUND else None

    # -- writing -----------------------------------------------------------------------------
    def mark(
        self,
        org_id: str,
        office365_id: str,
        user_ids: Iterable[str],
        *,
        state: str | None,
        due_at: float,
        only_existing: bool = False,
        external_ids: dict[str, str] | None = None,
    ) -> list[str]:
        """Flag pairs as needing a push (a new change also bumps ``record_version``).

        ``state`` None keeps each link's state; new links (unless ``only_existing``) start
        ``bound``. Returns the user ids now marked.
        """
        ids = list(dict.fromkeys(user_ids))
        marked: list[str] = []
        with self.store.transaction() as db:
            existing = self.many(office365_id, ids)
            for user_id in ids:
                link = existing.get(user_id)
                if link is None:
                    if only_existing:
                        continue
                    db.execute(
                        "INSERT INTO m365_links (office365_id, user_id, org_id, state, "
                        "external_id, dirty, due_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                        (
                            office365_id,
                            user_id,
                            org_id,
                            state or BOUND,
                            (external_ids or {}).get(user_id),
                            due_at,
                        ),
                    )
                else:
                    db.execute(
                        "UPDATE m365_links SET state = ?, dirty = 1, due_at = ?, record_version "
                        "= record_version + 1 WHERE office365_id = ? AND user_id = ?",
                        (state or link.state, due_at, office365_id, user_id),
                    )
                marked.append(user_id)
        return marked

    def delay(self, office365_id: str, user_ids: list[str], due_at: float) -> None:
        with self.store.transaction() as db:
            db.conn.executemany(
                "UPDATE m365_links SET due_at = ? WHERE office365_id = ? AND user_id = ?",
                [(due_at, office365_id, u) for u in user_ids],
            )

    def mark_instance(self, office365_id: str, due_at: float) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE m365_links SET dirty = 1, due_at = ? WHERE office365_id = ?",
                (due_at, office365_id),
            )

    def save(self, link: Link, **changes: object) -> None:
        """Write a link's outcome (``pushed`` is serialized).

        ``dirty=False`` only sticks if no new change was marked since the link was read (its
        ``record_version`` is unchanged); otherwise the newer change stays pending.
        """
        for key, value in changes.items():
            setattr(link, key, value)
        columns = dict(changes)
        if "pushed" in columns:
            columns["pushed"] = json.dumps(columns["pushed"], sort_keys=True)
        clean = columns.pop("dirty", None)
        assignments = [f"{c} = ?" for c in columns]
        values: list = list(columns.values())
        if clean is not None:
            if clean:
                assignments.append("dirty = 1")
            else:
                assignments.append("dirty = CASE WHEN record_version = ? THEN 0 ELSE 1 END")
                values.append(link.record_version)
        with self.store.transaction() as db:
            db.execute(
                f"UPDATE m365_links SET {', '.join(assignments)} "
                "WHERE office365_id = ? AND user_id = ?",
                (*values, link.office365_id, link.user_id),
            )

    def delete(self, link: Link) -> None:
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM m365_links WHERE office365_id = ? AND user_id = ?",
                (link.office365_id, link.user_id),
            )
