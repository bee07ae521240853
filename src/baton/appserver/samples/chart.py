"""A PNG bar chart drawn with matplotlib: a program whose answer is an image.

The chart is drawn on a :class:`matplotlib.figure.Figure` of its own rather than through
``pyplot``, whose global current figure is not safe when programs run on several threads at once.
Values that are not numbers are answered with a 400 and a short message.

Try it: /broker?_PROGRAM=sample.chart&values=3,1,4,1,5&title=Digits
"""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure

from baton import program

#: The most bars a chart may have.
MAX_VALUES = 100


def main(values: str = "3,1,4,1,5", title: str = "") -> None:
    """Draw ``values`` as a bar chart.

    Args:
        values: the numbers to draw, separated by commas.
        title: the chart's title.
    """
    try:
        numbers = [float(value) for value in values.split(",")]
    except ValueError:
        numbers = []
    if not numbers or len(numbers) > MAX_VALUES or not all(map(math.isfinite, numbers)):
        program.header("Status", "400 Bad Request")
        program.header("Content-Type", "text/plain; charset=utf-8")
        program.webout.write(
            f"values: expected 1 to {MAX_VALUES} numbers separated by commas, like 3,1,4\n"
        )
        return
    figure = Figure(figsize=(6, 4), dpi=100)
    axes = figure.subplots()
    axes.bar(range(1, len(numbers) + 1), numbers, color="#4472c4")
    axes.set_xticks(range(1, len(numbers) + 1))
    # A title is text, not mathtext: "$x$" from a visitor is shown, not typeset.
    axes.set_title(title, parse_math=False)
    image = io.BytesIO()
    figure.savefig(image, format="png")
    program.header("Content-Type", "image/png")
    program.webout.write(image.getvalue())
