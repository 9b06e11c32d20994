"""WASAPI: download the WARC files of an Archive-It collection one owns (stdlib only).

Archive-It partners list a collection's files with the WASAPI data-transfer API,

    GET https://partner.archive-it.org/wasapi/v1/webdata?collection=3181     (HTTP Basic auth)

which answers JSON pages `{"count": N, "next": URL or null, "previous": ..., "files": [...]}`;
each file has `filename`, `filetype` ("warc"), `checksums` ({"sha1": hex, "md5": hex}), `size`,
`crawl`, `crawl-time` and `locations` (download URLs, best first; they need the same credentials).

This module holds the parts that do not depend on Scrapy, so the `archiveit` spider (mode
`wasapi`, which makes its requests through Scrapy and its politeness middlewares) and plain
scripts share them:

- `credentials(endpoint)`: (user, password) from the environment variables WASAPI_USER and
  WASAPI_PASSWORD (both set), else from the netrc file (`$NETRC`, else `~/.netrc`) entry of the
  endpoint's host, e.g. `machine partner.archive-it.org login me password secret`; None if neither.
- `basic_auth(user, password)`: the value of the Authorization header. It is built by hand and
  sent on the listing pages and on the file locations (Archive-It serves the files from another
  host, warcs.archive-it.org, behind the same account), rather than through Scrapy's
  HttpAuthMiddleware, whose `http_auth_domain` would have to name both hosts.
- `parse_listing(body)`: the files of one listing page and the URL of the next page.
- `list_files(endpoint, collection, auth)`: every file of a collection, following `next` (urllib).
- `is_downloaded(directory, file)`: a file of that name is in the directory and its sha1 (md5 if
  the listing gives no sha1; the size if it gives neither) matches: no need to download it again.
- `write_verified(directory, file, chunks)`: write to `<directory>/<filename>.part` while hashing,
  compare with the listed checksum, then rename to `<filename>`; on a mismatch the part file is
  deleted and `ChecksumMismatch` (a ValueError naming the file) is raised.
- `download(file, directory, auth)`: `write_verified` over a streamed urllib download, trying each
  location in turn.
"""
from __future__ import annotations

import base64
import hashlib
import json
import netrc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

USER_ENV = "WASAPI_USER"
PASSWORD_ENV = "WASAPI_PASSWORD"
PART_SUFFIX = ".part"
CHUNK = 1 << 20
WARC_NAMES = (".warc", ".warc.gz")


class WasapiError(ValueError):
    """A listing that cannot be used (not JSON, not a WASAPI answer)."""


class ChecksumMismatch(ValueError):
    """A downloaded file whose checksum is not the listed one (the part file is deleted)."""


@dataclass(frozen=True)
class WasapiFile:
    filename: str
    filetype: str | None = None
    checksums: dict = field(default_factory=dict, hash=False, compare=False)
    size: int | None = None
    locations: tuple[str, ...] = ()
    collection: str | None = None
    crawl: str | None = None
    crawl_time: str | None = None

    @property
    def is_warc(self) -> bool:
        if self.filetype:
            return self.filetype.lower() == "warc"
        return self.filename.lower().endswith(WARC_NAMES)

    @property
    def expected(self) -> tuple[str, str] | None:
        """(algorithm, lowercase hex digest) to check: sha1, else md5; None if neither is listed."""
        for algorithm in ("sha1", "md5"):
            value = self.checksums.get(algorithm)
            if isinstance(value, str) and value.strip():
                return algorithm, value.strip().lower()
        return None


# --- credentials -----------------------------------------------------------------------------

def credentials(endpoint: str, environ=None) -> tuple[str, str] | None:
    """(user, password) for the WASAPI endpoint: environment first, then the netrc file."""
    environ = os.environ if environ is None else environ
    user, password = environ.get(USER_ENV, ""), environ.get(PASSWORD_ENV, "")
    if user and password:
        return user, password
    host = urlsplit(endpoint).hostname or ""
    path = environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not host or not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError):
        # an unreadable file, or ~/.netrc readable by others (Python refuses it): no credentials
        return None
    if not entry or not entry[0] or entry[2] is None:
        return None
    return entry[0], entry[2]


def basic_auth(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def missing_credentials_message(endpoint: str, collection: str, status: int | None = None,
                                url: str | None = None) -> str:
    """What to do when the WASAPI server refuses `url` (status 401/403) or we have no credentials."""
    host = urlsplit(endpoint).hostname or endpoint
    start = f"WASAPI refused access (HTTP {status}) to {url or endpoint}" if status else \
        f"no WASAPI credentials for {host}"
    return (f"{start}: set WASAPI_USER and WASAPI_PASSWORD, or add 'machine {host} login USER password "
            f"PASSWORD' to ~/.netrc, for an Archive-It partner account that owns collection {collection}")


# --- listing ---------------------------------------------------------------------------------

def listing_url(endpoint: str, collection: str) -> str:
    return f"{endpoint.rstrip('/')}/webdata?{urlencode({'collection': collection})}"


def parse_listing(body: bytes | str) -> tuple[list[WasapiFile], str | None]:
    """The files of one WASAPI listing page and the next page's URL (None on the last page)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WasapiError(f"WASAPI listing is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise WasapiError("WASAPI listing has no 'files' list")
    files = []
    for entry in data["files"]:
        if not isinstance(entry, dict):
            raise WasapiError(f"WASAPI listing: a file entry is not an object: {entry!r:.100}")
        name = str(entry.get("filename") or "")
        # a plain file name only: nothing the listing says may write outside the download folder
        if not name or name != Path(name).name or name in (".", "..") or "\\" in name:
            raise WasapiError(f"WASAPI listing: unusable file name {name!r}")
        checksums = entry.get("checksums") if isinstance(entry.get("checksums"), dict) else {}
        locations = entry.get("locations") or []
        size = entry.get("size")
        files.append(WasapiFile(
            filename=name,
            filetype=entry.get("filetype"),
            checksums={str(k).lower(): v for k, v in checksums.items()},
            size=size if isinstance(size, int) else None,
            locations=tuple(str(u) for u in locations if isinstance(u, str) and u),
            collection=None if entry.get("collection") is None else str(entry["collection"]),
            crawl=None if entry.get("crawl") is None else str(entry["crawl"]),
            crawl_time=entry.get("crawl-time"),
        ))
    next_url = data.get("next")
    return files, next_url if isinstance(next_url, str) and next_url else None


def _open(url: str, auth: tuple[str, str] | None, timeout: float):
    request = Request(url, headers={"Accept-Encoding": "identity"})
    if auth:
        # unredirected: urllib does not carry it to wherever a redirect points
        request.add_unredirected_header("Authorization", basic_auth(*auth))
    return urlopen(request, timeout=timeout)


def list_files(endpoint: str, collection: str, auth: tuple[str, str] | None = None,
               timeout: float = 60) -> Iterator[WasapiFile]:
    """Every file of a collection, page after page (urllib.error.HTTPError on 401 and others)."""
    url: str | None = listing_url(endpoint, collection)
    seen: set[str] = set()
    while url and url not in seen:  # a `next` that points back would loop forever
        seen.add(url)
        with _open(url, auth, timeout) as answer:
            files, url = parse_listing(answer.read())
        yield from files


# --- downloaded files ------------------------------------------------------------------------

def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_downloaded(directory: str | os.PathLike, file: WasapiFile) -> bool:
    """True if `<directory>/<filename>` exists and matches the listed checksum (or size)."""
    path = Path(directory) / file.filename
    if not path.is_file():
        return False
    expected = file.expected
    if expected is not None:
        return file_digest(path, expected[0]) == expected[1]
    return file.size is None or path.stat().st_size == file.size


def write_verified(directory: str | os.PathLike, file: WasapiFile, chunks: Iterable[bytes]) -> Path:
    """Write `chunks` to `<directory>/<filename>.part`, check the checksum, rename; the final path.

    A mismatch (checksum, or size when no checksum is listed) deletes the part file and raises
    ChecksumMismatch naming the file; an OSError also leaves no part file behind."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / file.filename
    part = directory / (file.filename + PART_SUFFIX)
    expected = file.expected
    digest = hashlib.new(expected[0]) if expected else None
    size = 0
    try:
        with open(part, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
                if digest is not None:
                    digest.update(chunk)
        if expected is not None and digest.hexdigest() != expected[1]:
            raise ChecksumMismatch(f"checksum mismatch for {file.filename}: {expected[0]} listed {expected[1]}, "
                                   f"downloaded file has {digest.hexdigest()} ({size} bytes); the download was deleted")
        if expected is None and file.size is not None and size != file.size:
            raise ChecksumMismatch(f"size mismatch for {file.filename}: listed {file.size} bytes, downloaded "
                                   f"{size}; the download was deleted")
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return final


def download(file: WasapiFile, directory: str | os.PathLike, auth: tuple[str, str] | None = None,
             timeout: float = 600) -> Path:
    """Download one listed file (streamed) into `directory`, verified; each location in turn.
    The last location's error is raised if none works; ChecksumMismatch is raised at once."""
    if not file.locations:
        raise WasapiError(f"WASAPI listing gives no location for {file.filename}")
    error: Exception | None = None
    for location in file.locations:
        try:
            with _open(location, auth, timeout) as answer:
                return write_verified(directory, file, iter(lambda: answer.read(CHUNK), b""))
        except ChecksumMismatch:
            raise
        except OSError as exc:  # urllib.error.URLError / HTTPError are OSErrors
            error = exc
    raise error
