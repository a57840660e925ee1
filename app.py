"""WANN Explorer: ``python app.py`` then open http://127.0.0.1:8050.

Options: ``--host``, ``--port``, ``--debug`` (Dash dev tools and reloading).
"""

from __future__ import annotations

import argparse

from wann_viz.ui import create_app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the WANN Explorer (Dash).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and hot reload")
    args = parser.parse_args(argv)
    app = create_app()
    print(f"WANN Explorer on http://{args.host}:{args.port}", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
