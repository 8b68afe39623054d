"""Seats ↔ worlds: a journey's world (tenant or organization id) finds its seat."""

from __future__ import annotations

from flask import Flask

from harness.studio import classroom
from harness.studio.classroom import Seat, classroom_for, journeys_of_seat, seat_cast
from harness.studio.journeys import Journey


class Dashboard:
    ctx = None

    def collect(self, trace: str | None) -> tuple[list[dict], list[str]]:
        return [], []


def seat(number: int) -> Seat:
    return Seat(
        number,
        {
            "world_id": f"seat{number}",
            "microsoft": {"tenant_id": f"tenant-{number}"},
            "jumpcloud": {"org_id": f"org-{number}"},
        },
    )


def journey(world: str | None) -> Journey:
    return Journey(f"j-{world}", "alice → Microsoft 365: signed in", None, None, True, world,
                   "Microsoft 365", "", "", [])  # fmt: skip


def test_a_journey_belongs_to_the_seat_of_its_tenant_or_organization():
    system = Dashboard()
    app = Flask(__name__)
    classroom.register(app, system)
    classroom_for(system).set_seats([seat(2), seat(1)], "pin")
    assert [s.number for s in classroom_for(system).seats] == [1, 2]
    journeys = [journey(w) for w in ("tenant-1", "org-2", "seat1", "tenant-9", None)]
    with app.test_request_context("/handouts/1"):
        assert [j.world for j in journeys_of_seat(journeys, 1)] == ["tenant-1", "seat1"]
        assert [j.world for j in journeys_of_seat(journeys, 2)] == ["org-2"]
        assert classroom.seat_for_world("tenant-9") is None


def test_seat_casts_differ_from_the_default_world_and_from_each_other():
    one, two = seat_cast(1), seat_cast(2)
    assert one.world_id == "seat1" and one.federated == "seat1.contoso.com"
    names = {(c.federated, c.managed, c.initial_domain, c.app_label) for c in (one, two)}
    assert len(names) == 2
    assert "contoso.com" not in {one.federated, two.federated}
