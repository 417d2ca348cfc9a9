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
    browser.wait_text("selfplay", "square8-2p", "promote", "master-loop")
    browser.screenshot(tmp_path / "deployments.png")

    browser.get(f"{url}/runs/flow-run/{generation.gauntlet.id}?tab=Artifacts")
    browser.wait_text("gauntlet-square8-2p", "Completed")
    browser.screenshot(tmp_path / "gauntlet-run.png")

    browser.get(f"{url}/runs/flow-run/{generation.promote.id}?tab=Artifacts")
    text = browser.wait_text("promotion-square8-2p", "Completed")
    browser.screenshot(tmp_path / "promote-run.png")
    print(f"screenshots in {tmp_path}")
    assert "Failed" not in text.split("Artifacts")[0]
