"""Reports of a run: JUnit XML, one static HTML file, results.json, the decoded timeline."""

from harness.report.html import write_html
from harness.report.junit import write_junit
from harness.report.store import write_results

__all__ = ["write_html", "write_junit", "write_results"]
