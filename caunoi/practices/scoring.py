"""The maths of an evaluation: each member's weighted total, then the mean and spread across members.

A member's total is Σ weightᶜ · scoreᶜ / 100 over the committee's criteria (weights sum to 100), so it
stays on the 0-10 scale of the scores. Only complete score sheets count: a member who scored two of
four criteria would otherwise pull the result by omission. The spread (min, max, population standard
deviation) is shown beside the mean because a 7.0 from members agreeing is not a 7.0 from a 4 and a 10.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Result:
    members: int  # complete score sheets counted
    mean: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    std: Decimal | None
    criterion_means: dict[str, Decimal]


def member_total(weights: Mapping[str, int], sheet: Mapping[str, Decimal]) -> Decimal | None:
    """One member's weighted total on 0-10, or None when the sheet misses a criterion."""
    if any(key not in sheet for key in weights):
        return None
    return _round(sum((Decimal(w) * Decimal(sheet[k]) for k, w in weights.items()), Decimal(0)) / 100)


def weighted_result(weights: Mapping[str, int], sheets: Sequence[Mapping[str, Decimal]]) -> Result:
    if sum(weights.values()) != 100:
        raise ValueError("weights must sum to 100")
    complete = [sheet for sheet in sheets if member_total(weights, sheet) is not None]
    totals = [member_total(weights, sheet) for sheet in complete]
    values = [t for t in totals if t is not None]
    if not values:
        return Result(0, None, None, None, None, {})
    mean = sum(values, Decimal(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)
    criterion_means = {
        key: _round(sum((Decimal(s[key]) for s in complete), Decimal(0)) / len(complete)) for key in weights
    }
    return Result(
        members=len(values),
        mean=_round(mean),
        minimum=min(values),
        maximum=max(values),
        std=_round(Decimal(math.sqrt(variance))),
        criterion_means=criterion_means,
    )
