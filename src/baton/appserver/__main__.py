"""``python -m baton.appserver``: run an application server (see baton.appserver.config)."""

from __future__ import annotations

import dataclasses
import sys

from baton.appserver.config import parse_args, take_key
from baton.appserver.server import serve

if __name__ == "__main__":
    # The key leaves the environment before anything else runs (see take_key).
    sys.exit(serve(dataclasses.replace(parse_args(), key=take_key())))
