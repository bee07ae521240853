"""Entity and resource names."""

from __future__ import annotations

import pytest

from baton.errors import InvalidInput
from baton.registry.naming import check_name, check_resource_name


@pytest.mark.parametrize("name", ["a", "Z", "a1", "a_b-c", "x" * 64])
def test_valid_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "1a", "-a", "_a", "a b", "a.b", "a/b", "é", "x" * 65, "a\n"])
def test_invalid_names_name_the_field(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_name(name, "username")
    assert caught.value.field == "username"


@pytest.mark.parametrize("name", ["*", "lib", "lib.*", "lib.prog", "a.b.c", "L-1.p_2"])
def test_valid_resource_names(name: str) -> None:
    assert check_resource_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "*.*", ".*", "lib.", "lib..p", "lib.*.x", "lib*", "*lib", "1lib", "x" * 201]
)
def test_invalid_resource_names(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_resource_name(name)
    assert caught.value.field == "resource_name"
