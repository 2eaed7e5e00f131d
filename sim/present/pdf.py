"""The report as PDF: the HTML page printed by headless Chromium through Playwright's Python
package (no browser download: it uses ``/usr/bin/chromium`` or ``$TRUSTSIM_CHROMIUM``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.errors import UserError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def html_to_pdf(page: str, path: Path) -> None:
    """Print ``page`` to PDF with headless Chromium (Playwright's Python package, no download)."""
    exe = os.environ.get("TRUSTSIM_CHROMIUM", CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UserError("--format pdf: needs the playwright Python package (pip install playwright) and Chromium; "
                        "or write the HTML report and print it from a browser") from None
    if not Path(exe).is_file():
        raise UserError(f"--format pdf: needs Chromium at {exe} (install Debian's chromium or set TRUSTSIM_CHROMIUM); "
                        "or write the HTML report and print it from a browser")
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(page, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                pg = browser.new_page()
                pg.goto(src.as_uri(), wait_until="load")
                pg.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # print it all
                pg.emulate_media(media="print")
                pg.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
