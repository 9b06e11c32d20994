"""Archive-It: captures of one collection, listed through the collection's CDX endpoint, or, for
the partner who owns the collection, read from its WARC files downloaded through WASAPI.

    scrapy crawl archiveit -a collection=3181 -a url=iite.unesco.org/ -a from=2015 -a to=2016
    scrapy crawl archiveit -a collection=3181 -a mode=wasapi [-a wasapi_endpoint=URL] [-a download_dir=DIR]

Mode `cdx` (the default): CDX: <endpoint>/<collection>/timemap/cdx ;
replay: <endpoint>/<collection>/<timestamp>[id_]/<url>. `url` is required.

Mode `wasapi`: no `url`; the spider asks <wasapi_endpoint>/webdata?collection=<id> (default
WINNOW_WASAPI_ENDPOINT) for the collection's files, page after page (`next`), with an
Authorization: Basic header built from WASAPI_USER/WASAPI_PASSWORD or the ~/.netrc entry of the
endpoint's host (see crawler/wasapi.py for why the header is built here rather than by Scrapy's
HttpAuthMiddleware). Listing pages and file downloads are Scrapy requests, so the politeness
middlewares apply; file requests lift the size limits (meta download_maxsize/download_warnsize
0) and get a long timeout (WASAPI_FILE_TIMEOUT), and ask for the bytes as stored (no transfer
compression), since the checksum is over the file. Scrapy holds one downloaded file in memory
before it is written.

Each WARC file goes to <download_dir>/<filename>.part (default WINNOW_WASAPI_DIR), is checked
against the listed sha1 (md5 if no sha1) and renamed to <filename>; a file already there with a
matching checksum is not downloaded again but is still read. Reading is the `warc` spider's code
(crawler/spiders/warc.py, `WarcRecordReader`): HTML records with status 200 become CaptureItems
of archive "archive-it", collection = the id, pointing at the record in the downloaded file;
captures whose key is already stored are skipped. Failures are ErrorItems of stage "wasapi": a
listing that fails or is not WASAPI JSON, a refusal (401/403: the message says how to give
credentials), a file that cannot be downloaded from any location, a checksum mismatch (the part
file is deleted). Listed files that are not WARCs (filetype other than "warc") are skipped and
counted in `winnow/wasapi_files_skipped`.
"""
from __future__ import annotations

from pathlib import Path

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import wasapi
from crawler.capture_spider import CdxCaptureSpider
from crawler.items import ErrorItem
from crawler.spiders.warc import WarcRecordReader

MODES = ("cdx", "wasapi")
WASAPI_FILE_TIMEOUT = 6 * 3600  # seconds for one file download (WARC files run to 1 GB and more)
DEFAULT_WASAPI_ENDPOINT = "https://partner.archive-it.org/wasapi/v1"


class ArchiveItSpider(WarcRecordReader, CdxCaptureSpider):
    name = "archiveit"
    archive = "archive-it"
    endpoint_setting = "WINNOW_ARCHIVEIT_ENDPOINT"

    def __init__(self, collection: str = "", mode: str = "cdx", wasapi_endpoint: str | None = None,
                 download_dir: str | None = None, **kwargs):
        self.mode = str(mode or "cdx").strip().lower()
        if self.mode not in MODES:
            raise ValueError(f"spider archiveit: mode must be cdx or wasapi, not {mode!r}")
        super().__init__(**kwargs)
        if not str(collection).strip():
            raise ValueError("spider archiveit: give the collection id with -a collection=NUMBER")
        self.collection = str(collection).strip()
        self._wasapi_endpoint_arg = wasapi_endpoint
        self._download_dir_arg = download_dir
        # for the WARC reader (WASAPI mode): keep archived 200s, as the CDX filter does
        self.statuses = frozenset({200})
        self._seen_keys: set[str] = set()
        self.wasapi_auth: tuple[str, str] | None = None

    def urls_required(self) -> bool:
        return self.mode == "cdx"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        endpoint = spider._wasapi_endpoint_arg or settings.get("WINNOW_WASAPI_ENDPOINT") or DEFAULT_WASAPI_ENDPOINT
        spider.wasapi_endpoint = endpoint.rstrip("/")
        spider.download_dir = Path(spider._download_dir_arg or settings.get("WINNOW_WASAPI_DIR") or "wasapi")
        if spider.mode == "wasapi":
            spider.wasapi_auth = wasapi.credentials(spider.wasapi_endpoint)
        return spider

    @property
    def collection_id(self) -> str:
        return self.collection

    def cdx_url(self) -> str:
        return f"{self.endpoint}/{self.collection}/timemap/cdx"

    def archive_root(self) -> str:
        return f"{self.endpoint}/{self.collection}/"

    async def start(self):
        if self.mode != "wasapi":
            async for request in super().start():
                yield request
            return
        if self.wasapi_auth is None:
            self.logger.warning("%s", wasapi.missing_credentials_message(self.wasapi_endpoint, self.collection))
        yield self._listing_request(wasapi.listing_url(self.wasapi_endpoint, self.collection))

    # --- WASAPI mode ---------------------------------------------------------------------------

    def _auth_headers(self) -> dict:
        return {"Authorization": wasapi.basic_auth(*self.wasapi_auth)} if self.wasapi_auth else {}

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.on_wasapi_error,
                              headers={"Accept": "application/json", **self._auth_headers()},
                              meta={"winnow_stage": "wasapi"})

    def _file_request(self, file: wasapi.WasapiFile, location: int = 0) -> scrapy.Request:
        return scrapy.Request(
            file.locations[location], callback=self.parse_file, errback=self.on_wasapi_error,
            headers={"Accept-Encoding": "identity", **self._auth_headers()},
            cb_kwargs={"file": file, "location": location},
            meta={"winnow_stage": "wasapi", "download_maxsize": 0, "download_warnsize": 0,
                  "download_timeout": WASAPI_FILE_TIMEOUT},
            dont_filter=True,
        )

    def parse_listing(self, response):
        try:
            files, next_url = wasapi.parse_listing(response.body)
        except wasapi.WasapiError as exc:
            yield self._wasapi_error(response.url, f"{exc} ({response.url})")
            return
        self._inc("winnow/wasapi_pages")
        for file in files:
            if not file.is_warc:
                self._inc("winnow/wasapi_files_skipped")
                continue
            self._inc("winnow/wasapi_files")
            if wasapi.is_downloaded(self.download_dir, file):
                self._inc("winnow/wasapi_files_present")
                yield from self._read_file(self.download_dir / file.filename)
            elif not file.locations:
                yield self._wasapi_error(response.url, f"WASAPI listing gives no location for {file.filename}")
            else:
                yield self._file_request(file)
        if next_url:
            yield self._listing_request(response.urljoin(next_url))

    def parse_file(self, response, file: wasapi.WasapiFile, location: int):
        try:
            path = wasapi.write_verified(self.download_dir, file, [response.body])
        except wasapi.ChecksumMismatch as exc:
            self._inc("winnow/wasapi_checksum_mismatches")
            yield self._wasapi_error(response.url, str(exc))
            return
        except OSError as exc:
            yield self._wasapi_error(response.url, f"cannot write {file.filename} to {self.download_dir}: {exc}")
            return
        self._inc("winnow/wasapi_files_downloaded")
        yield from self._read_file(path)

    def _read_file(self, path: Path):
        path = path.resolve()
        self._inc("winnow/warc_files")
        yield from self._read_records(path, collection=self.collection, pointer=str(path), label=str(path))

    def on_wasapi_error(self, failure):
        request = failure.request
        status = failure.value.response.status if failure.check(HttpError) else None
        if status in (401, 403):
            yield self._wasapi_error(request.url, wasapi.missing_credentials_message(
                self.wasapi_endpoint, self.collection, status, request.url))
            return
        message = f"HTTP {status}" if status else f"{type(failure.value).__name__}: {failure.value}"
        file = request.cb_kwargs.get("file")
        if file is not None:
            location = request.cb_kwargs["location"] + 1
            if location < len(file.locations):  # try the next copy of the file
                self.logger.warning("WASAPI download of %s from %s failed (%s); trying %s",
                                    file.filename, request.url, message, file.locations[location])
                yield self._file_request(file, location)
                return
            message = f"cannot download {file.filename}: {message}"
        else:
            message = f"WASAPI listing failed: {message}"
        yield self._wasapi_error(request.url, message)

    def _wasapi_error(self, url: str, message: str) -> ErrorItem:
        self.logger.warning("%s", message)
        return ErrorItem(url=url, stage="wasapi", message=message, source=self.name)
