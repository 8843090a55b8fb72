"""The HTML report of ``nervsync check``, rendered by a real headless Chromium (issue 7).

Skipped when ``/usr/bin/chromium`` is absent (Debian: ``apt-get install chromium``). The page is
produced by the real CLI; Chromium's rendered DOM must hold every table row the JSON report lists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[1]
DRIFT = REPO / "fixtures" / "drift"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium (/usr/bin/chromium) not installed")


def _nervsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, for the module-scoped fixture (``run_cli`` is per test)."""
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    return subprocess.run([sys.executable, "-m", "nervsync_cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, check=False)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network side traffic, a throwaway profile and a 1280 px window."""
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900", *args,
    ]
    # The timeout only guards against a hang; nothing asserts on time.
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


class _Tables(HTMLParser):
    """Every table of a page: its class and its rows, each row a list of (cell classes, cell text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._cell_class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.tables.append({"class": found.get("class") or "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append({"class": found.get("class") or "", "cells": []})
        elif tag in ("td", "th"):
            self._cell, self._cell_class = [], found.get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1]["cells"].append((self._cell_class, " ".join("".join(self._cell).split())))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str, css: str) -> list[dict[str, Any]]:
    parser = _Tables()
    parser.feed(html)
    return [table for table in parser.tables if table["class"] == css]


@pytest.fixture(scope="module")
def drift_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A report with drift, accepted drift and a text field, and the JSON report of the same run."""
    repo = tmp_path_factory.mktemp("html") / "repo"
    shutil.copytree(DRIFT, repo)
    assert _nervsync("check", "--accept", "inventory", cwd=repo).returncode == 0
    settings = repo / "deployed" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("24 hours", "48 hours"), encoding="utf-8")
    result = _nervsync("check", "--report", "report.html", "--report", "report.json", cwd=repo)
    assert result.returncode == 1, result.stderr
    report = json.loads((repo / "report.json").read_text(encoding="utf-8"))
    return repo / "report.html", report


def test_the_page_is_self_contained(drift_report: tuple[Path, dict[str, Any]]) -> None:
    html = drift_report[0].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in html  # the browser itself refuses any request
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "@font-face"):
        assert forbidden not in html, forbidden
    assert not re.search(r'href="(?!#)', html), "only in-page links"
    assert "@media print" in html
    assert "print-color-adjust: exact" in html


@needs_chromium
def test_chromium_renders_every_change(drift_report: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    page, report = drift_report
    result = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<title>nervsync check: 3 of 4 checks failed</title>" in dom

    (summary,) = _tables(dom, "summary")
    rows = [[text for _, text in row["cells"]] for row in summary["rows"][1:]]
    assert [(row[0], row[1]) for row in rows] == [
        ("service", "✗ drift"), ("settings", "✗ drift"), ("manifests", "✗ drift"), ("inventory", "✓ accepted")]

    change_tables = _tables(dom, "changes")
    rendered = [row for table in change_tables for row in table["rows"][1:]]
    expected = [change for check in report["checks"] for change in check["changes"]]
    assert [row["cells"][1][1] for row in rendered] == [change["path"] for change in expected]
    for row, change in zip(rendered, expected):
        assert row["class"].split()[0] == change["kind"]
        assert ("accepted" in row["class"].split()) == change["accepted"]
        for side in ("source", "target"):
            where = change["positions"].get(side)
            cell = row["cells"][2 if side == "source" else 3][1]
            if where is not None:
                assert cell.startswith(f"{where['file']}:{where['line']}"), (cell, where)

    motd = next(row for row in rendered if row["cells"][1][1] == "motd")
    assert "Orders ship within 48 hours." in motd["cells"][3][1]
    assert '<span class="ln-add">Orders ship within 48 hours.</span>' in dom  # a text field, line by line


@needs_chromium
def test_screenshot_at_1280_pixels(drift_report: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = chromium(tmp_path / "profile", f"--screenshot={shot}", drift_report[0].as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 20_000  # a rendered page, not a blank one


@needs_chromium
def test_printing_keeps_the_page(drift_report: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    result = chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                      drift_report[0].as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page>") + data.count(b"/Type/Page") >= 1


@needs_chromium
def test_conflicts_of_a_fix_are_tabled(run_cli: RunCli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DRIFT, repo)
    config = repo / "nervsync.yaml"
    one_way = "      direction: source-to-target\n\n  - name: settings"
    both_ways = "      direction: bidirectional\n\n  - name: settings"
    config.write_text(config.read_text(encoding="utf-8").replace(one_way, both_ways), encoding="utf-8")
    result = run_cli("check", "service", "--fix", "-o", "html", cwd=repo)
    assert result.returncode == 1
    page = tmp_path / "conflicts.html"
    page.write_text(result.stdout, encoding="utf-8")
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    (conflicts,) = _tables(dom, "conflicts")
    rows = [[text for _, text in row["cells"]] for row in conflicts["rows"][1:]]
    assert [(row[0], row[3]) for row in rows] == [
        ("log_level", "✗ unresolved"), ("upstreams[name=payments].url", "✗ unresolved")]
    assert "2 unresolved: nothing was written" in dom
