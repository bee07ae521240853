"""``python -m baton.appserver``: run an application server (see baton.appserver.config)."""

from __future__ import annotations

import sys

from baton.appserver.config import parse_args
from baton.appserver.server import serve

if __name__ == "__main__":
    sys.exit(serve(parse_args()))
