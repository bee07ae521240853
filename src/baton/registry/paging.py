"""Pagination of registry lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from baton.registry.records import Page

T = TypeVar("T")


def paginate(
    session: Session,
    statement: Select[Any],
    convert: Callable[[Any], T],
    *,
    limit: int,
    offset: int,
) -> Page[T]:
    """Run ``statement`` for one page; ``total`` counts the whole list."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(limit).offset(offset)).unique().all()
    return Page[T](
        items=[convert(row) for row in rows], total=total or 0, limit=limit, offset=offset
    )
