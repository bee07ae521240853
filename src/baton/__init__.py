"""Baton: serve Python analytics programs to the web, spawn their servers, orchestrate jobs."""

from __future__ import annotations

__version__ = "0.1.0"
