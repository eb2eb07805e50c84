"""The studio end to end: the real server, a real headless Chromium, the CLI's numbers.

Starts ``pmosim studio`` on a free port in a copy of the scenarios folder, opens
the page on a 1280×720 screen, moves two levers, presses Run and checks that the
table shows what ``pmosim compare`` computes for the same inputs and seed, that
the first row's verdict is on screen without scrolling and nothing covers the
table, that money carries its currency, and that the page's CSV download is
byte for byte the CLI's ``comparison.csv`` and its brief the CLI's headline; then
starts a long comparison and cancels it, and no worker process may outlive the
Cancel, nor a closed page, nor the server. Every request the page makes must
stay on 127.0.0.1 (anything else is refused and fails the test), the server
must write nothing and print nothing but its address. Without Chromium the test
is skipped, except under CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import html
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import psutil
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, need_chromium

from sim.teaching import whatif

ROOT = Path(__file__).resolve().parents[1]
PAGE_READY_TARGET, TABLE_TARGET = 2.0, 6.0  # seconds, reported (not asserted: shared CI cores)

pytestmark = pytest.mark.browser


def running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def workers_of(server: subprocess.Popen) -> list[psutil.Process]:
    """The server's worker processes now."""
    found = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()) and running(child):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_for_workers(server: subprocess.Popen, count: int,
                     old: Sequence[psutil.Process] = ()) -> list[psutil.Process]:
    """The server's worker processes, once ``count`` of them run that are not in ``old``."""
    known = {p.pid for p in old}
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        workers = [w for w in workers_of(server) if w.pid not in known]
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    pytest.fail("the page started no worker processes")


def ended_within(workers: Sequence[psutil.Process], seconds: float) -> float | None:
    """Seconds until every one of ``workers`` ended, or None if one outlived ``seconds``."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if not any(running(w) for w in workers):
            return time.perf_counter() - start
        time.sleep(0.1)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def studio(tmp_path):
    need_chromium()
    work = tmp_path / "work"
    shutil.copytree(ROOT / "scenarios", work / "scenarios")
    before = files_in(work)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    pmosim = Path(sys.executable).with_name("pmosim")
    server = subprocess.Popen([str(pmosim), "studio", "scenarios/baseline.yaml", "--port",
                               str(port)], cwd=work, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    launched = time.perf_counter()
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"the studio stopped: {server.stdout.read()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - launched > 60:
                pytest.fail("the studio did not answer within 60 s")
        listening = time.perf_counter()
        yield {"url": url, "work": work, "launch": listening - launched,
               "server": server}
    finally:
        left = workers_of(server) if server.poll() is None else []
        server.terminate()
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate(timeout=5)
    assert ended_within(left, 10) is not None, "a worker outlived the server"
    assert files_in(work) == before, "the studio wrote or changed files"
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[0].startswith("pmosim studio: open http://127.0.0.1:"), lines
    assert not [line for line in lines[1:] if not line.startswith(
        ("Solara server is starting", "pmosim studio: stopped"))], \
        f"the studio printed more than its address: {output}"


def cli_compare(work: Path, out: Path) -> Path:
    """What `pmosim compare` gives for the TO-BE the test sets in the page (the base's
    own horizon and replications, where the page starts)."""
    to_be = work / "scenarios" / "baseline-to-be.yaml"
    to_be.write_text("extends: baseline.yaml\nname: baseline-to-be\n"
                     "levers: {wip_limit: 3, sustainment: opex}\n", encoding="utf-8")
    pmosim = Path(sys.executable).with_name("pmosim")
    subprocess.run([str(pmosim), "compare", "scenarios/baseline.yaml", str(to_be),
                    "--set", "horizon=3 years", "--replications", "10", "--workers", "2",
                    "--out", str(out)], cwd=work, check=True, capture_output=True, text=True)
    to_be.unlink()
    return next(out.iterdir()) / "comparison.csv"


UNCOVERED = """table => {
    const seen = [];
    for (const cell of table.querySelectorAll('tr[data-kpi] td')) {
        const r = cell.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) continue;
        const top = document.elementFromPoint(x, y);
        seen.push(top !== null && table.contains(top));
    }
    return seen;
}"""
"""For every table cell whose centre is on screen: is the table what shows there?"""


def test_the_page_compares_what_pmosim_compare_compares(studio, tmp_path):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def watch(request):
        url = urlparse(request.url)
        if url.scheme not in ("blob", "data") and url.hostname != "127.0.0.1":
            outside.append(request.url)

    # Every host but 127.0.0.1 is made unreachable, so the page works offline or not
    # at all; the requests are watched rather than intercepted, because routing each
    # one through the test would slow the page it measures.
    offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=[*CHROMIUM_ARGS, offline])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720},
                                    accept_downloads=True)
            page.on("request", watch)
            opened = time.perf_counter()
            page.goto(studio["url"])
            page.locator(".pmosim-run").wait_for(timeout=30_000)
            ready = time.perf_counter() - opened
            horizon = page.locator(".pmosim-control-horizon input").input_value()
            replications = page.locator(".pmosim-control-replications input")
            assert (horizon, replications.input_value()) == ("3 years", "10")  # the file's

            wip = page.locator(".pmosim-control-wip_limit input")
            wip.fill("0")
            wip.press("Enter")
            refusal = page.locator(".pmosim-invalid")
            refusal.wait_for(timeout=10_000)
            assert "levers.wip_limit = 0" in refusal.inner_text()
            assert page.locator(".pmosim-run").is_disabled()
            wip.fill("3")
            wip.press("Enter")
            refusal.wait_for(state="detached", timeout=10_000)

            page.locator(".pmosim-control-sustainment").click()
            page.locator(".v-menu__content .v-list-item",
                         has_text="the OpEx team").click()
            page.locator(".pmosim-differences",
                         has_text="Sustainment owner").wait_for(timeout=10_000)
            wait_for_workers(studio["server"], 2)  # warm, as a person reading the page finds them

            pressed = time.perf_counter()
            page.locator(".pmosim-run").click()
            page.locator("table.pmosim-kpis").wait_for(timeout=120_000)
            table = time.perf_counter() - pressed
            shown = {row.get_attribute("data-kpi"): [cell.inner_text() for cell in
                                                     row.locator("td").all()]
                     for row in page.locator("table.pmosim-kpis tr[data-kpi]").all()}
            headline = page.locator(".pmosim-headline p").all_inner_texts()

            # on a 1280×720 projector, without scrolling: the first verdict, nothing over it
            verdict = page.locator("table.pmosim-kpis tr[data-kpi] td.verdict").first
            box = verdict.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
            assert box["y"] >= 0 and box["y"] + box["height"] <= 720, box
            seen = page.locator("table.pmosim-kpis").evaluate(UNCOVERED)
            assert seen and all(seen), "something covers the table"
            page.screenshot(path=str(tmp_path / "studio-1280x720.png"))

            with page.expect_download() as download:
                page.get_by_role("button", name="table (CSV)").click()
            page_csv = Path(download.value.path()).read_text(encoding="utf-8")
            with page.expect_download() as download:
                page.get_by_role("button", name="TO-BE file").click()
            to_be_yaml = Path(download.value.path()).read_text(encoding="utf-8")
            with page.expect_download() as download:
                page.get_by_role("button", name="decision brief").click()
            brief = Path(download.value.path()).read_text(encoding="utf-8")

            replications.fill("40")
            replications.press("Enter")
            page.locator(".pmosim-stale").wait_for(timeout=10_000)
            page.locator(".pmosim-run").click()
            page.locator(".pmosim-progress", has_text="of 80 runs").wait_for(timeout=30_000)
            workers = wait_for_workers(studio["server"], 2)
            page.locator(".pmosim-cancel").click()
            page.locator(".pmosim-cancelled").wait_for(timeout=10_000)
            assert not [w for w in workers if running(w)], "a worker outlived Cancel"
            assert not page.locator(".pmosim-run").is_disabled()

            # a closed page's warm workers end: closed as a tab (the page says so) or lost
            # (the browser quit or the connection dropped: the server notices)
            closed = {}
            for how, unload in (("tab closed", True), ("connection lost", False)):
                other = browser.new_page()
                before = workers_of(studio["server"])
                other.goto(studio["url"])
                other.locator(".pmosim-run").wait_for(timeout=30_000)
                warm = wait_for_workers(studio["server"], 2, before)
                other.close(run_before_unload=unload)
                closed[how] = ended_within(warm, 10)
                assert closed[how] is not None, f"workers outlived a closed page ({how})"
        finally:
            browser.close()

    print(f"\nstudio: server answering {studio['launch']:.2f} s after launch; page ready "
          f"{ready:.2f} s after the browser asked for it (target {PAGE_READY_TARGET:g} s); "
          f"table {table:.2f} s after Run (target {TABLE_TARGET:g} s); workers of a closed "
          f"page ended after {closed['tab closed']:.1f} s (tab closed), "
          f"{closed['connection lost']:.1f} s (connection lost); load average "
          f"{os.getloadavg()[0]:.1f}; screenshot {tmp_path / 'studio-1280x720.png'}")
    assert outside == [], f"the page asked for resources outside 127.0.0.1: {outside}"

    cli_csv = cli_compare(studio["work"], tmp_path / "cli")
    assert page_csv == cli_csv.read_text(encoding="utf-8")
    expected = [r for r in whatif.plain_rows(pd.read_csv(cli_csv), "baseline-to-be", 7.5,
                                             currency="GBP") if not r["zero"]]
    assert shown == {r["kpi"]: [r["label"], r["as_is"], r["to_be"],
                                r["change"] + (f"\n{r['interval']}" if r["interval"] else ""),
                                r["verdict"]]
                     for r in expected}
    for kpi in ("cost_change", "value_benefits", "npv_change"):  # money, in its currency
        assert all(cell.endswith("GBP") for cell in shown[kpi][1:3]), shown[kpi]
        assert "GBP" in shown[kpi][3], shown[kpi]
    cli_brief = (cli_csv.parent / "brief.html").read_text(encoding="utf-8")
    assert len(headline) == 3  # the brief's headline, above the table
    for sentence in headline:
        assert html.escape(sentence, quote=True) in cli_brief
    assert "sustainment: opex" in to_be_yaml and "wip_limit: 3" in to_be_yaml
    assert "extends: baseline.yaml" in to_be_yaml
    assert brief.startswith("<!DOCTYPE html>") and "Decision brief: baseline vs " in brief
    assert html.escape(headline[0], quote=True) in brief
