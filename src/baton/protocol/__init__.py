"""The broker <-> application server frame protocol (docs/protocol.md).

:mod:`~baton.protocol.frames` defines the frames as frozen dataclasses, :mod:`~baton.protocol.codec`
turns them into length-prefixed msgpack and back (strictly: anything malformed is a
:class:`~baton.errors.ProtocolError`), and :mod:`~baton.protocol.stream` sends and receives them
over asyncio streams (TCP or Unix sockets). Use the frames module-qualified, ``frames.Request``,
``frames.Data``: the short names would collide with the web framework's.
"""
