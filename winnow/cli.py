"""The `winnow` command: crawl archives, extract clean text from files, search the database."""
from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import click

DEFAULT_DB = "winnow.db"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="winnow")
def cli():
    """Harvest archived and live institute web pages, strip the archive's chrome and the site's
    chaff, and keep clean, traceable records in SQLite.

    \b
    Start with the offline demo (bundled sample captures, loopback archive):
        winnow crawl && winnow search "learning cities"
    """


@cli.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sources file (default: ./winnow.toml if present, else the bundled offline demo).")
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Crawl only this source (repeatable; also runs a source marked enabled = false).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database to write (default: the config's, or ./winnow.db).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for WARC files of raw captures (default: the config's, or ./warcs).")
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sample archive served on 127.0.0.1 for sources with endpoint = \"loopback\" "
                   "(default: the bundled data/archive).")
@click.option("--dry-run", is_flag=True, help="List the sources and what each would fetch first; fetch nothing.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write Scrapy's log to this file (for unattended runs).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log instead of the progress display.")
def crawl(config_file, source_names, db_path, warc_dir, archive_dir, dry_run, log_file, verbose):
    """Crawl the configured sources into the database, keeping raw captures in WARC files.

    With no options and no ./winnow.toml: the bundled sample captures, served by a replay archive
    that winnow starts on 127.0.0.1 (Archive-It and Wayback style, no network), into ./winnow.db.
    Captures already stored are not fetched again, so running it twice adds nothing, and a run
    that was interrupted picks up where it stopped. Each source's run is recorded in the `runs`
    table (see `winnow status`). Exits with 1 when a source failed or was stopped.

    See winnow.example.toml for a configuration of real archives and institute sites.
    """
    from winnow.config import ConfigError, load_config
    from winnow.crawl import DEMO_CONFIG, LOOPBACK_SETTINGS, SAMPLE_ARCHIVE, project_settings, run_crawl, with_endpoint
    from winnow.loopback import LoopbackArchive
    from winnow.progress import CrawlProgress, print_plan, print_summary

    if config_file is None and Path("winnow.toml").exists():
        config_file = Path("winnow.toml")
    try:
        config = load_config(config_file or DEMO_CONFIG)
        sources = config.select(source_names)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    if config_file is None:  # the bundled demo writes into the current folder
        config.db, config.warc_dir = Path(DEFAULT_DB), Path("warcs")
    db_path, warc_dir = db_path or config.db, warc_dir or config.warc_dir
    # the loopback archive needs no politeness delays; the config's own [settings] win over that
    uses_loopback = any(source.uses_loopback for source in sources)
    overrides = dict(LOOPBACK_SETTINGS) if uses_loopback else {}
    overrides.update(config.settings, WINNOW_DB=str(db_path), WINNOW_WARC_DIR=str(warc_dir))
    if config.contact:
        overrides["USER_AGENT"] = f"winnow/0.1 (research harvester of institute web archives; contact: {config.contact})"
    if log_file:
        overrides.update(LOG_FILE=str(log_file), LOG_LEVEL="INFO")
    elif not verbose:
        overrides.update(LOG_LEVEL="ERROR")
    archive_dir = archive_dir or SAMPLE_ARCHIVE
    if uses_loopback and not (archive_dir / "collections.json").exists():
        raise click.ClickException(f"{archive_dir} holds no sample archive (collections.json is missing); "
                                   "run `python data/build_samples.py` to build it")
    settings = project_settings(overrides)
    with LoopbackArchive(archive_dir) if uses_loopback else contextlib.nullcontext() as archive:
        if archive is not None:
            sources = [with_endpoint(source, archive.url) for source in sources]
        if dry_run:
            print_plan(sources, settings)
            return
        with CrawlProgress(enabled=not verbose and not log_file) as progress:
            summary = run_crawl(sources, settings, progress=progress.update)
    print_summary(summary, str(db_path))
    if summary.failed_sources:
        click.echo(f"winnow crawl: source(s) failed or stopped: {', '.join(summary.failed_sources)}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("-n", "--limit", default=10, show_default=True, help="How many source runs to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
def status(db_path, limit, as_json):
    """The last crawl runs, one line per source: when, how long, pages seen, new, unchanged,
    failed, and how it ended; then the database's totals."""
    from winnow.db import last_runs, open_db
    from winnow.progress import print_status

    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}: run `winnow crawl` first")
    db = open_db(db_path)
    runs = last_runs(db, limit)
    if as_json:
        for run in runs:
            click.echo(json.dumps(run))
        return
    print_status(runs, {t: db[t].count for t in ("captures", "documents", "removals", "errors")})


@cli.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("winnow.toml"),
              show_default=True, help="The configuration the scheduled runs crawl.")
@click.option("--every", type=click.Choice(["hourly", "daily", "weekly"]), default="daily", show_default=True)
@click.option("--systemd", is_flag=True, help="A systemd user timer and service instead of a cron line.")
@click.option("--install", is_flag=True, help="Install it: add the cron line to your crontab (replacing an "
              "earlier one for this config), or write the units to ~/.config/systemd/user and enable the timer.")
def schedule(config_file, every, systemd, install):
    """Print (or --install) a cron line or systemd timer that runs `winnow crawl` on a schedule.

    The run is wrapped in `flock --nonblock` on a lock file in the config's state_dir, so two runs
    never overlap (a run still going makes the next one skip). It logs to state_dir/logs/, needs
    no terminal, and exits non-zero when a source failed, which cron mails and systemd records.
    `winnow status` shows the last runs.
    """
    from winnow.config import ConfigError, load_config
    from winnow.schedule import Job, cron_line, install_cron, install_systemd, systemd_units, winnow_command

    try:
        config = load_config(config_file)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    job = Job(config=config_file.resolve(), state_dir=config.state_dir, winnow=winnow_command())
    if systemd:
        units = systemd_units(job, every)
        if install:
            click.echo(install_systemd(units, Path.home() / ".config" / "systemd" / "user"))
        else:
            for name, text in units.items():
                click.echo(f"# {name}\n{text}")
        return
    line = cron_line(job, every)
    click.echo(install_cron(line) if install else line)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default=None,
              help="Address the file was fetched from (e.g. a replay URL with its timestamp), so that the "
                   "original URL and capture time are known when the file alone does not say.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, one per line, in input order.")
@click.option("--explain", is_flag=True, help="Show the text with every removed segment marked in place: "
              "\"- [kind: rule] text\" (archive inserts removed from the markup come first).")
def extract(paths, url, as_json, explain):
    """Extract clean text from HTML files, WARC or WACZ files, or plain-text dumps (no network).

    Each document reports its source, title, original URL, capture time (ISO 8601 UTC), archive,
    language, the text, and what was removed (kind, rule, text). With --explain (HTML files and text
    dumps), the text is shown with each removed segment marked where it was, and the rule that
    removed it.
    """
    from winnow.explain import explain as explain_segments, render
    from winnow.inputs import read_path

    failed = False
    for path in paths:
        try:
            trace: list = []
            for source, document in read_path(path, url, trace):
                record = {"source": source, **document.as_dict()}
                if explain and trace:
                    click.secho(f"== {source}", bold=True)
                    click.echo(render(explain_segments(document, trace), style=click.style) + "\n")
                elif as_json:
                    click.echo(json.dumps(record, ensure_ascii=False))
                else:
                    _print_document(record)
        except Exception as error:  # noqa: BLE001 - report the bad file, go on with the others
            failed = True
            click.echo(f"winnow extract: {path}: {type(error).__name__}: {error}", err=True)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("query")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False))
@click.option("-n", "--limit", default=20, show_default=True, help="Most results to show.")
@click.option("--raw", is_flag=True, help="Pass QUERY to SQLite FTS5 as it is (AND, OR, NEAR, \"phrases\", prefix*).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result.")
def search(query, db_path, limit, raw, as_json):
    """Full-text search of titles and texts: snippet, URL and capture time of each match."""
    from winnow.db import open_db, search as run_search

    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path}: run `winnow crawl` first")
    try:
        results = run_search(open_db(db_path), query, limit=limit, raw=raw)
    except Exception as error:  # sqlite3.OperationalError on a malformed --raw query
        raise click.ClickException(f"search failed: {error}") from error
    for result in results:
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.secho(result["title"] or "(no title)", bold=True)
            click.echo(f"  {result['original_url']}  captured {result['capture_time']}  ({result['archive']})")
            click.echo("  " + " ".join(result["snippet"].split()) + "\n")
    if not results and not as_json:
        click.echo("no match")


@cli.command("serve-archive")
@click.argument("archive_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", default=8080, show_default=True, help="Port on 127.0.0.1.")
def serve_archive(archive_dir, port):
    """Serve a sample archive (default: the bundled one) on 127.0.0.1, Wayback and Archive-It style,
    until interrupted: CDX at /cdx/search/cdx and /<collection>/timemap/cdx, replay at /web/<ts>/<url>
    and /<collection>/<ts>/<url>."""
    from winnow.crawl import SAMPLE_ARCHIVE
    from winnow.loopback import LoopbackArchive

    with LoopbackArchive(archive_dir or SAMPLE_ARCHIVE, port=port) as archive:
        click.echo(f"serving {archive_dir or SAMPLE_ARCHIVE} at {archive.url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def _print_document(record: dict) -> None:
    click.secho(f"== {record['source']}", bold=True)
    for label in ("title", "original_url", "capture_time", "archive", "language"):
        if record.get(label):
            click.echo(f"{label}: {record[label]}")
    click.echo("")
    click.echo(record["text"])
    if record["removed"]:
        kinds = {}
        for removal in record["removed"]:
            kinds[removal["kind"]] = kinds.get(removal["kind"], 0) + 1
        click.echo("\nremoved: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    click.echo("")


def main():
    cli()
