"""For the browser tests and benchmarks: a no-cache static server on 127.0.0.1 and the settings
that start Debian's Chromium headless on these machines.

The server serves the ``web/`` folder the way a static host would (correct MIME types for .wasm
and the web manifest) with caching disabled, so a test never sees a stale file.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google hosts on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".webmanifest": "application/manifest+json",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store, must-revalidate")
        self.send_header("Pragma", "no-cache")
        self.send_header("Expires", "0")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser closing a connection early (page closed, request aborted) is not an error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


@dataclass
class StaticServer:
    root: Path
    url: str
    httpd: _Server
    thread: threading.Thread

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve(root: Path) -> StaticServer:
    """Serve ``root`` on 127.0.0.1 (a free port) from a background thread; ``close()`` it."""
    handler = functools.partial(_Handler, directory=str(root))
    httpd = _Server(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    t = threading.Thread(target=httpd.serve_forever, name=f"static-{port}", daemon=True)
    t.start()
    return StaticServer(root=Path(root), url=f"http://127.0.0.1:{port}/", httpd=httpd, thread=t)


@contextlib.contextmanager
def serving(root: Path) -> Iterator[str]:
    """``with serving(root) as url:`` -- the server lives for the block."""
    server = serve(root)
    try:
        yield server.url
    finally:
        server.close()
