"""Serve a built site on localhost, for the browser tests and the audit.

Text is gzip-compressed when the browser accepts it, and connections are kept open between
requests, as Read the Docs and GitHub Pages do, so what the audit measures is what a reader
downloads, over the connections a reader's browser would use.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

_COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files, compressed like a static host, without logging every request."""

    # HTTP/1.1 keeps a connection open for the next request (every response says its length);
    # the base class's HTTP/1.0 opens a new connection for each file of a page.
    protocol_version = "HTTP/1.1"

    def send_head(self):  # type: ignore[override] - the base returns a file or None
        path = Path(self.translate_path(self.path))
        kind = self.guess_type(str(path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and accepts and kind.startswith(_COMPRESSED_TYPES)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on a free localhost port; yield its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
