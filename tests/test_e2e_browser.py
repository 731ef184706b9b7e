"""End-to-end: the app served on 127.0.0.1, driven by Playwright in Debian's Chromium.

Open the app, change the TFR and see the 2040 population change, download the workbook and
open it, follow a shared link and see the restored value, and visit every page (screenshots
go to ``test-artifacts/``, which git ignores). Skipped when ``/usr/bin/chromium`` is absent,
except in CI (environment ``CI`` set), where that fails (CI installs it: scripts/test.sh).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from calculator.export import SHEET_NAMES

CHROMIUM = Path("/usr/bin/chromium")
#: In CI (``CI`` set, as ``.ci/run`` does) a missing Chromium is a failure, not a skip, so a
#: broken install cannot pass silently.
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
MISSING_CHROMIUM = ("Debian's Chromium (/usr/bin/chromium) is not installed; "
                    "scripts/test.sh installs it with apt-get install chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason=MISSING_CHROMIUM),
]


@pytest.fixture(scope="module", autouse=True)
def _chromium_present() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"CI is set and {MISSING_CHROMIUM}")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TFR_LABEL = "Summerad fruktsamhet, mål (barn per kvinna)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    log = (ARTIFACTS / "streamlit-e2e.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100},  # type: ignore[attr-defined]
                                  accept_downloads=True, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _metric_value(page: object, label: str) -> float:
    metric = page.locator("[data-testid=stMetric]").filter(  # type: ignore[attr-defined]
        has=page.get_by_text(label, exact=True))  # type: ignore[attr-defined]
    text = metric.locator("[data-testid=stMetricValue]").inner_text()
    return float(text.replace("\u00a0", "").replace(" ", "").replace("−", "-").replace(",", "."))


def _wait_for_app(page: object) -> None:
    page.get_by_text("Folkmängd 2040", exact=True).wait_for()  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=stVegaLiteChart] canvas, "  # type: ignore[attr-defined]
                           "[data-testid=stVegaLiteChart] svg")
    _wait_until_idle(page)


def _wait_until_idle(page: object) -> None:
    """Wait until Streamlit has finished the rerun (no 'running' status widget)."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)


def _wait_until_settled(page: object, label: str, quiet_ms: int = 1500) -> None:
    """Wait until no rerun is running or queued: idle, and the metric ``label`` unchanged over
    ``quiet_ms``. Key presses on a slider queue several reruns; a download button belongs to
    the run that drew it (Streamlit drops its deferred file when a later run replaces it), so
    the test must click only once the page has settled, as a person would."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        _wait_until_idle(page)
        value = _metric_value(page, label)
        page.wait_for_timeout(quiet_ms)  # type: ignore[attr-defined]
        running = page.locator("[data-testid=stStatusWidget]").count()  # type: ignore[attr-defined]
        if not running and _metric_value(page, label) == value:
            return
    raise AssertionError("the app did not settle within 90 s")


def _no_exception(page: object) -> None:
    assert page.locator("[data-testid=stException]").count() == 0  # type: ignore[attr-defined]


def test_tfr_change_download_and_shared_link(server: str, page: object) -> None:
    page.goto(server)  # type: ignore[attr-defined]
    _wait_for_app(page)
    _no_exception(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-scenario-start.png"))  # type: ignore[attr-defined]
    before = _metric_value(page, "Folkmängd 2040")

    # Move the TFR slider with the keyboard: 25 steps of 0.01 up.
    slider = page.get_by_role("slider", name=TFR_LABEL)  # type: ignore[attr-defined]
    start = float(slider.input_value())
    slider.focus()
    for _ in range(25):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """([label, before]) => {
            const m = [...document.querySelectorAll('[data-testid=stMetric]')]
                .find(e => e.innerText.includes(label));
            if (!m) return false;
            const v = m.querySelector('[data-testid=stMetricValue]').innerText
                .replace(/\\s/g, '').replace(',', '.');
            return parseFloat(v) > before;
        }""", arg=["Folkmängd 2040", before])
    _wait_until_settled(page, "Folkmängd 2040")
    after = _metric_value(page, "Folkmängd 2040")
    assert float(slider.input_value()) == pytest.approx(start + 0.25)
    assert after > before
    _no_exception(page)
    assert "fertility.tfr_target=" in page.url  # type: ignore[attr-defined]
    shared = page.url  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "e2e-scenario-tfr.png"))  # type: ignore[attr-defined]

    # Download the workbook (built on click; the page does not rerun) and open it.
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Arbetsbok (.xlsx)").click()  # type: ignore[attr-defined]
    target = ARTIFACTS / "e2e-befolkning.xlsx"
    info.value.save_as(target)
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames[: len(SHEET_NAMES)] == list(SHEET_NAMES)
    assert _metric_value(page, "Folkmängd 2040") == after  # unchanged by the download

    # Follow the shared link in a fresh page: the scenario is restored.
    page.goto("about:blank")  # type: ignore[attr-defined]
    page.goto(shared)  # type: ignore[attr-defined]
    _wait_for_app(page)
    restored = page.get_by_role("slider", name=TFR_LABEL)  # type: ignore[attr-defined]
    assert float(restored.input_value()) == pytest.approx(start + 0.25)
    assert _metric_value(page, "Folkmängd 2040") == after
    _no_exception(page)


def test_every_page_renders(server: str, page: object) -> None:
    page.set_viewport_size({"width": 1500, "height": 4200})  # type: ignore[attr-defined]
    page.goto(server)  # type: ignore[attr-defined]
    _wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / "page-scenario.png"))  # type: ignore[attr-defined]
    for name, title in (("budget", "Servicebehov och kostnader"), ("followup", "Uppföljning"),
                        ("data", "Om data")):
        page.get_by_role("link", name=re.compile(title)).first.click()  # type: ignore[attr-defined]
        page.get_by_role("heading", name=title).wait_for()  # type: ignore[attr-defined]
        _wait_until_idle(page)
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # let Vega draw
        _no_exception(page)
        page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"))  # type: ignore[attr-defined]
    page.get_by_text("English", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="About the data").wait_for()  # type: ignore[attr-defined]
