"""Per-instance lab settings of the integration (``m365_settings``)."""

from __future__ import annotations

from simulators.core.store import Store

MAX_DELAY_SECONDS = 86_400


class Settings:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._delays: dict[str, float] = {}

    def delay(self, office365_id: str) -> float:
        """Seconds (lab clock) a change waits before it is pushed; 0 = before the request ends."""
        if office365_id not in self._delays:
            row = self.store.db.execute(
                "SELECT propagation_delay_seconds FROM m365_settings WHERE office365_id = ?",
                (office365_id,),
            ).fetchone()
            self._delays[office365_id] = float(row[0]) if row else 0.0
        return self._delays[office365_id]

    def set_delay(self, org_id: str, office365_id: str, seconds: object) -> float:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("propagationDelaySeconds: must be a number")
        if not 0 <= seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"propagationDelaySeconds: must be between 0 and {MAX_DELAY_SECONDS}")
        with self.store.transaction() as db:
            db.table("m365_settings").upsert(
                {
                    "office365_id": office365_id,
                    "org_id": org_id,
                    "propagation_delay_seconds": float(seconds),
                },
                pk="office365_id",
            )
        self._delays[office365_id] = float(seconds)
        return float(seconds)

    def instances(self) -> list[tuple[str, str]]:
        """``(org_id, office365_id)`` of every instance the engine has synced or marked."""
        rows = self.store.db.execute("SELECT org_id, office365_id FROM m365_settings").fetchall()
        return [(r[0], r[1]) for r in rows]

    def cached(self) -> set[str]:
        """Instances whose delay is cached in this process."""
        return set(self._delays)

    def forget(self, office365_id: str) -> None:
        self._delays.pop(office365_id, None)

    def known(self, office365_id: str) -> bool:
        """Does the engine keep settings for this id (i.e. is it an instance it syncs)?"""
        return self.fingerprint(office365_id) is not None

    def fingerprint(self, office365_id: str) -> str | None:
        row = self.store.db.execute(
            "SELECT fingerprint FROM m365_settings WHERE office365_id = ?", (office365_id,)
        ).fetchone()
        return row[0] if row else None

    def swap_fingerprint(self, org_id: str, office365_id: str, value: str) -> str | None:
        """Store the export settings' fingerprint; return the previous one (None if first)."""
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT fingerprint FROM m365_settings WHERE office365_id = ?", (office365_id,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO m365_settings (office365_id, org_id, fingerprint) "
                    "VALUES (?, ?, ?)",
                    (office365_id, org_id, value),
                )
                return None
            db.execute(
                "UPDATE m365_settings SET fingerprint = ? WHERE office365_id = ?",
                (value, office365_id),
            )
            return row[0]

    def describe(self, office365_id: str) -> dict:
        return {"propagationDelaySeconds": self.delay(office365_id)}
