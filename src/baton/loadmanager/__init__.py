"""The load manager: per-service pools of application servers, a FIFO queue, routing, stats.

The broker asks a service's :class:`~baton.loadmanager.pool.ServicePool` for a server
(``acquire``), talks to it, and gives it back (``release``) saying how the request went. The pool
starts and stops servers through the :class:`~baton.spawner.base.Spawner` interface only.
"""
