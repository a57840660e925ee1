"""WANN Explorer: ``python app.py`` then open http://127.0.0.1:8050.

Options: ``--host``, ``--port``, ``--debug`` (Dash dev tools and reloading; never in front of a class).
For a class, serve ``app:server`` with gunicorn (see the README's "Serving a class").
"""

from __future__ import annotations

import argparse
import os

from wann_viz.ui import create_app
from wann_viz.ui.serving import quiet_dev_server

app = create_app()
server = app.server  # the WSGI application: gunicorn app:server
server.secret_key = os.environ.get("DASH_SECRET_KEY") or server.secret_key


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the WANN Explorer (Dash).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and hot reload (never for a class)")
    args = parser.parse_args(argv)
    quiet_dev_server()
    print(f"WANN Explorer on http://{args.host}:{args.port}", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
