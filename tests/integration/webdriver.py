"""A headless Chromium driven over the W3C WebDriver HTTP protocol (Debian's ``chromium`` and
``chromium-driver``; no client library): enough to open pages of the Prefect UI, read their
text and take a screenshot."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from .processes import free_port, stop_tree

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--window-size=1400,1000"]


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) paths, or None when either is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                              else None)
    return (chromium, driver) if chromium and driver else None


class Browser:
    """One chromedriver process with one headless Chromium session (fresh profile)."""

    def __init__(self, chromium: str, driver: str, log_dir: Path, timeout: float = 120.0):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=log_dir)
        self.proc = subprocess.Popen([driver, f"--port={self.port}"], stdout=(log_dir / "chromedriver.log").open("wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        t0 = time.monotonic()
        while True:
            try:
                if self._call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                self.proc.kill()
                raise RuntimeError(f"chromedriver did not start (see {log_dir / 'chromedriver.log'})")
            time.sleep(0.5)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium, "args": CHROME_ARGS + [f"--user-data-dir={self.profile}"]}}}}
        self.session = self._call("POST", "/session", caps, timeout=timeout)["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None, timeout: float = 60.0):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.code} {e.read()[:500]!r}") from e

    def _s(self, method: str, path: str, body: dict | None = None, timeout: float = 60.0):
        return self._call(method, f"/session/{self.session}{path}", body, timeout)

    def get(self, url: str) -> None:
        self._s("POST", "/url", {"url": url}, timeout=120)

    def text(self) -> str:
        return self._s("POST", "/execute/sync", {"script": "return document.body ? document.body.innerText : ''",
                                                 "args": []}) or ""

    def wait_text(self, *needles: str, timeout: float = 120.0) -> str:
        """Poll the page's text until it contains every needle; the text (AssertionError if not)."""
        t0 = time.monotonic()
        while True:
            t = self.text()
            if all(n in t for n in needles):
                return t
            if time.monotonic() - t0 > timeout:
                missing = [n for n in needles if n not in t]
                raise AssertionError(f"page lacks {missing} after {timeout:.0f} s; its text:\n{t[:3000]}")
            time.sleep(1.0)

    def click_text(self, label: str, timeout: float = 60.0) -> None:
        """Click the innermost element whose text is ``label`` (a tab, a link), once it is there."""
        xpath = f"(//*[normalize-space(.)='{label}'])[last()]"
        t0 = time.monotonic()
        while True:
            try:
                el = self._s("POST", "/element", {"using": "xpath", "value": xpath})
                self._s("POST", f"/element/{next(iter(el.values()))}/click", {})
                return
            except RuntimeError:
                if time.monotonic() - t0 > timeout:
                    raise
                time.sleep(1.0)

    def type_into(self, css: str, text: str) -> None:
        """Type ``text`` into the first element matching the CSS selector ``css`` (a search box)."""
        el = self._s("POST", "/element", {"using": "css selector", "value": css})
        self._s("POST", f"/element/{next(iter(el.values()))}/value", {"text": text})

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self._s("GET", "/screenshot")))
        return path

    def close(self) -> None:
        try:
            self._s("DELETE", "", timeout=30)
        except (OSError, RuntimeError):
            pass
        stop_tree(self.proc, grace=10)
        shutil.rmtree(self.profile, ignore_errors=True)
