"""The weighted average and its spread, by hand and by property."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caunoi.practices.scoring import member_total, weighted_result

WEIGHTS = {"results": 40, "support": 25, "sustainability": 20, "replicability": 15}
D = Decimal


def test_one_member_total_is_the_weighted_sum_over_100():
    sheet = {"results": D(8), "support": D(9), "sustainability": D(7), "replicability": D(8)}

    assert member_total(WEIGHTS, sheet) == D("8.05")  # 3.2 + 2.25 + 1.4 + 1.2


def test_the_result_is_the_mean_of_members_with_min_max_and_population_std():
    sheets = [
        {"results": D(10), "support": D(10), "sustainability": D(10), "replicability": D(10)},  # 10
        {"results": D(4), "support": D(4), "sustainability": D(4), "replicability": D(4)},  # 4
        {"results": D(7), "support": D(7), "sustainability": D(7), "replicability": D(7)},  # 7
    ]

    result = weighted_result(WEIGHTS, sheets)

    assert (result.members, result.mean, result.minimum, result.maximum) == (
        3,
        D("7.00"),
        D("4.00"),
        D("10.00"),
    )
    assert result.std == D("2.45")  # sqrt(((3² + 3² + 0) / 3)) = sqrt(6)
    assert result.criterion_means == {k: D("7.00") for k in WEIGHTS}


def test_an_incomplete_sheet_is_left_out_rather_than_counted_as_zero():
    complete = {"results": D(8), "support": D(8), "sustainability": D(8), "replicability": D(8)}
    partial = {"results": D(2)}

    result = weighted_result(WEIGHTS, [complete, partial])

    assert (result.members, result.mean, result.std) == (1, D("8.00"), D("0.00"))


def test_no_sheet_gives_no_result_and_bad_weights_are_refused():
    assert weighted_result(WEIGHTS, []).mean is None
    with pytest.raises(ValueError, match="100"):
        weighted_result({"results": 50, "support": 60}, [])


score = st.decimals(min_value=0, max_value=10, places=1)
sheet = st.fixed_dictionaries({key: score for key in WEIGHTS})


@given(st.lists(sheet, min_size=1, max_size=12))
def test_the_result_stays_within_the_members_totals_and_the_scale(sheets):
    result = weighted_result(WEIGHTS, sheets)

    assert result.minimum is not None and result.maximum is not None and result.mean is not None
    assert D(0) <= result.minimum <= result.mean <= result.maximum <= D(10)
    assert result.std is not None and result.std <= (result.maximum - result.minimum) / 2 + D("0.01")
