"""``m365lab run --shard K/N`` and ``m365lab report merge`` against a real in-process lab."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from rich.console import Console

from harness.cli.parsers import build_parser
from harness.cli.run import EXIT_FAILED, EXIT_INVALID, EXIT_OK, cmd_report
from harness.report.store import read_results

from .helpers import FAILING, run, write_scenario

PASSING = "name: {name}\nsteps:\n  - http.request: {{host: login, path: /_lab/health}}\n"


def _suite(directory: Path) -> Path:
    for i in range(5):
        write_scenario(directory, f"ok_{i}.yaml", PASSING.format(name=f"ok {i}"))
    write_scenario(directory, "failing.yaml", FAILING)
    return directory


def _listed(*argv: str) -> list[str]:
    code, out = run(*argv, "--list")
    assert code == EXIT_OK, out
    return [line for line in out.splitlines() if line.strip()]


def _merge(*argv: str) -> tuple[int, str]:
    args = build_parser().parse_args(["report", "merge", *argv])
    out = io.StringIO()
    code = cmd_report(args, console=Console(file=out, width=200, color_system=None))
    return code, out.getvalue()


def _counts(junit: Path) -> dict[str, str]:
    root = ET.parse(junit).getroot()
    return {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")}


def test_shards_are_disjoint_and_cover_the_selection(tmp_path):
    suite = str(_suite(tmp_path / "s"))
    everything = _listed(suite)
    for total in (2, 3, 4):
        shards = [_listed(suite, "--shard", f"{k}/{total}") for k in range(1, total + 1)]
        flat = [line for shard in shards for line in shard]
        assert sorted(flat) == sorted(everything) and len(flat) == len(set(flat))
        assert shards == [_listed(suite, "--shard", f"{k}/{total}") for k in range(1, total + 1)]


def test_merged_shards_report_what_one_run_reports(lab_json, tmp_path):
    suite = str(_suite(tmp_path / "s"))
    whole, one, two, merged = (tmp_path / n for n in ("whole", "one", "two", "merged"))
    code, out = run(suite, "--lab", lab_json, "--report", str(whole))
    assert code == EXIT_FAILED and "5 passed, 1 failed" in out
    for k, report in ((1, one), (2, two)):
        code, _ = run(
            suite, "--lab", lab_json, "--report", str(report), "--shard", f"{k}/2",
            "--durations", str(whole / "junit.xml"),
        )  # fmt: skip
        assert code in (EXIT_OK, EXIT_FAILED)
    code, out = _merge(str(one), str(two), "--out", str(merged))
    assert code == EXIT_FAILED and "5 passed, 1 failed" in out
    assert _counts(merged / "junit.xml") == _counts(whole / "junit.xml")
    names = sorted(c.get("name") for c in ET.parse(merged / "junit.xml").iter("testcase"))
    assert names == sorted(c.get("name") for c in ET.parse(whole / "junit.xml").iter("testcase"))
    html = (merged / "report.html").read_text()
    assert "Health says something else" in html and "expected" in html


def test_merge_refuses_overlapping_or_missing_reports(lab_json, tmp_path, capsys):
    suite = str(_suite(tmp_path / "s"))
    code, _ = run(suite, "-k", "ok", "--lab", lab_json, "--report", str(tmp_path / "a"))
    assert code == EXIT_OK
    code, _ = _merge(str(tmp_path / "a"), str(tmp_path / "a"), "--out", str(tmp_path / "m"))
    assert code == EXIT_INVALID
    assert "shards of one run never share a scenario" in capsys.readouterr().err
    code, _ = _merge(str(tmp_path / "nowhere"), "--out", str(tmp_path / "m"))
    assert code == EXIT_INVALID
    assert "not found (is" in capsys.readouterr().err


def test_bad_shard_options_run_nothing(tmp_path, capsys):
    suite = str(_suite(tmp_path / "s"))
    assert run(suite, "--shard", "3/2")[0] == EXIT_INVALID
    assert "K must be between 1 and N" in capsys.readouterr().err
    assert run(suite, "--durations", str(tmp_path / "x.xml"))[0] == EXIT_INVALID
    assert "--durations only applies with --shard" in capsys.readouterr().err


def test_workers_have_labs_of_their_own_and_run_each_scenario_once(tmp_path):
    slow = (
        "name: {name}\nsteps:\n  - http.request: {{host: login, path: /_lab/health}}\n  - wait: 1\n"
    )
    for i in range(6):
        write_scenario(tmp_path / "s", f"slow_{i}.yaml", slow.format(name=f"slow {i}"))
    code, out = run(str(tmp_path / "s"), "-n", "2", "--report", str(tmp_path / "r"))
    assert code == EXIT_OK and "6 passed, 0 failed" in out, out
    results = read_results(tmp_path / "r")
    assert sorted(r.name for r in results) == sorted(f"slow {i}" for i in range(6))
    labs = {urlsplit(r.timeline[0]["url"]).port for r in results}
    assert len(labs) == 2, labs
