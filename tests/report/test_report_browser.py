"""The HTML report drawn by a real headless browser (Debian's chromium): the page's own
script draws the charts, and reads back from the browser's layout how many marks it drew."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_report import SHOP, Records, clear_winner, report_of, standard

from agent_git_tracker.config.settings import load
from agent_git_tracker.report import html
from agent_git_tracker.report.model import Report, Row
from agent_git_tracker.store.db import open_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Each panel's value and interval: the score, then three outcome measures.
PANELS: tuple[Callable[[Row], tuple[Any, Any]], ...] = (
    lambda r: (r.score, r.score_low),
    lambda r: (
        (r.outcomes.survival_30d.value, r.outcomes.survival_30d.low) if r.outcomes else (None, None)
    ),
    lambda r: (
        (r.outcomes.reverted_30d.rate, r.outcomes.reverted_30d.low) if r.outcomes else (None, None)
    ),
    lambda r: (r.outcomes.fixed_30d.rate, r.outcomes.fixed_30d.low) if r.outcomes else (None, None),
)


def chromium(page: Path, profile: Path, *args: str, width: int = 1280) -> str:
    """Run headless chromium on a local file with no network and no first-run extras."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # a page that needed the network would show it
            f"--user-data-dir={profile}",
            f"--window-size={width},1800",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Marks(HTMLParser):
    """The chart marks and the counts the page's script wrote on its figures."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str | None]] = []
        self.whiskers: list[dict[str, str | None]] = []
        self.points: list[dict[str, str | None]] = []
        self.figures: dict[str, dict[str, str | None]] = {}
        self.charts: str | None = None
        self.sideways: str | None = None
        self.labels: list[str] = []
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "html":
            self.charts = values.get("data-charts")
            self.sideways = values.get("data-sideways")
        elif tag == "text":
            self._in_label = values.get("x") == "0.0"
        elif tag == "figure" and values.get("id"):
            self.figures[str(values["id"])] = values
        elif tag == "rect" and "bar" in classes:
            self.bars.append(values)
        elif tag == "rect" and "whisker" in classes:
            self.whiskers.append(values)
        elif tag == "circle" and "point" in classes:
            self.points.append(values)

    def handle_data(self, data: str) -> None:
        if self._in_label and not data.startswith("n = "):
            self.labels.append(data)
        self._in_label = False


def expected(report: Report) -> tuple[int, int, int]:
    """How many bars, intervals and points the page should draw for `report`."""
    ranked = [r for r in report.rows if r.kind == "agent"]
    ranked += [r for r in report.rows if r.kind == "human"]  # drawn last, for reference
    marks = [panel(r) for r in ranked for panel in PANELS]
    bars = sum(value is not None for value, _ in marks)
    bars += sum(count > 0 for r in ranked for count in r.grades.values())
    intervals = sum(low is not None for _, low in marks)
    labels = {r.label for r in ranked}
    points = sum(len(s.points) for s in report.timeline if s.label in labels)
    return bars, intervals, points


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium: apt-get install chromium")
@pytest.mark.parametrize(
    ("records", "counts"),
    [
        (standard, (10, 4, 3)),  # 3 setups' and the humans' scores, 6 grade segments; 3 weeks
        (clear_winner, (12, 12, 0)),  # 2 setups and the humans × the score and 3 measures
    ],
)
def test_the_browser_draws_both_charts(
    tmp_path: Path, records: Callable[[], Any], counts: tuple[int, int, int]
) -> None:
    config = load(db_path=str(tmp_path / "r.lmdb"), max_db_size="64MiB")
    with open_store(config) as store:
        report = report_of(store, records())
    page = tmp_path / "report.html"
    page.write_text(html.as_html(report), encoding="utf-8")
    marks = Marks()
    marks.feed(chromium(page, tmp_path / "profile", "--dump-dom"))
    bars, intervals, points = expected(report)
    assert (bars, intervals, points) == counts
    assert marks.charts == "drawn", "the page's script did not finish"
    assert (len(marks.bars), len(marks.whiskers), len(marks.points)) == counts
    # Counted by the script from the browser's layout: every mark has a non-zero size.
    assert marks.figures["compare"]["data-drawn-bars"] == str(bars)
    assert marks.figures["compare"]["data-drawn-intervals"] == str(intervals)
    assert marks.figures["timeline"]["data-drawn-points"] == str(points)
    assert all(float(str(b["width"])) > 0 and float(str(b["height"])) > 0 for b in marks.bars)
    assert all(float(str(p["r"])) > 0 for p in marks.points)
    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.stat().st_size > 20_000  # a blank page is a few kilobytes


def many_setups() -> Records:
    """Fifteen setups with long names, measured, graded and priced: every column of the table."""
    r = Records()
    kept = {"survival_14d": 1, "survival_30d": 0.8, "reverted_30d": False, "fixed_30d": False}
    for n in range(15):
        agent = f"a{n:02d}-agent-with-a-remarkably-long-name"
        for i in range(6):
            made = r.commit(
                SHOP, i, agent, f"model-{n}-preview", f"setup-{n}-with-its-own-tools",
                outcomes={**kept, "bulk": False}, files=3,
            )  # fmt: skip
            record = r.items[f"commit:{SHOP}:{made}"]
            record["usage"] = {"joined_by": "session", "tokens": {"input": 123_456}, "cost": 1.5}
            if i < 2:
                r.grade(agent, SHOP, made, "good", "excellence", "2026-03-20T10:00:00+00:00")
    for i in range(5):
        r.commit(SHOP, 100 + i, kind="human", model=None, setup=None)
    return r.digests()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium: apt-get install chromium")
def test_every_row_is_drawn_and_the_page_fits_1400_pixels(tmp_path: Path) -> None:
    config = load(db_path=str(tmp_path / "r.lmdb"), max_db_size="64MiB")
    with open_store(config) as store:
        report = report_of(store, many_setups())
    assert len([r for r in report.rows if r.kind == "agent"]) == 15
    page = tmp_path / "report.html"
    page.write_text(html.as_html(report), encoding="utf-8")
    marks = Marks()
    marks.feed(chromium(page, tmp_path / "profile", "--dump-dom", width=1400))
    assert marks.charts == "drawn" and marks.sideways == "false"
    # Per setup: the score, three measures and one grade segment; the humans: the score.
    assert len(marks.bars) == expected(report)[0] == 15 * 5 + 1  # the 13th row too
    assert len(marks.labels) == 16
    for n, shown in enumerate(marks.labels[:15]):
        assert f"model-{n}-preview" in shown and len(shown) < 50  # shortened, model whole
    assert marks.figures["timeline"]["data-drawn-points"] == "15"  # every series
