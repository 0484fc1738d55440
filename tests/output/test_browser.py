"""A real browser opens the rendered pages: verdict on top, no sideways page, dark scheme, print.

Debian's headless chromium renders the pages as they are written (no script, no network).
How each property is checked:

* Verdict banner: a screenshot; the banner's own colour (light red, or dark red in the dark
  scheme) fills a large part of the top of the page.
* No page-level horizontal scroll: the pages carry no JavaScript, so the test writes a
  wrapper page that shows the page, unchanged, in an ``<iframe srcdoc>`` exactly 400 (or
  1400) CSS px wide (headless windows are at least 500 px wide, frames are not) and, once
  it has loaded, compares the page's ``document.documentElement.scrollWidth`` with its
  ``clientWidth``. The wrapper writes the result, with the elements that stick out, into a
  data attribute that ``--dump-dom`` prints. A table scrolling in its own box does not widen
  the page, so it passes; anything that widens the page fails.
* Dark scheme: ``--force-dark-mode`` makes this chromium report ``prefers-color-scheme: dark``
  (so does ``--blink-settings=preferredColorScheme=0``); the screenshot must then have a dark
  page, a dark red banner and light text.
* Print: ``--print-to-pdf`` (print media); the PDF's pages are its ``/Type /Page`` objects.
* Accessibility: axe-core (:data:`AXE_VERSION`, from the npm registry, kept in
  :data:`AXE_HOME` outside the clone) runs in the page, shown in a frame of the width asked
  for as above, with the page's own text plus axe's script and a call of ``axe.run`` at its end.
  ``--virtual-time-budget`` lets the call finish before ``--dump-dom`` prints the wrapper,
  into which the call wrote the violations. None may be serious or critical.

The tests skip when chromium is missing, except under CI (``CI`` set), where they fail; so does
the accessibility check when axe-core is neither installed nor installable (no npm, offline).
"""

from __future__ import annotations

import fcntl
import html
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from syncguard.cli import main
from syncguard.output import trend
from syncguard.output.html_report import environment
from tests.conftest import SAMPLE_DATA, CliRun
from tests.output.trends import weekly_trend

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it: see .ci/run)",
)
SCRIPT = "<script>alert(1)</script>"
WEEKS = ("2026-11-15", "2026-11-22", "2026-11-29")
MAX_PAGES = 30
"""Print bound of the failing weekly report (2026-11-22: 19 failing checks, a worklist, the sync
plan and every check with its basis). It printed 20 US Letter pages when this bound was set;
far more means the print layout broke (a table cut into a page per row, details left closed)."""
MEASURE = """<script>
addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument, root = doc.documentElement;
  const inBox = (e) => {
    for (let p = e.parentElement; p && p !== doc.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const classes = (e) => String(e.className.baseVal ?? e.className).split(" ").filter(Boolean);
  const name = (e) =>
    e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + classes(e).map((c) => "." + c).join("");
  const out = [...doc.body.querySelectorAll("*")]
    .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 0.5 && !inBox(e));
  document.documentElement.dataset.measure = JSON.stringify({
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
    innerWidth: doc.defaultView.innerWidth, out: out.slice(0, 8).map(name),
  });
});
</script>"""
"""Measures the page in the frame ``#page`` once loaded: its width, and what sticks out."""
AXE_VERSION = "4.14.1"
"""The axe-core release the pages are checked with (.ci/run installs this one)."""
AXE_HOME = Path(
    os.environ.get("SYNCGUARD_AXE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "syncguard"
    / f"axe-core-{AXE_VERSION}"
)
"""Where axe-core is installed (``npm install --prefix``): a cache outside the clone."""
NPM_QUIET = ("--no-save", "--no-audit", "--no-fund", "--ignore-scripts")
"""npm install writes no package.json, asks no audit, runs no install script."""
AXE_SCRIPT = AXE_HOME / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """<script>
axe.run(document, { resultTypes: ["violations"] }).then(
  (result) => {
    parent.document.documentElement.dataset.axe = JSON.stringify(result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " + n.failureSummary),
    })));
  },
  (error) => { parent.document.documentElement.dataset.axe = JSON.stringify(String(error)); },
);
</script>"""
"""Runs axe on the page in the frame and writes its violations into the wrapper page."""
BLOCKING = frozenset({"serious", "critical"})
"""The impacts of an accessibility violation that fail the test."""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "chromium is missing: apt-get install chromium"
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _screenshot(tmp_path: Path, page: Path, width: int, *args: str) -> Image.Image:
    shot = tmp_path / f"shot-{width}.png"
    shot.unlink(missing_ok=True)
    done = _chromium(
        tmp_path, f"--window-size={width},900", f"--screenshot={shot}", *args, page.as_uri()
    )
    assert shot.is_file(), done.stderr
    image = Image.open(shot).convert("RGB")
    assert image.size == (width, 900)
    return image


Box = tuple[int, int, int, int]


def _pixels(image: Image.Image, box: Box) -> list[tuple[int, int, int]]:
    data = image.crop(box).convert("RGB").tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def _count(image: Image.Image, box: Box, test: Callable[[int, int, int], bool]) -> int:
    return sum(1 for r, g, b in _pixels(image, box) if test(r, g, b))


def _pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return _pixels(image, (x, y, x + 1, y + 1))[0]


def _light_red(r: int, g: int, b: int) -> bool:  # the banner of a failed run: #fdecea
    return r > 240 and 225 < g < 245 and 225 < b < 245


def _dark_red(r: int, g: int, b: int) -> bool:  # the same banner in the dark scheme: #3d1111
    return 45 < r < 80 and g < 35 and b < 35


def _measure(tmp_path: Path, page: Path, width: int) -> dict[str, Any]:
    """The page's scroll width and client width in a viewport ``width`` CSS px wide."""
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text
    wrapper = tmp_path / f"measure-{page.parent.name}-{page.name}"
    wrapper.write_text(
        '<!doctype html><html><body style="margin:0">'
        f'<iframe id="page" style="width:{width}px;height:900px;border:0"'
        f' srcdoc="{html.escape(text, quote=True)}"></iframe>{MEASURE}</body></html>',
        encoding="utf-8",
    )
    done = _chromium(tmp_path, f"--window-size={width + 60},1000", "--dump-dom", wrapper.as_uri())
    found = re.search(r'data-measure="([^"]*)"', done.stdout)
    assert found, done.stderr
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    assert result["innerWidth"] == width
    return result


def _pdf_pages(tmp_path: Path, page: Path) -> int:
    pdf = tmp_path / f"{page.parent.name}-{page.stem}.pdf"
    done = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.is_file(), done.stderr
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf.read_bytes()))


@pytest.fixture(scope="session")
def axe() -> Iterator[str]:
    """axe-core's script: as installed in :data:`AXE_HOME`, else installed there now with npm
    from the registry (one worker at a time). Missing, the test skips (fails under CI)."""
    npm = shutil.which("npm")
    if not AXE_SCRIPT.is_file() and npm is not None:
        AXE_HOME.mkdir(parents=True, exist_ok=True)
        with (AXE_HOME.parent / f".axe-core-{AXE_VERSION}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE_SCRIPT.is_file():
                subprocess.run(
                    [
                        npm,
                        "install",
                        "--prefix",
                        str(AXE_HOME),
                        *NPM_QUIET,
                        f"axe-core@{AXE_VERSION}",
                    ],
                    capture_output=True,
                    timeout=300,
                    check=False,
                )
    if not AXE_SCRIPT.is_file():
        why = (
            f"axe-core {AXE_VERSION} is not in {AXE_HOME} and npm could not install it "
            f"({'offline?' if npm else 'npm is missing'}); .ci/run installs both"
        )
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    yield AXE_SCRIPT.read_text(encoding="utf-8")


def _violations(tmp_path: Path, page: Path, axe: str, width: int, *args: str) -> list[Any]:
    """axe's violations in ``page`` shown ``width`` CSS px wide (see the module's text)."""
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and text.count("</body>") == 1
    checked = text.replace("</body>", f"<script>{axe}</script>{AXE_RUN}</body>")
    wrapper = tmp_path / f"axe-{page.parent.name}-{page.name}"
    wrapper.write_text(
        '<!doctype html><html lang="en"><head><title>axe</title></head><body style="margin:0">'
        f'<iframe title="the page" style="width:{width}px;height:900px;border:0"'
        f' srcdoc="{html.escape(checked, quote=True)}"></iframe></body></html>',
        encoding="utf-8",
    )
    done = _chromium(
        tmp_path,
        f"--window-size={width + 60},1000",
        "--virtual-time-budget=60000",
        *args,
        "--dump-dom",
        wrapper.as_uri(),
    )
    found = re.search(r'data-axe="([^"]*)"', done.stdout)
    assert found, f"axe did not finish: {done.stderr[-2000:]}"
    result = json.loads(html.unescape(found.group(1)))
    assert isinstance(result, list), f"axe failed: {result}"
    return result


@pytest.fixture
def report(run_cli: Callable[..., CliRun], write_csv: Callable[..., Path], tmp_path: Path) -> Path:
    path = write_csv(
        f"jana.novak@student.uni-example.eu,S1000001,Jana,{SCRIPT} ,2027-06-30,Alumni",
        "jana.novak@student.uni-example.eu,S1000002,Eva,Berg,2027-06-30,Alumni",
    )
    run = run_cli("check", path, "--show-values", "--no-history")
    assert run.code == 1
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    return run_dir / "report.html"


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report folder of the three sample weekly exports, checked in order (in-process)."""
    reports = tmp_path_factory.mktemp("weekly") / "reports"
    for week in WEEKS:
        export = SAMPLE_DATA / "weekly" / f"{week}.csv"
        err = io.StringIO()
        args = ["check", str(export), "--as-of", week, "--report-dir", str(reports), "-q"]
        assert main(args, out=io.StringIO(), err=err) in (0, 1), err.getvalue()
    many = reports.parent / "many"
    trend.write_index(weekly_trend(60, many), many / "index.html")
    defective = reports.parent / "defective"
    args = ["check", str(SAMPLE_DATA / "defective.csv"), "--no-history", "-q"]
    assert main([*args, "--report-dir", str(defective)], out=io.StringIO()) == 1
    return reports


def _page(weekly: Path, name: str) -> Path:
    """``report``: the failing week's report; ``index``: the trend of 3 runs; ``many``: of 60;
    ``defective``: the report of the defective sample."""
    if name == "report":
        (page,) = weekly.glob(f"*-{WEEKS[1]}/report.html")
        return page
    if name == "defective":
        (page,) = (weekly.parent / "defective").glob("*/report.html")
        return page
    return weekly / "index.html" if name == "index" else weekly.parent / "many" / "index.html"


def test_the_verdict_is_visible_in_a_screenshot(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = _chromium(tmp_path, "--window-size=1200,900", f"--screenshot={shot}", report.as_uri())
    assert shot.is_file(), done.stderr
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 900)
    reddish = _count(image, (40, 30, 1160, 110), _light_red)
    assert reddish > 20_000, "the red 'failed' banner is not at the top of the page"


def test_export_values_are_text_not_markup(report: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path, "--dump-dom", report.as_uri())
    dom = done.stdout
    assert "✗ FAILED: do not upload this file" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, escaped
    assert "<script>" not in dom  # never as an element


@pytest.mark.parametrize("name", ["report", "index", "many"])
@pytest.mark.parametrize("width", [400, 1400])
def test_the_page_never_scrolls_sideways(
    weekly: Path, tmp_path: Path, name: str, width: int
) -> None:
    found = _measure(tmp_path, _page(weekly, name), width)
    assert found["scrollWidth"] <= found["clientWidth"], f"wider than the window: {found['out']}"


@pytest.mark.parametrize("name", ["report", "index"])
@pytest.mark.parametrize("width", [400, 1400])
def test_the_failed_verdict_banner_is_at_the_top(
    weekly: Path, tmp_path: Path, name: str, width: int
) -> None:
    image = _screenshot(tmp_path, _page(weekly, name), width)
    top = (0, 0, width - 20, 260)  # left of the scrollbar
    banner = _count(image, top, _light_red)
    assert banner > (width - 80) * 25, "the red 'failed' banner is not at the top of the page"
    assert _pixel(image, width - 18, 880) == (255, 255, 255)  # a white page


@pytest.mark.parametrize("name", ["report", "index"])
@pytest.mark.parametrize("width", [400, 1400])
def test_the_dark_scheme_is_dark_with_a_red_banner_and_light_text(
    weekly: Path, tmp_path: Path, name: str, width: int
) -> None:
    image = _screenshot(tmp_path, _page(weekly, name), width, "--force-dark-mode")
    top = (0, 0, width - 20, 260)
    assert _count(image, top, _light_red) == 0
    assert _count(image, top, _dark_red) > (width - 80) * 25, "no dark red banner at the top"
    light_text = _count(image, top, lambda r, g, b: min(r, g, b) > 200)
    assert light_text > 300, "the banner's text is not light"
    r, g, b = _pixel(image, width - 18, 880)
    assert max(r, g, b) < 40, "the page is not dark"
    dark = _count(image, (0, 0, width - 20, 900), lambda r, g, b: max(r, g, b) < 90)
    assert dark > (width - 20) * 900 * 0.6, "most of the page should be dark"


def test_the_weekly_report_and_index_print_in_few_pages(weekly: Path, tmp_path: Path) -> None:
    assert 2 <= _pdf_pages(tmp_path, _page(weekly, "report")) <= MAX_PAGES
    assert 1 <= _pdf_pages(tmp_path, _page(weekly, "index")) <= 4


def test_printing_opens_closed_details(tmp_path: Path) -> None:
    style = environment().get_template("_style.html.j2").render()
    lines = "".join(f"<p>passed check {i}</p>" for i in range(300))
    page = tmp_path / "details.html"
    page.write_text(
        f"<!doctype html><html><head>{style}</head><body><h1>Report</h1>"
        f"<details><summary>300 checks passed</summary>{lines}</details></body></html>",
        encoding="utf-8",
    )
    assert _pdf_pages(tmp_path, page) > 3  # closed, it would be one page


def test_the_failing_week_has_its_worklist(weekly: Path) -> None:
    html = _page(weekly, "report").read_text(encoding="utf-8")
    worklist = html.split('<h2 id="worklist">', 1)[1].split('<h2 id="plan">', 1)[0]
    assert '<table class="worklist">' in worklist
    assert worklist.count('scope="rowgroup"') >= 20  # one group per failing row


@pytest.mark.parametrize("name", ["report", "defective", "index", "many"])
@pytest.mark.parametrize(("width", "scheme"), [(1400, "light"), (1400, "dark"), (400, "light")])
def test_the_pages_pass_an_accessibility_check(
    weekly: Path, tmp_path: Path, axe: str, name: str, width: int, scheme: str
) -> None:
    dark = ["--force-dark-mode"] if scheme == "dark" else []
    found = _violations(tmp_path, _page(weekly, name), axe, width, *dark)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)


def test_the_accessibility_check_finds_what_it_should(
    tmp_path: Path, axe: str, weekly: Path
) -> None:
    """The check itself: a page with an unlabelled image link, grey-on-white text and a table
    too wide for 400 px that no key can scroll has those serious violations."""
    style = environment().get_template("_style.html.j2").render()
    wide = "".join(f"<td>{'9' * 40}</td>" for _ in range(6))
    page = tmp_path / "bad" / "page.html"
    page.parent.mkdir()
    page.write_text(
        f'<!doctype html><html lang="en"><head><title>bad</title>{style}</head><body><main>'
        '<h1>Bad</h1><p style="color:#bbb">faint</p><a href="x"><svg width="9" height="9">'
        f'</svg></a><div class="scroll"><table><tr>{wide}</tr></table></div></main></body></html>',
        encoding="utf-8",
    )
    found = {v["id"] for v in _violations(tmp_path, page, axe, 400) if v["impact"] in BLOCKING}
    assert found == {"color-contrast", "link-name", "scrollable-region-focusable"}
