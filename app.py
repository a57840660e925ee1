"""WANN Explorer: start the app with ``python app.py`` and browse http://127.0.0.1:8050."""

import argparse
import html
from pathlib import Path
from http.server import BaseHTTPRequestHandler, HTTPServer

from wann_viz import load_genome

GENOMES = Path(__file__).parent / "saved_genomes"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        rows = "".join(f"<li>{html.escape(str(load_genome(p)))}</li>" for p in sorted(GENOMES.glob("*.json")))
        body = f"<html><body><h1>WANN Explorer</h1><ul>{rows}</ul></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    args = parser.parse_args()
    print(f"WANN Explorer on http://{args.host}:{args.port}")
    HTTPServer((args.host, args.port), _Handler).serve_forever()


if __name__ == "__main__":
    main()
