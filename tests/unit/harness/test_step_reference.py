"""docs/steps.md is the step reference generated from the registry, and it is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_docs_steps_md_matches_the_registry():
    generated = subprocess.run(
        [sys.executable, "-m", "harness.scenario.docs"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    ).stdout
    assert (ROOT / "docs" / "steps.md").read_text() == generated, (
        "docs/steps.md is stale: run `python -m harness.scenario.docs > docs/steps.md`"
    )
