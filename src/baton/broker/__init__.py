"""The broker: the ASGI app at ``/broker`` that runs programs for web users (docs/broker.md)."""
