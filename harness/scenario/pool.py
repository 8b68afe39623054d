"""Scenarios across worker processes, each serving a lab of its own (``m365lab run -n N``).

One Python process runs one thread at a time, so threads sharing one in-process lab cannot use
a second core. Here each worker process starts its own lab (free ports, no default world) and
runs one scenario at a time against it; the parent hands out scenarios as workers free up.
Scenarios that move the clock or set faults stay alone on their lab, since a worker's lab only
ever runs one scenario.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.util import Finalize
from pathlib import Path

from harness.lab.descriptor import LabDescriptor
from harness.lab.lab import Lab, LabOptions
from harness.scenario.loader import Scenario, load_all
from harness.scenario.results import ScenarioResult
from harness.scenario.runner import Runner, RunOptions


class PoolError(RuntimeError):
    """A worker could not start its lab or died; the message says which and why."""


_runner: Runner | None = None
_start_error = ""


def _start_worker(paths: Sequence[str], steps: Sequence[str], options: RunOptions) -> None:
    """Load the scenarios' custom steps and start this worker's lab (stopped at its exit)."""
    global _runner, _start_error
    try:
        load_all(paths, steps=steps)
        lab = Lab(LabOptions(port_base=0, default_world=False)).start()
    except Exception as exc:  # reported by the first task, as one line in the parent
        _start_error = f"{type(exc).__name__}: {exc}"
        return
    Finalize(lab, lab.stop, exitpriority=10)
    assert lab.descriptor_path is not None
    _runner = Runner(LabDescriptor(lab.descriptor_path, lab.descriptor()), options)


def _run_one(scenario: Scenario) -> ScenarioResult:
    if _runner is None:
        raise PoolError(f"a worker could not start its lab: {_start_error}")
    return _runner.run(scenario)


def run_in_processes(
    scenarios: Sequence[Scenario],
    *,
    paths: Sequence[str | Path],
    steps: Sequence[str],
    options: RunOptions,
    workers: int,
    on_done: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Results in the order of ``scenarios``; ``on_done`` is called in this process."""
    if not scenarios:
        return []
    workers = max(1, min(workers, len(scenarios)))
    context = multiprocessing.get_context("spawn")
    results: dict[int, ScenarioResult] = {}
    initargs = ([str(p) for p in paths], list(steps), options)
    with ProcessPoolExecutor(workers, context, _start_worker, initargs) as pool:
        pending = {pool.submit(_run_one, s): i for i, s in enumerate(scenarios)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    results[index] = future.result()
                    if on_done:
                        on_done(results[index])
        except BrokenProcessPool as exc:
            raise PoolError(f"a worker process ended unexpectedly ({exc})") from None
        finally:
            for future in pending:
                future.cancel()
    return [results[i] for i in range(len(scenarios))]
