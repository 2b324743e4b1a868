#!/usr/bin/env python3
"""Open every page of the built book in headless Chromium and fail on what a reader should never see.

Usage: python tools/check_book.py [_build/html] [--shots _build/screenshots] [--chromium PATH]

The pages are served from 127.0.0.1 (an ephemeral port, this process only) and loaded in Debian's
``chromium``, driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``), so nothing
beyond the Python standard library and the browser is needed.  For each page the check

- waits for MathJax and fails on math left untypeset (a ``.math`` element without ``mjx-container``) or
  typeset with an error (``mjx-merror``), and on raw TeX (``$...$``) in the page text outside code;
- fails on an image that did not load (``naturalWidth == 0``);
- fails on a console error, an uncaught exception, or a network request that failed;
- fails on a traceback, an unrendered figure repr (``<Figure size ...>``), a raw ``nan``/``inf`` in the
  rendered text (code inputs excluded), and on wording about this project's own process;
- writes a full-page screenshot to the screenshot folder.

Exit status 0 when every page passes, 1 otherwise (each problem printed as ``page: problem``), 2 when the
browser is missing.
"""
from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
]
INSTALL_HINT = ("chromium not found: install Debian's browser with "
                "`sudo apt-get update && sudo apt-get install -y chromium` (as root without sudo), "
                "or pass --chromium PATH")

# Wording that speaks of this project's process rather than of physics (case-insensitive).
INTERNAL_WORDING = [r"seed[ -]00[01]\b", r"blind check", r"our copy", r"missing supplement",
                    r"kept back as a"]
# Python's spelling of a non-number, as a word of its own (case-sensitive: prose may say "NaN" in a sentence
# about silent NaNs only in code, which is excluded).
RAW_NUMBER = re.compile(r"(?<![\w.])-?(nan|inf)(?![\w])")
RAW_TEX = re.compile(r"\$[^$\n]{1,80}\$|\\(?:mu|nu|alpha|beta|theta|frac|mathrm)\b|\^\{?\d{2,3}\}?[A-Z][a-z]?")

# Evaluated in the page once it has loaded and MathJax has finished: returns a JSON-able report.
PAGE_PROBE = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  // let images decode
  await Promise.all(Array.from(document.images).map(img => img.decode ? img.decode().catch(() => null) : null));
  const main = document.querySelector('main') || document.body;
  const untypeset = Array.from(document.querySelectorAll('.math'))
      .filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.trim().slice(0, 60));
  const merror = Array.from(document.querySelectorAll('mjx-merror'))
      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 80));
  const broken = Array.from(document.images)
      .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src'));
  const clone = main.cloneNode(true);
  clone.querySelectorAll('script, style, mjx-container, .math, .cell_input, .highlight-python, '
      + '.highlight-bash, .highlight-ipython3, .highlight-default, code.literal, .headerlink').forEach(el => el.remove());
  const text = clone.innerText || clone.textContent || '';
  const fullText = main.innerText || '';
  return {untypeset, merror, broken, text, fullText,
          height: Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)),
          title: document.title};
})()
"""


class Browser:
    """A headless Chromium driven over --remote-debugging-pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, executable: str, width: int = 1280, height: int = 1000):
        self.profile = tempfile.mkdtemp(prefix="cevns-book-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def _fds():  # in the child: the pipe ends become fds 3 and 4 (via high numbers, in case they are 3 or 4)
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            a, b = os.dup2(a, 100 + a), os.dup2(b, 100 + b)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.width, self.height = width, height
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _read_message(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from chromium")
            import select
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, timeout: float = 60.0, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message(timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(max(0.1, deadline - time.monotonic()))
            if event.get("method") == method:
                return event
            self.events.append(event)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``root`` on 127.0.0.1 at an ephemeral port, quietly, in a daemon thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def text_problems(text: str, full_text: str) -> list[str]:
    """Problems found in a page's rendered text (``text``: code inputs and math removed)."""
    problems = []
    for where in (full_text,):
        if "Traceback (most recent call last)" in where or re.search(r"\w+Error: ", text):
            problems.append("a traceback or an error message is shown")
        if re.search(r"<Figure size \d+x\d+ with", where):
            problems.append("a figure is shown as its text repr, not as an image")
    for pattern in INTERNAL_WORDING:
        for match in re.finditer(pattern, full_text, flags=re.IGNORECASE):
            context = full_text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
            problems.append(f"internal wording {match.group(0)!r}: ...{context}...")
    for match in RAW_NUMBER.finditer(text):
        context = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
        problems.append(f"raw {match.group(0)!r} in the rendered text: ...{context}...")
    for match in RAW_TEX.finditer(text):
        context = text[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
        problems.append(f"raw TeX {match.group(0)!r}: ...{context}...")
    return problems


def check_page(browser: Browser, url: str, shot: Path | None) -> list[str]:
    browser.events.clear()
    browser.call("Page.navigate", session=True, url=url)
    browser.wait_for("Page.loadEventFired", timeout=60)
    result = browser.call("Runtime.evaluate", session=True, expression=PAGE_PROBE, awaitPromise=True,
                          returnByValue=True, timeout=120)
    if "exceptionDetails" in result:
        return [f"the page probe failed: {result['exceptionDetails'].get('text')}"]
    report = result["result"]["value"]
    problems = []
    problems += [f"untypeset math: {m!r}" for m in report["untypeset"]]
    problems += [f"MathJax error: {m!r}" for m in report["merror"]]
    problems += [f"image did not load: {src}" for src in report["broken"]]
    problems += text_problems(report["text"], report["fullText"])
    # events gathered while the page loaded and ran
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            desc = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"uncaught exception: {desc}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            problems.append(f"console error: {args[:200]}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            problems.append(f"console error: {entry.get('text', '')[:200]} {entry.get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"request failed: {params.get('errorText')} ({params.get('type')})")
    if shot is not None:  # the whole page: a viewport as tall as the page, then back to the window's height
        height = max(browser.height, min(int(report["height"]), 16000))
        browser.call("Emulation.setDeviceMetricsOverride", session=True, width=browser.width, height=height,
                     deviceScaleFactor=1, mobile=False)
        data = browser.call("Page.captureScreenshot", session=True, format="png", timeout=120)["data"]
        browser.call("Emulation.setDeviceMetricsOverride", session=True, width=browser.width,
                     height=browser.height, deviceScaleFactor=1, mobile=False)
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(base64.b64decode(data))
    return problems


def pages(root: Path) -> list[Path]:
    """Every HTML page a reader reaches (the chapters, the index, the search and genindex pages)."""
    skip = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
    return sorted(p for p in root.rglob("*.html") if not (set(p.relative_to(root).parts) & skip))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--shots", default=Path("_build/screenshots"), type=Path)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM"))
    args = parser.parse_args(argv)
    executable = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable or not shutil.which(executable):
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    if not (args.html / "index.html").exists():
        print(f"{args.html}/index.html not found: build the book first (make book)", file=sys.stderr)
        return 2
    server, base = serve(args.html)
    browser = Browser(executable)
    failures, checked = 0, 0
    start = time.perf_counter()
    try:
        for page in pages(args.html):
            rel = page.relative_to(args.html).as_posix()
            if rel == "index.html" and page.stat().st_size < 2000:
                continue  # the redirect stub to the root chapter
            shot = args.shots / (rel[:-5].replace("/", "__") + ".png")
            problems = check_page(browser, base + rel, shot)
            checked += 1
            for p in problems:
                print(f"{rel}: {p}")
            failures += bool(problems)
    finally:
        browser.close()
        server.shutdown()
    print(f"browser check: {checked - failures} passed, {failures} failed "
          f"({checked} pages in {time.perf_counter() - start:.0f} s; screenshots in {args.shots})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
