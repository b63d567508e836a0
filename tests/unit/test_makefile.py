"""`make test` installs Chromium with apt: it must wait for the dpkg lock, not fail on it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_apt_get_waits_for_the_dpkg_lock():
    # -n prints the recipe without running it; -B prints it even though Chromium is installed.
    recipe = subprocess.run(
        ["make", "-n", "-B", "/usr/bin/chromium"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    calls = recipe.count("apt-get")
    assert calls >= 2, recipe  # update and install
    assert recipe.count("apt-get -o DPkg::Lock::Timeout=600") == calls, recipe
