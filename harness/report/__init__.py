"""Reports of a run: JUnit XML, one static HTML file, and the decoded cross-host timeline."""

from harness.report.html import write_html
from harness.report.junit import write_junit

__all__ = ["write_html", "write_junit"]
