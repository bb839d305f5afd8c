"""The report of a real search opens in headless Chromium: every figure drawn, no console message.

Chromium runs offline (no network flags) against the file itself, so a page that needed
anything beyond its own bytes would show blank figures here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (CI installs Debian's)"),
    pytest.mark.slow,
]
OFFLINE_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]


def _chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


def _console_lines(stderr: str) -> list[str]:
    """What the page wrote to its console (Chromium logs every level as INFO:CONSOLE)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_harness_sees_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<html><body><script>console.error("probe"); throw new Error("boom");</script></body></html>')
    console = _console_lines(_chromium(page, tmp_path / "profile", "--dump-dom").stderr)
    assert any("probe" in line for line in console)
    assert any("Uncaught Error: boom" in line for line in console)


def test_search_run_builds_the_report_at_its_end(smoke_search):
    report = smoke_search.folder / "report.html"
    assert report.is_file()
    assert "report:  results/smoke/report.html" in smoke_search.stdout  # as the user gave --output
    assert "report not built" not in smoke_search.stderr


def test_every_figure_renders_with_no_console_message(smoke_search, tmp_path):
    report = smoke_search.folder / "report.html"
    figure_ids = re.findall(r'<div id="(figure-\d+)" class="plotly-graph-div"', report.read_text())
    assert len(figure_ids) >= 6  # importance for accuracy may be a note: smoke trials often tie
    run = _chromium(report, tmp_path / "profile", "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert _console_lines(run.stderr) == []
    dom = run.stdout
    starts = [dom.index(f'id="{figure_id}"') for figure_id in figure_ids]
    for figure_id, start, end in zip(figure_ids, starts, starts[1:] + [len(dom)]):
        assert 'class="main-svg"' in dom[start:end], f"{figure_id} has no rendered SVG"


def test_the_screenshot_shows_a_page_not_a_blank(smoke_search, tmp_path):
    png = tmp_path / "report.png"
    run = _chromium(smoke_search.folder / "report.html", tmp_path / "profile", f"--screenshot={png}",
                    "--window-size=1400,3000")
    assert png.is_file(), run.stderr[-2000:]
    pixels = np.asarray(Image.open(png).convert("RGB"))
    assert pixels.shape[:2] == (3000, 1400)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # text, markers, colour scales
    assert pixels.std() > 10
    # the SYNTHETIC banner: its pale red fill (#fde8e8) across the page's width at the top, inside a
    # dark red border (#c62828), not merely some red pixel (Plotly's own traces are red too)
    top = pixels[:400].astype(int)
    fill = (np.abs(top - (253, 232, 232)).max(axis=2) <= 3)
    border = (np.abs(top - (198, 40, 40)).max(axis=2) <= 20)
    assert fill.sum(axis=1).max() > 1000, "no row of the banner's fill spans the page"
    assert border.sum() > 1000, "no banner border"
    dom = _chromium(smoke_search.folder / "report.html", tmp_path / "profile-dom", "--dump-dom").stdout
    assert re.search(r'<div class="data synthetic"><strong>SYNTHETIC DATA</strong>', dom)
