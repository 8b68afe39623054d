"""Type-check ``simulators/`` and ``harness/`` with mypy and hold the errors to a ratchet.

    python tools/mypy_ratchet.py            # fail if any file has more errors than the baseline
    python tools/mypy_ratchet.py --update   # write the baseline from today's errors

The baseline (``tools/mypy-baseline.json``: errors per file) may only shrink: a file with more
errors than it lists, or a file it does not list with any, fails the check. Fixing errors
and running ``--update`` lowers it. Configuration is ``[tool.mypy]`` in pyproject.toml.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tools" / "mypy-baseline.json"
ERROR = re.compile(r"^(?P<file>[^:]+\.py):\d+: error: ")


def current_errors() -> tuple[dict[str, int], list[str]]:
    """Errors per file, and the error lines, from one mypy run over the configured files."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1) or (run.returncode == 1 and not run.stdout):
        sys.exit(f"mypy could not run (exit {run.returncode}):\n{run.stderr or run.stdout}")
    lines = [line for line in run.stdout.splitlines() if ERROR.match(line)]
    counts = collections.Counter(ERROR.match(line).group("file") for line in lines)
    return dict(sorted(counts.items())), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the baseline")
    args = parser.parse_args()
    counts, lines = current_errors()
    if args.update:
        BASELINE.write_text(json.dumps(counts, indent=1) + "\n")
        print(f"mypy baseline: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    baseline: dict[str, int] = json.loads(BASELINE.read_text())
    worse = {f: n for f, n in counts.items() if n > baseline.get(f, 0)}
    for line in lines:
        if ERROR.match(line).group("file") in worse:
            print(line)
    total, allowed = sum(counts.values()), sum(baseline.values())
    print(f"mypy: {total} errors (baseline {allowed}); files over it: {len(worse)}")
    if worse:
        print("fix the errors above (new code is held to none)", file=sys.stderr)
        return 1
    if total < allowed:
        print("fewer than the baseline: run `python tools/mypy_ratchet.py --update`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
