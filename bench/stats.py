"""Samples, their summaries, and how they print in the report.

Every benchmark row is a pair of sample lists (shapelint and a reference) taken in the
same run, interleaved, so the machine's noise hits both alike. A row reports each side's
median with its p10-p90 spread, and the median of the per-repetition ratios.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (fraction in [0, 1]) of a non-empty sample."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Median and p10-p90 of one sample; `count` repetitions."""

    median: float
    p10: float
    p90: float
    count: int

    @staticmethod
    def of(values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("no samples")
        return Summary(statistics.median(values), percentile(values, 0.1), percentile(values, 0.9), len(values))


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-repetition ratios of two paired samples."""
    return [a / b for a, b in zip(numerators, denominators) if b > 0]


def format_number(value: float) -> str:
    """A figure with a sensible number of digits for a table."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_summary(summary: Summary, unit: str = "ms") -> str:
    """`12.3 ms (10.1-15.0)`: the median, then the p10-p90 spread."""
    spread = f"{format_number(summary.p10)}–{format_number(summary.p90)}" if summary.count > 1 else "one run"
    return f"{format_number(summary.median)} {unit} ({spread})".replace("  ", " ")


def format_ratio(values: Sequence[float]) -> str:
    """The median of per-repetition ratios, with its p10-p90 spread."""
    if not values:
        return "—"
    summary = Summary.of(values)
    if summary.count == 1:
        return f"{format_number(summary.median)}×"
    return f"{format_number(summary.median)}× ({format_number(summary.p10)}–{format_number(summary.p90)})"
