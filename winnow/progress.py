"""What `winnow crawl` shows while it runs and when it ends."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from winnow.crawl import CrawlSummary


class CrawlProgress:
    """A one-line live counter of pages and errors (nothing when disabled or not on a terminal)."""

    def __init__(self, enabled: bool = True):
        self.console = Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self._status = None

    def __enter__(self):
        if self.enabled:
            self._status = self.console.status("crawling…")
            self._status.__enter__()
        return self

    def update(self, summary: CrawlSummary) -> None:
        if self._status is not None:
            self._status.update(f"crawling… pages {summary.pages}, errors {summary.errors}")

    def __exit__(self, *exc):
        if self._status is not None:
            self._status.__exit__(*exc)


def print_summary(summary: CrawlSummary, db_path: str) -> None:
    console = Console()
    table = Table(title=f"winnow crawl → {db_path}", show_header=False)
    table.add_row("pages fetched", str(summary.pages))
    table.add_row("documents stored", str(summary.stored))
    table.add_row("already stored (not fetched)", str(summary.already_stored))
    if summary.unchanged:
        table.add_row("fetched, already stored", str(summary.unchanged))
    for kind, count in sorted(summary.removed.items()):
        table.add_row(f"removed: {kind}", str(count))
    table.add_row("errors", str(summary.errors))
    for name, reason in summary.finish_reasons.items():
        table.add_row(f"source {name}", reason)
    console.print(table)
