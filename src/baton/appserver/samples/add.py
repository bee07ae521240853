"""Adds two integers: a typed ``main()`` whose return value is the JSON answer.

Its signature is the program's interface: the catalog draws a form with two number boxes from
it, a field that is not an integer is refused with a 400 that names it, and the job designer
offers ``a`` and ``b`` as inputs and an integer as output.

Try it: /broker?_PROGRAM=sample.add&a=2&b=3 (answers ``5``)
"""

from __future__ import annotations


def main(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number.
        b: the number added to it.

    Returns:
        The sum ``a + b``.
    """
    return a + b
