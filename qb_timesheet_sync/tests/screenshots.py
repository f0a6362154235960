# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Screenshots taken by the tours, for the addon's description page.

A tour step calls ``qboScreenshot(name)`` (static/tests/tours/qbo_screenshot.js),
which logs ``qbo-screenshot:<name>`` on the browser console. Tests mixing in
:class:`QboScreenshots` answer it: when the ``QBTS_SCREENSHOTS`` environment
variable names a folder, the page is captured there as ``<name>.png`` (Chrome
DevTools ``Page.captureScreenshot``); either way the page is then told the
shot is done, so the tour goes on. ``setup/make_description.py`` builds
static/description/index.html with them.
"""

import base64
import logging
import os
import pathlib

from odoo.tests.common import ChromeBrowser

_logger = logging.getLogger(__name__)

SCREENSHOTS_ENV = "QBTS_SCREENSHOTS"
PREFIX = "qbo-screenshot:"


def screenshots_dir():
    folder = os.environ.get(SCREENSHOTS_ENV)
    return pathlib.Path(folder) if folder else None


class QboScreenshots:
    """HttpCase mixin: the tours' screenshots (see the module docstring)."""

    def setUp(self):
        super().setUp()
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):
            first = args and browser._from_remoteobject(args[0])
            if isinstance(first, str) and first.startswith(PREFIX):
                _take(browser, first[len(PREFIX) :])
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        self.patch(ChromeBrowser, "_handle_console", handle_console)


def _take(browser, name):
    """Capture the page as ``name``.png (when asked to), then tell the page.
    Runs on the browser's receiving thread: it sends and never waits."""
    folder = screenshots_dir()

    def done(_future=None):
        expression = f"document.body.dataset.qboShot = {name!r}"
        browser._websocket_send("Runtime.evaluate", params={"expression": expression})

    if not folder:
        done()
        return

    def save(future):
        try:
            data = future.result(timeout=0)["data"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.png").write_bytes(base64.b64decode(data, validate=True))
        except Exception as error:
            _logger.info("Screenshot %s not taken: %s", name, error)
        done()

    future = browser._websocket_send("Page.captureScreenshot", with_future=True)
    future.add_done_callback(save)
