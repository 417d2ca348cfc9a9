"""The Prefect UI of the real server in a real browser (headless Chromium through chromedriver):
the deployments of ``ringrift deploy`` are listed, and the flow run pages of a completed
generation show its artifacts (the gauntlet table, the promotion decision). Screenshots are
kept in the test's folder."""

from __future__ import annotations

import pytest

from .webdriver import Browser, find_browser


@pytest.fixture
def browser(tmp_path):
    found = find_browser()
    if found is None:
        pytest.skip("chromium or chromedriver not installed (.ci/run installs Debian's chromium and "
                    "chromium-driver with apt-get)")
    b = Browser(*found, log_dir=tmp_path)
    try:
        yield b
    finally:
        b.close()


@pytest.mark.slow
def test_the_ui_lists_the_deployments_and_shows_a_runs_artifacts(generation, browser, tmp_path):
    url = generation.pipeline.server.url
    browser.get(f"{url}/deployments")
    browser.wait_text("Deployments", "selfplay", "master-loop", "square8_2p")
    browser.type_into("input[type='search']", "square8-2p")  # the list shows 10 per page
    browser.wait_text("square8-2p", "square8-2p-gpu")
    browser.screenshot(tmp_path / "deployments.png")

    # each run page: Completed, its Artifacts tab lists the artifact, whose page shows the content
    for run, key, content in ((generation.gauntlet, "gauntlet-square8-2p", "random"),
                              (generation.promote, "promotion-square8-2p", "PROMOTED")):
        browser.get(f"{url}/runs/flow-run/{run.id}")
        browser.wait_text(run.name, "Completed", "Artifacts")
        browser.click_text("Artifacts")
        browser.wait_text(key)
        browser.screenshot(tmp_path / f"{key}-run.png")
        browser.click_text(key)
        browser.wait_text(content)
        browser.screenshot(tmp_path / f"{key}.png")
    print(f"screenshots in {tmp_path}")
