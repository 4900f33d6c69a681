"""tests/setup.sh, the README test command's set-up: installs Debian's chromium and
chromium-driver with apt-get when they are missing (and says so), leaves a machine that has
them alone. apt-get, id and sudo are replaced by recording stand-ins."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parent / "setup.sh"


def fake_bin(tmp_path: Path, uid: int, with_sudo: bool) -> Path:
    """A PATH directory whose apt-get/sudo append their arguments to ``calls``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    tools = {"apt-get": f'echo "apt-get $*" >> {log}', "id": f"echo {uid}"}
    if with_sudo:
        tools["sudo"] = f'echo "sudo $*" >> {log}'
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    # env is the real one (the script runs apt-get through it)
    (bin_dir / "env").symlink_to(shutil.which("env"))
    return bin_dir


def run(tmp_path: Path, chromium: Path, driver: Path, uid: int = 0, with_sudo: bool = False):
    bin_dir = fake_bin(tmp_path, uid, with_sudo)
    environ = {"PATH": str(bin_dir), "W2V_CHROMIUM": str(chromium), "W2V_CHROMEDRIVER": str(driver)}
    result = subprocess.run(["/bin/sh", str(SCRIPT)], env=environ, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    log = tmp_path / "calls"
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_missing_browser_is_installed_with_apt_get_and_announced(tmp_path):
    driver = executable(tmp_path / "chromedriver")
    result, calls = run(tmp_path, tmp_path / "no-chromium", driver)
    assert result.returncode == 0, result.stderr
    assert "no-chromium or" in result.stderr and "installing Debian's chromium" in result.stderr
    assert calls == ["apt-get update", "apt-get install -y chromium chromium-driver"]


def test_present_browser_installs_nothing(tmp_path):
    chromium = executable(tmp_path / "chromium")
    driver = executable(tmp_path / "chromedriver")
    result, calls = run(tmp_path, chromium, driver)
    assert result.returncode == 0 and result.stderr == "" and calls == []


def test_not_root_uses_sudo(tmp_path):
    result, calls = run(tmp_path, tmp_path / "none", tmp_path / "none2", uid=1000, with_sudo=True)
    assert result.returncode == 0, result.stderr
    assert calls == [
        "sudo apt-get update",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver",
    ]


def test_not_root_without_sudo_fails_saying_what_to_run(tmp_path):
    result, calls = run(tmp_path, tmp_path / "none", tmp_path / "none2", uid=1000)
    assert result.returncode == 1 and calls == []
    assert "as root run: apt-get update && apt-get install -y chromium chromium-driver" in (
        result.stderr
    )


def test_readme_and_ci_run_the_same_test_command():
    root = Path(__file__).parent.parent
    command = 'pip install -e ".[test]" && sh tests/run.sh'
    assert command in (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    assert command in ci and "apt-get" not in ci
    assert os.access(SCRIPT, os.X_OK)
