"""The ``baton`` command: parse, call the registry, render with rich."""
