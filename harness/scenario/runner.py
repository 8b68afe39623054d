"""Run validated scenarios against a lab: one world and one trace per scenario, in parallel.

Scenarios that use an ``exclusive`` step (lab-wide state: the clock, fault rules) run alone,
and the runner resets the clock and clears fault rules after them.
"""

from __future__ import annotations

import heapq
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

from harness.drivers import release_thread_resources
from harness.errors import WorldError
from harness.lab.descriptor import LabClient, LabDescriptor
from harness.lab.world import create_world
from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, ResolveError, StepError
from harness.scenario.loader import Scenario, display_path
from harness.scenario.registry import REGISTRY, Registry
from harness.scenario.results import ERROR, FAILED, PASSED, ScenarioResult, StepResult
from harness.scenario.values import resolve
from simulators.core.journal import new_trace_id, redact_tree


@dataclass
class RunOptions:
    """How scenarios run."""

    driver: str = "http"
    keep_world: bool = False
    headed: bool = False
    slow_mo: float = 0
    artifacts_dir: Path | None = None
    """Screenshots go to ``<artifacts_dir>/<scenario>/`` (none if unset)."""
    before_step: Callable[[StepResult], None] | None = None
    """Called before each step runs, its narration resolved (``m365lab demo`` pauses here)."""


class SharedExclusiveLock:
    """Many shared holders at once, or one exclusive holder."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextmanager
    def hold(self, exclusive: bool):
        with self._cond:
            if exclusive:
                self._cond.wait_for(lambda: not self._exclusive and self._shared == 0)
                self._exclusive = True
            else:
                self._cond.wait_for(lambda: not self._exclusive)
                self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                if exclusive:
                    self._exclusive = False
                else:
                    self._shared -= 1
                self._cond.notify_all()


class Runner:
    """Runs scenarios against the lab described by ``descriptor``."""

    def __init__(
        self,
        descriptor: LabDescriptor,
        options: RunOptions | None = None,
        registry: Registry = REGISTRY,
    ) -> None:
        self.descriptor = descriptor
        self.options = options or RunOptions()
        self.registry = registry
        self._lock = SharedExclusiveLock()

    def run_all(
        self,
        scenarios: Iterable[Scenario],
        workers: int = 1,
        on_start: Callable[[Scenario], None] | None = None,
        on_done: Callable[[ScenarioResult], None] | None = None,
    ) -> list[ScenarioResult]:
        """Results in the order of ``scenarios``, running ``workers`` at a time."""

        def one(scenario: Scenario) -> ScenarioResult:
            if on_start:
                on_start(scenario)
            result = self.run(scenario)
            if on_done:
                on_done(result)
            return result

        scenarios = list(scenarios)
        if workers <= 1:
            try:
                return [one(s) for s in scenarios]
            finally:
                release_thread_resources()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scenario") as pool:
            results = list(pool.map(one, scenarios))
            # one release per worker thread: the barrier keeps each thread to one of them
            barrier = threading.Barrier(workers)
            list(pool.map(lambda _: _release_on_thread(barrier), range(workers)))
            return results

    def run(self, scenario: Scenario) -> ScenarioResult:
        trace = new_trace_id()
        result = ScenarioResult(
            name=scenario.name,
            path=scenario.path,
            shown_path=display_path(scenario.path),
            trace=trace,
            driver=self.options.driver,
            tags=list(scenario.tags),
            description=scenario.description,
            steps=[
                StepResult(c.index, c.name, c.line, c.args, c.id, say=c.say or "")
                for c in scenario.steps
            ],
        )
        started = time.monotonic()
        client = LabClient(self.descriptor)  # untraced: the timeline shows what steps did
        uid = uuid.uuid4().hex[:10]
        with self._lock.hold(scenario.exclusive):
            try:
                setup_scope = self._setup_scope(scenario, result.shown_path, trace, uid)
                variables = resolve(scenario.vars, setup_scope)
                doc = resolve(scenario.world, {**setup_scope, "vars": variables})
                world = create_world(client, {"id": f"w{uid}", **doc})
            except ResolveError as exc:
                result.status = ERROR
                result.setup_error = f"resolving the world failed: {exc}"
            except (WorldError, requests.RequestException) as exc:
                result.status = ERROR
                result.setup_error = f"creating the world failed: {exc}"
            else:
                result.world_id = world.id
                ctx = StepContext(
                    self.descriptor,
                    trace=trace,
                    world=world,
                    scenario_name=scenario.name,
                    scenario_path=result.shown_path,
                    scenario_uid=uid,
                    variables=variables,
                    driver_name=self.options.driver,
                    headed=self.options.headed,
                    slow_mo=self.options.slow_mo,
                    artifacts_dir=self._artifacts(scenario),
                )
                try:
                    self._run_steps(scenario, ctx, result)
                finally:
                    shot = ctx.screenshot("end")
                    if shot is not None:
                        result.screenshots.append(("end of scenario", shot))
                    ctx.close()
                    if scenario.exclusive:
                        _restore_lab_wide_state(client)
                    if not self.options.keep_world:
                        with suppress(requests.RequestException):
                            world.delete()
        result.timeline, result.timeline_error = fetch_timeline(client, trace)
        client.session.close()
        result.duration = time.monotonic() - started
        return result

    def _setup_scope(self, scenario: Scenario, shown: str, trace: str, uid: str) -> dict:
        """What ``world:`` and ``vars:`` may name: the scenario (``uid``...), the lab, env."""
        lab = {k: v for k, v in self.descriptor.data.items() if k != "admin_token"}
        about = {"name": scenario.name, "path": shown, "trace": trace, "uid": uid}
        return {"scenario": about, "lab": lab, "env": dict(os.environ), "vars": {}}

    def _artifacts(self, scenario: Scenario) -> Path | None:
        base = self.options.artifacts_dir
        return base / scenario.slug if base is not None else None

    def _run_steps(self, scenario: Scenario, ctx: StepContext, result: ScenarioResult) -> None:
        for call, step in zip(scenario.steps, result.steps, strict=True):
            spec = self.registry.get(call.name)
            assert spec is not None, call.name  # the loader checked every name
            step.say = _narration(call.say, ctx)
            if self.options.before_step is not None:
                self.options.before_step(step)
            started = time.monotonic()
            try:
                args = resolve(call.args, ctx.scope())
                step.resolved = redact_tree(args)
                problems = spec.check(args, resolved=True)
                if problems:
                    raise StepError("; ".join(message for _, message in problems))
                step.value = spec.func(ctx, **args)
                step.status = PASSED
                if call.id:
                    ctx.results[call.id] = step.value
            except ExpectationFailed as exc:
                step.status = FAILED
                step.message = str(exc)
                step.expected, step.actual = exc.expected, exc.actual
                step.has_expectation = True
            except (StepError, requests.RequestException) as exc:
                step.status = ERROR
                step.message = str(exc) or type(exc).__name__
            except Exception as exc:
                step.status = ERROR
                step.message = f"{type(exc).__name__}: {exc}"
                step.traceback = traceback.format_exc()
            finally:
                step.duration = time.monotonic() - started
            if step.status != PASSED:
                shot = ctx.screenshot(f"step-{step.index}-{step.name}")
                if shot is not None:
                    step.screenshots.append(shot)
                    result.screenshots.append((f"{step.label} failed", shot))
                result.status = step.status
                return


def _narration(say: str | None, ctx: StepContext) -> str:
    """A step's ``say:`` with its expressions resolved; as written if one names nothing yet."""
    if not say:
        return ""
    try:
        return str(resolve(say, ctx.scope()))
    except ResolveError:
        return say


def _release_on_thread(barrier: threading.Barrier) -> None:
    with suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=30)
    release_thread_resources()


def _restore_lab_wide_state(client: LabClient) -> None:
    with suppress(requests.RequestException):
        client.each_process("PUT", "/_lab/clock", json={"reset": True})
    with suppress(requests.RequestException):
        client.each_process("DELETE", "/_lab/faults")


def fetch_timeline(
    client: LabClient, trace: str, processes: dict[str, str] | None = None
) -> tuple[list[dict], str]:
    """Every journal entry of ``trace`` across the lab's processes, in order, and any problem.

    Within a process the journal's sequence is the true order; processes are merged by lab time.
    """
    per_process: list[list[dict]] = []
    problems = []
    if processes is None:
        try:
            processes = client.processes()
        except requests.RequestException as exc:
            return [], f"cannot reach the lab: {exc}"
    for host in processes.values():
        try:
            reply = client.call("GET", host, "/_lab/journal", params={"trace": trace})
            reply.raise_for_status()
            entries = sorted(reply.json()["entries"], key=lambda e: e["seq"])
        except (requests.RequestException, ValueError, KeyError) as exc:
            problems.append(f"{host}: {exc}")
            continue
        per_process.append(entries)
    merged = list(heapq.merge(*per_process, key=lambda e: e.get("time", "")))
    return merged, "; ".join(problems)


__all__ = ["FAILED", "RunOptions", "Runner", "fetch_timeline"]
