"""The Object Spawner: starting, watching and stopping server processes.

This slice holds the :class:`~baton.spawner.base.Spawner` interface, the :class:`LocalSpawner`
(child processes), the :class:`ForkSpawner` (children of a pre-warmed zygote, for launch
services) and an in-memory :class:`StubSpawner` for tests. The dispatcher's load manager starts
and stops every server through this interface only.
"""
