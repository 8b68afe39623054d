"""``m365lab run``: run scenario files with progress, JUnit XML and an HTML report."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.drivers.browser import MISSING_MESSAGE, chromium_available
from harness.errors import DescriptorError, LabError
from harness.lab.descriptor import LabDescriptor
from harness.lab.lab import Lab, LabOptions
from harness.report import write_html, write_junit, write_results
from harness.report.junit import show_value
from harness.report.merge import merge_results
from harness.report.store import ResultsError
from harness.report.timeline import summarize
from harness.scenario.errors import ScenarioLoadError
from harness.scenario.loader import load_all
from harness.scenario.pool import PoolError, run_in_processes
from harness.scenario.runner import Runner, RunOptions
from harness.scenario.selection import SelectionError, select
from harness.scenario.shard import (
    ShardError,
    ShardSpec,
    read_durations,
    scenario_key,
    select_shard,
)

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_NOTHING = 0, 1, 2, 5


def cmd_run(args: argparse.Namespace, console: Console | None = None) -> int:
    """Validate, select, run, report. 0 all passed, 1 failures, 2 invalid files, 5 none."""
    console = console or Console(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    try:
        shard = ShardSpec.parse(args.shard) if args.shard else None
        durations_file = args.durations
        if durations_file and shard is None:
            raise ShardError("--durations only applies with --shard K/N")
        durations = read_durations(durations_file) if durations_file else None
        scenarios = load_all(args.paths, steps=args.steps)
        chosen = select(scenarios, args.keyword, args.tags)
    except ScenarioLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        err.print(f"m365lab run: {len(exc.problems)} problem(s); nothing was run")
        return EXIT_INVALID
    except (SelectionError, ShardError) as exc:
        err.print(f"m365lab run: {exc}", markup=False)
        return EXIT_INVALID
    if shard is not None:
        selected = len(chosen)
        chosen = select_shard(chosen, shard, durations)
        err.print(f"m365lab run: shard {shard}: {len(chosen)} of {selected} scenario(s)")
    if not chosen:
        err.print(f"m365lab run: no scenario selected ({len(scenarios)} found)")
        return EXIT_NOTHING
    if args.list:
        for scenario in chosen:
            file, name = scenario_key(scenario)
            console.print(f"{file}\t{name}", markup=False, highlight=False)
        return EXIT_OK
    if args.check:
        console.print(f"{len(chosen)} scenario(s) valid")
        return EXIT_OK
    if args.driver == "browser" and not chromium_available():
        err.print(f"m365lab run: {MISSING_MESSAGE}", markup=False)
        return EXIT_FAILED
    if args.workers > 1 and args.lab is None:
        try:
            results = _run_in_processes(args, chosen, console)
        except PoolError as exc:
            err.print(f"m365lab run: {exc}", markup=False)
            return EXIT_FAILED
        return _report(args, results, console)
    with _lab(args, err) as descriptor:
        if descriptor is None:
            return EXIT_FAILED
        results = _run(args, descriptor, chosen, console)
    return _report(args, results, console)


class _lab:
    """The lab to run against: ``--lab``'s, or an in-process one for this run."""

    def __init__(self, args, err: Console) -> None:
        self.args, self.err, self.lab = args, err, None

    def __enter__(self):
        if self.args.lab:
            try:
                return LabDescriptor.load(self.args.lab)
            except DescriptorError as exc:
                self.err.print(f"m365lab run: {exc}")
                return None
        try:
            self.lab = Lab(LabOptions(port_base=0, default_world=False)).start()
        except (LabError, OSError) as exc:
            self.err.print(f"m365lab run: cannot start a lab: {exc}")
            return None
        assert self.lab.descriptor_path is not None
        return LabDescriptor(self.lab.descriptor_path, self.lab.descriptor())

    def __exit__(self, *exc) -> None:
        if self.lab is not None:
            self.lab.stop()


def _options(args):
    return RunOptions(
        driver=args.driver,
        keep_world=args.keep_world,
        headed=args.headed,
        slow_mo=args.slow_mo,
        artifacts_dir=Path(args.report) / "artifacts",
    )


@contextmanager
def _progress(console: Console, total: int):
    """A transient progress bar; yields the callback that prints and counts one result."""
    columns = (
        TextColumn("[bold]scenarios"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("run", total=total)

        def done(result) -> None:
            _print_result(console, result)
            progress.advance(task)

        yield done


def _run(args, descriptor, scenarios, console: Console):
    """Threads against one lab (``--lab``'s, or this process's)."""
    runner = Runner(descriptor, _options(args))
    with _progress(console, len(scenarios)) as done:
        return runner.run_all(scenarios, workers=max(1, args.workers), on_done=done)


def _run_in_processes(args, scenarios, console: Console):
    """``-n N`` with no ``--lab``: N worker processes, each with a lab of its own."""
    with _progress(console, len(scenarios)) as done:
        return run_in_processes(
            scenarios,
            paths=args.paths,
            steps=args.steps,
            options=_options(args),
            workers=args.workers,
            on_done=done,
        )


def _print_result(console: Console, result) -> None:
    style = {"passed": "green", "failed": "red", "error": "red"}.get(result.status, "yellow")
    console.print(
        f"[{style}]{result.status.upper():<6}[/] {result.name} "
        f"[dim]({result.shown_path}, {result.duration:.2f}s)[/]",
        highlight=False,
    )
    if result.ok:
        return
    console.print(f"  {result.failure_message}", markup=False, highlight=False)
    step = result.failed_step
    if step is not None and step.has_expectation:
        console.print(f"  expected: {show_value(step.expected)}", markup=False, highlight=False)
        console.print(f"  actual:   {show_value(step.actual)}", markup=False, highlight=False)
    timeline = summarize(result.timeline, limit=10)
    console.print("  timeline:\n    " + timeline.replace("\n", "\n    "), markup=False)


def _report(args, results, console: Console) -> int:
    return write_reports(results, Path(args.report), console)


def write_reports(results, report_dir: Path, console: Console) -> int:
    """JUnit, HTML and results.json in ``report_dir``; prints the counts; the exit code."""
    junit = write_junit(results, report_dir / "junit.xml")
    html = write_html(results, report_dir / "report.html")
    write_results(results, report_dir)
    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    style = "green" if not failed else "red"
    console.print(
        f"[{style}]{passed} passed, {failed} failed[/] in {sum(r.duration for r in results):.1f}s"
        f" · reports: {junit} {html}",
        highlight=False,
    )
    return EXIT_OK if not failed else EXIT_FAILED


def cmd_report(args: argparse.Namespace, console: Console | None = None) -> int:
    """``m365lab report merge``: 0 all passed, 1 failures, 2 unreadable or overlapping shards."""
    console = console or Console(soft_wrap=True)
    try:
        results = merge_results(args.directories)
    except ResultsError as exc:
        print(f"m365lab report merge: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not results:
        print("m365lab report merge: the shards hold no scenario results", file=sys.stderr)
        return EXIT_NOTHING
    return write_reports(results, args.out, console)
