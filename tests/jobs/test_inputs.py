"""A run's inputs: checked against the job's declared inputs, each problem named."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.errors import InvalidInput
from baton.jobs.documents import load_job
from baton.jobs.inputs import run_inputs

JOB = load_job(
    """
name: typed
inputs:
  region: {type: string, required: true}
  year: {type: integer, default: 2024}
  rate: {type: number}
  flag: {type: boolean, default: false}
  day: {type: date}
  at: {type: datetime}
  tags: {type: list<string>, default: []}
  point: {type: "object{x: integer, y: integer}"}
  extra: {type: any}
"""
)


def refused(given: dict[str, object], **kwargs: bool) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        run_inputs(JOB, given, **kwargs)
    return caught.value


def test_values_fit_and_defaults_fill_in() -> None:
    values = run_inputs(
        JOB,
        {
            "region": "north",
            "rate": 3,
            "day": "2026-11-22",
            "at": "2026-11-22T10:00:00+00:00",
            "tags": ["a", "b"],
            "point": {"x": 1, "y": 2},
            "extra": {"any": [1, None]},
        },
    )
    assert values == {
        "region": "north",
        "year": 2024,
        "rate": 3,
        "flag": False,
        "day": "2026-11-22",
        "at": "2026-11-22T10:00:00+00:00",
        "tags": ["a", "b"],
        "point": {"x": 1, "y": 2},
        "extra": {"any": [1, None]},
    }
    assert run_inputs(JOB, {"region": "x", "day": date(2026, 1, 2)})["day"] == "2026-01-02"


def test_each_problem_names_the_input() -> None:
    missing = refused({})
    assert missing.field == "inputs.region" and "required" in missing.detail
    unknown = refused({"region": "x", "colour": "red"})
    assert unknown.field == "inputs.colour" and "no such input" in unknown.detail
    wrong = refused({"region": "x", "year": "2024"})
    assert wrong.field == "inputs.year" and "'2024' is not an integer" in wrong.detail
    assert "is not a boolean" in refused({"region": "x", "flag": 1}).detail
    assert refused({"region": "x", "year": True}).field == "inputs.year"
    assert "item 1" in refused({"region": "x", "tags": ["a", 2]}).detail
    assert "unknown field 'z'" in refused({"region": "x", "point": {"z": 1}}).detail
    assert "not a date" in refused({"region": "x", "day": "22/11/2026"}).detail
    moment = datetime(2026, 11, 22, 10, 0)
    assert "is a datetime, not a date" in refused({"region": "x", "day": moment}).detail
    assert "is not a number" in refused({"region": "x", "rate": float("nan")}).detail


def test_command_line_text_becomes_the_declared_type() -> None:
    values = run_inputs(
        JOB,
        {"region": "north", "year": "2025", "flag": "true", "tags": '["a"]', "day": "2026-01-01"},
        from_text=True,
    )
    assert values["year"] == 2025 and values["flag"] is True and values["tags"] == ["a"]
    assert values["region"] == "north"
    assert "'x1' is not an integer" in refused({"region": "n", "year": "x1"}, from_text=True).detail


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["region", "year", "rate", "flag", "tags", "point", "nope"]),
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=8)
        | st.lists(st.integers() | st.text(max_size=3), max_size=3),
        max_size=5,
    )
)
def test_any_values_are_taken_or_refused_with_a_named_input(
    given_values: dict[str, object],
) -> None:
    try:
        run_inputs(JOB, given_values)
    except InvalidInput as exc:
        assert exc.field.startswith("inputs.") or exc.field == "inputs"
