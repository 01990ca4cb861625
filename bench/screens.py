"""Screens to read on a 390×844 phone: how far a reader scrolls on the main pages.

Serves the app given by ``--source`` (a checkout: this one by default, or an exported copy of
another branch to compare) on a fresh SQLite database with the demo data, then opens each page
in headless Chromium at 390×844 as the role that reads it, and reports:

- ``screens``: the page's height divided by the viewport's (844 px), to one decimal;
- ``first statement``: whether the first statement's text starts within the first screen
  (consultation pages), and how far down it starts (px).

    .venv/bin/python bench/screens.py                               # this checkout
    git archive main | tar -x -C /tmp/kenes-main
    .venv/bin/python bench/screens.py --source /tmp/kenes-main      # the reference
    .venv/bin/python bench/screens.py --json

The numbers go to docs/benchmarks.md ("Screens to read on a phone").
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 390, 844
PASSWORD = "kenes-demo-password"
DEMO = "/consultations/almaty-winter-air"

#: (label, role, path): role None is an anonymous reader.
PAGES: tuple[tuple[str, str | None, str], ...] = (
    ("consultation (anonymous)", None, DEMO),
    ("consultation (citizen)", "citizen", DEMO),
    ("consultation (policymaker)", "policymaker", DEMO),
    ("insights", None, f"{DEMO}/insights"),
    ("report", "policymaker", f"{DEMO}/report"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(source: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Migrate, seed and serve ``source`` on a free port; return the process and its URL."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(source),
        KENES_DATABASE_URL=f"sqlite:///{workdir / 'screens.sqlite3'}",
        KENES_SECRET_KEY="bench-screens",  # noqa: S106 - a throwaway local server
        KENES_ANALYSIS_ID_KEY="bench-screens",
        # plain HTTP on localhost: cookies without the secure flag; staff log in with the
        # password alone (the demo's staff are not enrolled in two-factor)
        KENES_SESSION_COOKIE_SECURE="false",
        KENES_REMEMBER_COOKIE_SECURE="false",
        KENES_STAFF_TWO_FACTOR_REQUIRED="false",
        KENES_RATELIMIT_ENABLED="false",
        KENES_ANALYSIS_BACKGROUND="false",
    )
    env.pop("KENES_REDIS_URL", None)
    kenes = [sys.executable, "-m", "flask", "--app", "consult:create_app"]
    for step in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*kenes, *step], cwd=source, env=env, check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [*kenes, "run", "-p", str(port), "--no-reload"],
        cwd=source,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - local server
            return process, base
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the server did not start")


def measure(base: str) -> list[dict[str, Any]]:
    """Open every page as its reader at 390×844 and measure it."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for label, role, path in PAGES:
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                extra_http_headers={"Accept-Language": "en"},
            )
            page = context.new_page()
            if role is not None:
                page.goto(f"{base}/login")
                page.fill("#email", f"{role}@demo.kenes.kz")
                page.fill("#password", PASSWORD)
                page.click("form.form button[type=submit]")
                page.wait_for_url(f"{base}/")
            page.goto(f"{base}{path}")
            height = page.evaluate("document.documentElement.scrollHeight")
            first = page.evaluate(
                "() => { const e = document.querySelector('article.statement .statement-text');"
                " return e ? e.getBoundingClientRect().top + window.scrollY : null; }"
            )
            rows.append(
                {
                    "page": label,
                    "height_px": int(height),
                    "screens": round(height / HEIGHT, 1),
                    "first_statement_px": None if first is None else int(first),
                    "first_statement_on_first_screen": None if first is None else first < HEIGHT,
                }
            )
            context.close()
        browser.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        process, base = serve(args.source.resolve(), Path(tmp))
        try:
            rows = measure(base)
        finally:
            process.terminate()
            process.wait(timeout=10)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'page':30} {'screens':>8} {'first statement':>16}")
    for row in rows:
        first = row["first_statement_px"]
        where = "—" if first is None else f"{first} px" + (" ✓" if first < HEIGHT else "")
        print(f"{row['page']:30} {row['screens']:>8} {where:>16}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
