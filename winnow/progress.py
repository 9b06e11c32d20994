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


def print_plan(sources, settings) -> None:
    """`winnow crawl --dry-run`: each source and the first things it would fetch."""
    from winnow.crawl import planned_requests

    for source in sources:
        arguments = " ".join(f"{k}={v}" for k, v in sorted(source.arguments.items()))
        print(f"{source.name}: spider {source.spider}, {arguments}")
        try:
            for line in planned_requests(source, settings):
                print(f"  {line}")
        except Exception as error:  # noqa: BLE001 - a bad source is reported, the others listed
            print(f"  cannot start: {error}")


def print_status(runs: list[dict], totals: dict[str, int]) -> None:
    """Plain columns, newest first, so that the output reads the same in a terminal and a log."""
    columns = ("started_at", "source", "spider", "duration_seconds", "pages_seen", "new", "unchanged", "failed",
               "finish_reason")
    headers = ("started", "source", "spider", "seconds", "pages", "new", "unchanged", "failed", "ended")
    cells = [headers] + [tuple("" if run[c] is None else str(run[c]) for c in columns) for run in runs]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if not runs:
        print("no runs recorded yet")
    print("database: " + ", ".join(f"{count} {table_name}" for table_name, count in totals.items()))
