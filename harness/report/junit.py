"""JUnit XML: one testcase per scenario, the failing step as the failure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from harness.report.timeline import summarize
from harness.scenario.results import ERROR, FAILED, SKIPPED, ScenarioResult


def failure_text(result: ScenarioResult) -> str:
    """What failed, expected vs actual, and the timeline summary."""
    lines = [result.failure_message]
    step = result.failed_step
    if step is not None and step.has_expectation:
        lines += [f"expected: {show_value(step.expected)}", f"actual:   {show_value(step.actual)}"]
    if step is not None and step.resolved:
        lines.append(f"arguments: {show_value(step.resolved)}")
    if step is not None and step.traceback:
        lines.append(step.traceback)
    lines += ["", f"timeline (trace {result.trace}):", summarize(result.timeline)]
    return "\n".join(lines)


def show_value(value) -> str:
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def steps_text(result: ScenarioResult) -> str:
    return "\n".join(
        f"{s.label} line {s.line}: {s.status} ({s.duration:.3f}s)"
        + (f" - {s.message}" if s.message else "")
        for s in result.steps
    )


def to_xml(results: Sequence[ScenarioResult], suite_name: str = "m365lab scenarios") -> str:
    failures = sum(r.status == FAILED for r in results)
    errors = sum(r.status == ERROR for r in results)
    skipped = sum(r.status == SKIPPED for r in results)
    total_time = f"{sum(r.duration for r in results):.3f}"
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
        "time": total_time,
    }
    root = ET.Element("testsuites", {"name": "m365lab", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **counts})
    for result in results:
        classname = ".".join(Path(result.shown_path).with_suffix("").parts[-2:])
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": classname,
                "name": result.name,
                "file": result.shown_path,
                "time": f"{result.duration:.3f}",
            },
        )
        if result.status in (FAILED, ERROR):
            step = result.failed_step
            kind = "failure" if result.status == FAILED else "error"
            element = ET.SubElement(
                case,
                kind,
                {
                    "message": result.failure_message,
                    "type": (step.name if step else "world")
                    + (".expectation" if step and step.has_expectation else ""),
                },
            )
            element.text = failure_text(result)
        properties = ET.SubElement(case, "properties")
        for name, value in (
            ("trace", result.trace),
            ("driver", result.driver),
            ("world", result.world_id or ""),
            ("tags", ",".join(result.tags)),
        ):
            ET.SubElement(properties, "property", {"name": name, "value": value})
        ET.SubElement(case, "system-out").text = steps_text(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_junit(results: Sequence[ScenarioResult], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_xml(results), encoding="utf-8")
    return path
