"""`python -m sample_app [PORT]`: serve on the port given, else `PORT`, else 8080."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence

from .aws import aws_clients
from .config import load
from .health import build_checks
from .web import application, create_server


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = load(os.environ if env is None else env, sys.argv[1:] if argv is None else argv)
    checks = build_checks(config, aws_clients(config.region))
    with create_server(application(checks), config.port) as server:
        logging.getLogger(__package__).info("serving on port %d", server.server_port)
        server.serve_forever()


if __name__ == "__main__":
    main()
