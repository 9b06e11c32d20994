"""`winnow schedule`: cron lines and systemd units that never let two runs overlap."""
import fcntl
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from winnow.cli import cli
from winnow.crawl import PROJECT_DIR
from winnow.schedule import Job, cron_line, spread, systemd_units

CONFIG = '[winnow]\nstate_dir = "state"\n[[source]]\nname = "demo"\nspider = "wayback"\nurl = "emis.uis.unesco.org/"\nendpoint = "loopback"\n'


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "winnow.toml"
    path.write_text(CONFIG)
    return path


def job(config):
    return Job(config=config, state_dir=config.parent / "state", winnow=(sys.executable, "-m", "winnow"))


def test_cron_line_wraps_the_crawl_in_flock_and_logs_to_files(config):
    mark, line = cron_line(job(config), "daily").splitlines()
    assert mark == f"# winnow crawl: {config}"
    minute, hour = spread(config)
    assert line.startswith(f"{minute} {hour} * * * cd {config.parent} && ")
    assert "flock --nonblock" in line and str(config.parent / "state" / "crawl.lock") in line
    assert "--log-file" in line and line.endswith("state/logs/cron.log 2>&1")


def test_times_are_spread_but_stable(config, tmp_path):
    assert spread(config) == spread(config)
    assert 1 <= spread(config)[1] <= 5
    assert len({spread(tmp_path / f"c{i}.toml") for i in range(20)}) > 10


def test_systemd_units(config):
    units = systemd_units(job(config), "weekly")
    assert set(units) == {"winnow-crawl.service", "winnow-crawl.timer"}
    assert "Type=oneshot" in units["winnow-crawl.service"] and "flock --nonblock" in units["winnow-crawl.service"]
    assert "OnCalendar=Mon *-*-* " in units["winnow-crawl.timer"] and "Persistent=true" in units["winnow-crawl.timer"]


def test_cli_prints_and_installs_systemd_units(config, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("winnow.schedule.shutil.which", lambda name: None)  # never touch this machine's systemd
    printed = CliRunner().invoke(cli, ["schedule", "--config", str(config), "--systemd"])
    assert printed.exit_code == 0 and "# winnow-crawl.timer" in printed.output
    installed = CliRunner().invoke(cli, ["schedule", "--config", str(config), "--systemd", "--install"])
    assert installed.exit_code == 0 and "systemctl --user" in installed.output
    unit_dir = tmp_path / "home" / ".config" / "systemd" / "user"
    assert (unit_dir / "winnow-crawl.timer").read_text().startswith("[Unit]")


def test_cron_install_replaces_the_earlier_line_for_the_same_config(config, tmp_path, monkeypatch):
    # crontab is not installed here: a stand-in script keeps the table in a file, as crontab -l/- would.
    bin_dir, table = tmp_path / "bin", tmp_path / "crontab.txt"
    bin_dir.mkdir()
    table.write_text("0 0 * * * echo other job\n")
    (bin_dir / "crontab").write_text(f'#!/bin/sh\nif [ "$1" = "-l" ]; then cat {table}; else cat > {table}; fi\n')
    (bin_dir / "crontab").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    for every in ("daily", "hourly"):
        result = CliRunner().invoke(cli, ["schedule", "--config", str(config), "--every", every, "--install"])
        assert result.exit_code == 0, result.output
    lines = table.read_text().splitlines()
    assert lines[0] == "0 0 * * * echo other job"
    assert lines.count(f"# winnow crawl: {config}") == 1 and len(lines) == 3
    assert lines[2].split()[1] == "*"  # the hourly line replaced the daily one


def test_a_run_still_holding_the_lock_makes_the_next_one_skip(config):
    scheduled = job(config)
    scheduled.lock.parent.mkdir(parents=True)
    with open(scheduled.lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = subprocess.run(scheduled.command(), cwd=config.parent, capture_output=True, timeout=60,
                                env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert result.returncode == 1
    assert not (config.parent / "winnow.db").exists()


def test_schedule_needs_a_readable_config(tmp_path):
    result = CliRunner().invoke(cli, ["schedule", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code != 0 and "cannot read" in result.output
