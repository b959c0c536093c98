"""For the browser tests and benchmarks: a static server on 127.0.0.1 and the settings that start
Debian's Chromium headless on these machines.

The server serves the ``web/`` folder the way a static host would: correct MIME types for .wasm
and the web manifest, and the response headers of the folder's ``_headers`` file (the one
Netlify and Cloudflare Pages read: the CSP, frame-ancestors and the other protections), so the
tests run under the headers a host sends. For tests and benchmarks caching is off (no-store in
place of the file's Cache-Control), so a test never sees a stale file; ``python -m
handwriting.static_server [folder] [--port N]`` previews the page with the file's caching too.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
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


HEADERS_FILE = "_headers"


def read_headers_file(path: Path) -> list[tuple[re.Pattern, list[tuple[str, str]]]]:
    """The rules of a Netlify / Cloudflare Pages ``_headers`` file: ``(path pattern, headers)``
    in file order. A line starting at column 0 is a path (``*`` matches anything, slashes too);
    the indented ``Name: value`` lines under it are its headers; ``#`` starts a comment line."""
    rules: list[tuple[re.Pattern, list[tuple[str, str]]]] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            pattern = "".join(".*" if part == "*" else re.escape(part)
                              for part in re.split(r"(\*)", line.strip()))
            rules.append((re.compile(pattern + r"\Z"), []))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
        else:
            raise ValueError(f"{path}:{number}: expected a path or an indented 'Name: value'")
    return rules


def headers_for(rules, url_path: str) -> dict[str, str]:
    """The headers a host sends for ``url_path``: every matching rule's, a header that several
    rules set joined with ", " (as Netlify and Cloudflare Pages do)."""
    out: dict[str, str] = {}
    for pattern, headers in rules:
        if pattern.match(url_path):
            for name, value in headers:
                out[name] = f"{out[name]}, {value}" if name in out else value
    return out


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

    def __init__(self, *args, rules=(), cache=False, log=None, **kwargs):
        self.rules, self.cache, self.log = rules, cache, log
        super().__init__(*args, **kwargs)

    def copyfile(self, source, outputfile):
        if self.log is None:
            return super().copyfile(source, outputfile)
        body = source.read()
        outputfile.write(body)
        self.log.append((self.path.split("?", 1)[0], len(body)))
        return None

    def end_headers(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        for name, value in headers_for(self.rules, path).items():
            if self.cache or name.lower() != "cache-control":
                self.send_header(name, value)
        if not self.cache:
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


def _handler(root: Path, cache: bool, log: list | None = None):
    headers_file = Path(root) / HEADERS_FILE
    rules = read_headers_file(headers_file) if headers_file.is_file() else []
    return functools.partial(_Handler, directory=str(root), rules=rules, cache=cache, log=log)


def serve(root: Path, cache: bool = False, log: list | None = None) -> StaticServer:
    """Serve ``root`` on 127.0.0.1 (a free port) from a background thread; ``close()`` it.
    ``cache``: send the ``_headers`` file's Cache-Control, as a host does (else no-store);
    ``log``: a list that gets ``(path, bytes)`` for every response body sent (a 304 sends none)."""
    httpd = _Server(("127.0.0.1", 0), _handler(root, cache=cache, log=log))
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m handwriting.static_server",
        description="Preview a folder (default web/) as a static host serves it, with the "
                    "headers and caching of its _headers file.")
    parser.add_argument("folder", nargs="?", default="web", type=Path)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if not (args.folder / "index.html").is_file():
        parser.error(f"{args.folder} has no index.html")
    httpd = _Server(("127.0.0.1", args.port), _handler(args.folder, cache=True))
    print(f"serving {args.folder} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl+C stops)",
          flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
