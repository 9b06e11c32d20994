"""The crawl configuration file (winnow.toml): where results go and which sources to crawl.

    [winnow]
    db = "winnow.db"            # SQLite database (relative paths: relative to the config file)
    warc_dir = "warcs"          # raw captures
    state_dir = ".winnow"       # resumable crawl state (one JOBDIR per source), locks, logs
    contact = "me@example.org"  # goes into the User-Agent

    [[source]]
    name = "iiep-site"          # unique, used by --source and in the runs table
    spider = "site"             # archiveit | wayback | site | warc
    url = ["https://www.iiep.unesco.org/en"]
    enabled = true              # default true
    # every other key is passed to the spider as an argument (-a key=value);
    # endpoint = "loopback" points an archive spider at the bundled sample archive on 127.0.0.1

    [settings]                  # optional Scrapy settings for every source
    DOWNLOAD_DELAY = 2
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SPIDERS = ("archiveit", "wayback", "site", "warc")
LOOPBACK = "loopback"


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says where and why."""


@dataclass
class Source:
    name: str
    spider: str
    arguments: dict[str, str]
    enabled: bool = True

    @property
    def uses_loopback(self) -> bool:
        return self.arguments.get("endpoint") == LOOPBACK


@dataclass
class Config:
    path: Path | None
    db: Path
    warc_dir: Path
    state_dir: Path
    contact: str | None = None
    sources: list[Source] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def select(self, names: tuple[str, ...] = ()) -> list[Source]:
        """The sources to crawl: the named ones (even if disabled), else every enabled one."""
        if not names:
            names = tuple(s.name for s in self.sources if s.enabled)
        known = {s.name: s for s in self.sources}
        missing = [n for n in names if n not in known]
        if missing:
            raise ConfigError(f"no source named {', '.join(missing)} in {self.path}; known: {', '.join(known)}")
        chosen = [known[n] for n in names]
        for source in chosen:
            if source.spider == "archiveit" and not source.arguments.get("collection", "").strip():
                raise ConfigError(f"{self.path}: source {source.name!r}: fill in the Archive-It collection id "
                                  f"(collection = \"NUMBER\")")
        return chosen


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    base = path.resolve().parent
    general = data.get("winnow", {})
    config = Config(
        path=path,
        db=_path(base, general.get("db", "winnow.db")),
        warc_dir=_path(base, general.get("warc_dir", "warcs")),
        state_dir=_path(base, general.get("state_dir", ".winnow")),
        contact=general.get("contact"),
        settings=dict(data.get("settings", {})),
    )
    seen = set()
    for position, entry in enumerate(data.get("source", []), start=1):
        source = _source(path, position, dict(entry))
        if source.name in seen:
            raise ConfigError(f"{path}: source {source.name!r} is named twice")
        seen.add(source.name)
        config.sources.append(source)
    if not config.sources:
        raise ConfigError(f"{path} lists no [[source]]")
    return config


def _source(path: Path, position: int, entry: dict) -> Source:
    name = entry.pop("name", None)
    spider = entry.pop("spider", None)
    if not name or not spider:
        raise ConfigError(f"{path}: source #{position} needs a name and a spider")
    if spider not in SPIDERS:
        raise ConfigError(f"{path}: source {name!r}: unknown spider {spider!r} (one of {', '.join(SPIDERS)})")
    enabled = bool(entry.pop("enabled", True))
    arguments = {}
    for key, value in entry.items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        arguments[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return Source(name, spider, arguments, enabled)


def _path(base: Path, value: str) -> Path:
    value = Path(value).expanduser()
    return value if value.is_absolute() else base / value
