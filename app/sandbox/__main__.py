"""Run the TRS sandbox: `python -m app.sandbox --port 5001 [--db PATH] [--host HOST] [--no-seed]`.

Prints one line, `TRS sandbox listening on http://HOST:PORT`, once the socket is listening
(`--port 0` picks a free port, so a parent process reads the port from that line). Stops cleanly
on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from app.sandbox.server import create_sandbox_app
from app.sandbox.serving import make_sandbox_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.sandbox", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001, help="0 picks a free port")
    parser.add_argument(
        "--db",
        type=Path,
        default=Path.cwd() / "instance" / "trs-sandbox.sqlite",
        help="SQLite file (default: instance/trs-sandbox.sqlite under the current directory)",
    )
    parser.add_argument(
        "--no-seed", action="store_true", help="start empty instead of seeding the demo teachers"
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log every request to stderr (slower)"
    )
    args = parser.parse_args(argv)

    args.db.parent.mkdir(parents=True, exist_ok=True)
    app = create_sandbox_app(args.db, seed=not args.no_seed)
    server = make_sandbox_server(args.host, args.port, app, access_log=args.access_log)

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    print(f"TRS sandbox listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["trs_sandbox"].store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
