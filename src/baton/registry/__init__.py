"""The registry (metadata server): users, groups, permissions, credentials, definitions.

SQLAlchemy models live in :mod:`baton.registry.models` and never leave this package; the query
modules (``users``, ``groups``, ``access``, ``tokens``, ...) take an explicit session and return
the frozen records of :mod:`baton.registry.records`.
"""
