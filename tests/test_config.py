"""The crawl configuration file."""
import pytest

from winnow.config import ConfigError, load_config
from winnow.crawl import DEMO_CONFIG, PROJECT_DIR


def write(tmp_path, text):
    path = tmp_path / "winnow.toml"
    path.write_text(text)
    return path


def test_shipped_example_lists_the_institutes_and_a_marked_archive_it_collection():
    config = load_config(PROJECT_DIR / "winnow.example.toml")
    names = {s.name for s in config.sources}
    assert {"iiep-site", "iite-site", "ichei-site", "uil-gnlc-site", "emis-site", "institutes-wayback",
            "unesco-archive-it", "demo-archive-it", "demo-wayback"} <= names
    assert all(s.enabled is False for s in config.sources if s.name.startswith("demo-"))
    with pytest.raises(ConfigError, match="fill in the Archive-It collection id"):
        config.select(("unesco-archive-it",))
    assert config.settings["DOWNLOAD_SLOTS"]["cdx"]["delay"] == 2.0


def test_demo_config_points_at_the_loopback_archive():
    sources = load_config(DEMO_CONFIG).select()
    assert [s.spider for s in sources] == ["archiveit", "wayback"]
    assert all(s.uses_loopback for s in sources)


def test_arguments_paths_and_selection(tmp_path):
    path = write(tmp_path, """
[winnow]
db = "out/w.db"
[[source]]
name = "a"
spider = "wayback"
url = ["x.org/", "y.org/"]
from = 2015
[[source]]
name = "b"
spider = "site"
url = "https://x.org/"
enabled = false
""")
    config = load_config(path)
    assert config.db == tmp_path / "out" / "w.db" and config.warc_dir == tmp_path / "warcs"
    (a,) = config.select()
    assert a.arguments == {"url": "x.org/,y.org/", "from": "2015"}
    assert [s.name for s in config.select(("b",))] == ["b"]
    with pytest.raises(ConfigError, match="no source named c"):
        config.select(("c",))


@pytest.mark.parametrize("text, message", [
    ("[[source]]\nname = 'a'\n", "needs a name and a spider"),
    ("[[source]]\nname = 'a'\nspider = 'ftp'\n", "unknown spider 'ftp'"),
    ("[[source]]\nname = 'a'\nspider = 'site'\n[[source]]\nname = 'a'\nspider = 'site'\n", "named twice"),
    ("[winnow]\n", "lists no"),
    ("[[source]\n", "not valid TOML"),
])
def test_bad_configs_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")
