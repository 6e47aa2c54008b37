"""The report in a real browser: headless Chromium opens it, at desktop and at phone width.

It renders the follow-through example's report and asserts what a reader would see: no error,
nothing fetched, every commitment in the table and in the timeline, the targets charts, a
page that is not blank, no sideways scrolling on a phone, and the evidence opened for print.
Locally these tests skip when there is no Chromium; under CI=true they fail instead.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from browser import distinct_pixels, open_page, require_chromium

import negotrack as nt

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
AS_OF = date(2026, 3, 1)
LANES = 'svg [id^="lane-"]'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    path = tmp_path_factory.mktemp("browser") / "report.html"
    nt.report(nt.load(FOLLOW), path, on=AS_OF)
    return path


def test_report_opens_clean_and_whole(report: Path, tmp_path: Path) -> None:
    """At desktop width the page logs no error, throws nothing, fetches nothing, and shows
    one row and one timeline lane per commitment, the two targets charts, and pixels."""
    with open_page(report, width=1280, height=900) as page:
        check = page.check()
        assert check.clean, str(check)
        assert page.query_count("#status tbody tr.commitment") == 27
        assert page.query_count(f"#timeline {LANES}") == 27
        assert page.query_count('figure.targets svg g[id^="targets-"]') == 2
        # The lanes are drawn: each has a size on the screen.
        sizes = page.evaluate(
            f"Array.from(document.querySelectorAll('{LANES}'))"
            ".map(g => g.getBoundingClientRect().height)"
        )
        assert len(sizes) == 27
        assert min(sizes) > 5
        shot = page.screenshot(tmp_path / "desktop.png")
    assert distinct_pixels(shot) > 50


@pytest.mark.slow  # one Chromium each: the desktop check runs locally, all three under CI
def test_report_fits_a_phone(report: Path, tmp_path: Path) -> None:
    """At 390 px the page does not scroll sideways (the charts scroll inside their frame),
    the tables become cards, and it is still clean."""
    with open_page(report, width=390, height=844) as page:
        check = page.check()
        assert check.clean, str(check)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1
        assert page.evaluate("document.body.scrollWidth") <= 391
        header = page.evaluate("getComputedStyle(document.querySelector('#status thead')).display")
        assert header == "none"
        assert page.query_count(f"#timeline {LANES}") == 27
        shot = page.screenshot(tmp_path / "phone.png")
    assert distinct_pixels(shot) > 50


@pytest.mark.slow  # one Chromium each: the desktop check runs locally, all three under CI
def test_report_prints_with_its_evidence(report: Path) -> None:
    """For print the navigation is hidden, the tables are cards of full width, and every
    evidence <details> is opened."""
    with open_page(report, width=1000, height=800) as page:
        page._call("Emulation.setEmulatedMedia", {"media": "print"})
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        header = page.evaluate("getComputedStyle(document.querySelector('#status thead')).display")
        assert header == "none"
        page.evaluate("dispatchEvent(new Event('beforeprint'))")
        closed = page.evaluate("document.querySelectorAll('details:not([open])').length")
        assert closed == 0
        assert page.check().clean
