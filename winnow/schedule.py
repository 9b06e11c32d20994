"""Scheduled crawls: a cron line or a systemd timer that runs `winnow crawl` wrapped in flock,
so that two runs never overlap, logging to files and needing no terminal."""
from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# How often, as cron fields (minute and hour are filled per config) and as systemd OnCalendar.
EVERY = {
    "hourly": ("{m} * * * *", "hourly"),
    "daily": ("{m} {h} * * *", "*-*-* {h:02d}:{m:02d}:00"),
    "weekly": ("{m} {h} * * 1", "Mon *-*-* {h:02d}:{m:02d}:00"),
}
UNIT_NAME = "winnow-crawl"
CRON_MARK = "# winnow crawl:"


@dataclass(frozen=True)
class Job:
    config: Path  # absolute
    state_dir: Path  # absolute: lock and logs
    winnow: tuple[str, ...]  # the winnow command to run

    @property
    def lock(self) -> Path:
        return self.state_dir / "crawl.lock"

    @property
    def log(self) -> Path:
        return self.state_dir / "logs" / "crawl.log"

    def command(self) -> list[str]:
        return [shutil.which("flock") or "/usr/bin/flock", "--nonblock", str(self.lock), *self.winnow, "crawl", "--config", str(self.config),
                "--log-file", str(self.log)]


def winnow_command() -> tuple[str, ...]:
    """The winnow command of this installation (this virtualenv's, not whatever PATH finds later)."""
    script = Path(sys.executable).parent / "winnow"
    return (str(script),) if script.exists() else (sys.executable, "-m", "winnow")


def spread(config: Path) -> tuple[int, int]:
    """A minute and an hour picked from the config path, so that many users do not all hit the
    archives at midnight, yet one config always gets the same time."""
    digest = int(hashlib.sha256(str(config).encode()).hexdigest(), 16)
    return digest % 60, 1 + (digest // 60) % 5  # between 01:00 and 05:59


def cron_line(job: Job, every: str) -> str:
    minute, hour = spread(job.config)
    when = EVERY[every][0].format(m=minute, h=hour)
    command = " ".join(shlex.quote(part) for part in job.command())
    cron_log = shlex.quote(str(job.state_dir / "logs" / "cron.log"))
    return (f"{CRON_MARK} {job.config}\n"
            f"{when} cd {shlex.quote(str(job.config.parent))} && mkdir -p {shlex.quote(str(job.log.parent))} "
            f"&& {command} >> {cron_log} 2>&1")


def systemd_units(job: Job, every: str) -> dict[str, str]:
    minute, hour = spread(job.config)
    command = " ".join(shlex.quote(part) for part in job.command())
    service = f"""[Unit]
Description=winnow crawl of {job.config}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={job.config.parent}
ExecStartPre=/bin/mkdir -p {job.log.parent}
ExecStart={command}
"""
    timer = f"""[Unit]
Description=Run winnow crawl of {job.config} {every}

[Timer]
OnCalendar={EVERY[every][1].format(m=minute, h=hour)}
Persistent=true
RandomizedDelaySec=10min

[Install]
WantedBy=timers.target
"""
    return {f"{UNIT_NAME}.service": service, f"{UNIT_NAME}.timer": timer}


def install_cron(line: str) -> str:
    """Add the line to the user's crontab, replacing an earlier winnow line for the same config."""
    current = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    lines = current.stdout.splitlines() if current.returncode == 0 else []
    mark = line.splitlines()[0]
    kept, skip = [], False
    for existing in lines:
        if existing == mark:
            skip = True  # drop the mark and the job line under it
            continue
        if skip:
            skip = False
            continue
        kept.append(existing)
    subprocess.run(["crontab", "-"], input="\n".join(kept + line.splitlines()) + "\n", text=True, check=True)
    return "installed in your crontab (crontab -l shows it)"


def install_systemd(units: dict[str, str], unit_dir: Path) -> str:
    unit_dir.mkdir(parents=True, exist_ok=True)
    for name, text in units.items():
        (unit_dir / name).write_text(text)
    enable = ["systemctl", "--user", "enable", "--now", f"{UNIT_NAME}.timer"]
    if shutil.which("systemctl"):
        subprocess.run(["systemctl", "--user", "daemon-reload"], check=False)
        done = subprocess.run(enable, capture_output=True, text=True)
        if done.returncode == 0:
            return f"wrote {unit_dir} units and enabled {UNIT_NAME}.timer"
    return f"wrote the units to {unit_dir}; enable them with: systemctl --user daemon-reload && {' '.join(enable)}"
