"""The demo controller: steps wait for one Next each, from the terminal or the dashboard."""

from __future__ import annotations

import threading

from harness.studio.classroom import seat_of_world, seat_world_id
from harness.studio.demo import Advance, DemoController, Phase


def run_steps(controller: DemoController, steps: list[tuple[str, str]]) -> threading.Thread:
    def run() -> None:
        for index, (name, say) in enumerate(steps, 1):
            controller.before_step(index, name, say)
        controller.finish("passed")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_without_pause_steps_run_through_and_finish():
    controller = DemoController()
    assert controller.state.phase is Phase.IDLE
    controller.start("demo", 2, pause=False)
    run_steps(controller, [("a", "first"), ("b", "")]).join(5)
    state = controller.state
    assert (state.phase, state.index, state.step, state.status) == (
        Phase.FINISHED,
        2,
        "b",
        "passed",
    )
    assert controller.advance("dashboard") is Advance.NOT_WAITING


def test_each_step_waits_for_exactly_one_next():
    controller = DemoController()
    controller.start("demo", 2, pause=True)
    thread = run_steps(controller, [("a", "Alice signs in"), ("b", "Bob too")])
    assert controller.wait_for(Phase.WAITING, 1, timeout=5)
    state = controller.state
    assert (state.step, state.say, state.total) == ("a", "Alice signs in", 2)
    assert controller.advance("dashboard", index=1) is Advance.RELEASED
    assert controller.advance("dashboard", index=1) is Advance.NOT_WAITING  # a double click
    assert controller.wait_for(Phase.WAITING, 2, timeout=5)
    assert controller.state.say == "Bob too"
    assert controller.advance("dashboard", index=1) is Advance.NOT_WAITING  # a stale page
    assert controller.state.phase is Phase.WAITING
    assert controller.advance("terminal") is Advance.RELEASED
    thread.join(5)
    assert controller.state.phase is Phase.FINISHED
    assert controller.state.advanced_by == "terminal"


def test_close_lets_a_waiting_step_and_the_rest_run():
    controller = DemoController()
    controller.start("demo", 3, pause=True)
    thread = run_steps(controller, [("a", ""), ("b", ""), ("c", "")])
    assert controller.wait_for(Phase.WAITING, 1, timeout=5)
    controller.close()
    thread.join(5)
    assert not thread.is_alive()
    assert controller.state.phase is Phase.FINISHED


def test_state_json_is_plain():
    controller = DemoController()
    controller.start("demo", 1, pause=True)
    body = controller.state.to_json()
    assert body["phase"] == "running" and body["pause"] is True and body["scenario"] == "demo"


def test_seat_world_ids_map_both_ways():
    assert [seat_world_id(n) for n in (1, 12)] == ["seat1", "seat12"]
    assert [seat_of_world(w) for w in ("seat1", "seat12", "default", "seat0", None)] == [
        1,
        12,
        None,
        None,
        None,
    ]
