"""The code cites only what a clone holds: no comment points at notes outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(
    r"reference §|DESIGN\.md|jumpcloud\.md|entra-graph(?:\.md)? §|saml-security|peers\.md|"
    r"\.\./shared"
)
SECTION = re.compile(r"§\s*\d")
PUBLISHED = re.compile(r"RFC \d+|SAML (?:core|bindings|profiles)")
"""A section number is a citation only of a published standard named on the same line."""


def test_no_file_cites_notes_outside_the_repository():
    me = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("simulators", "harness", "tests", "bench", "tools", "docs")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file() and path.resolve() != me and path.suffix in (".py", ".md", ".html", "")
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line) or (SECTION.search(line) and not PUBLISHED.search(line))
    ]
    assert not found, "\n".join(found)
