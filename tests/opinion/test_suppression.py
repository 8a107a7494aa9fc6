"""Complementary suppression: a small hidden cell never comes back as a total minus the shown cells."""

from __future__ import annotations

from caunoi.opinion.suppression import Figure, Sum, _derivable, protect


def _small(value: int) -> Figure:
    return Figure(value=value, hidden=True, small=True)


def _shown(value: int) -> Figure:
    return Figure(value=value, hidden=False)


def test_the_only_hidden_cell_of_a_shown_total_takes_the_smallest_shown_cell_with_it():
    total, small, big, smallest_shown = _shown(60), _small(3), _shown(40), _shown(17)
    sums = [Sum(total, [small, big, smallest_shown])]
    assert id(small) in _derivable(sums)  # 60 - 40 - 17 = 3: the leak this closes

    hid = protect(sums)

    assert hid == [smallest_shown] and not big.hidden and not total.hidden
    assert id(small) not in _derivable(sums)


def test_two_hidden_cells_already_protect_each_other_and_a_hidden_empty_cell_leaks_nothing():
    two = [Sum(_shown(50), [_small(3), _small(2), _shown(45)])]
    empty = [Sum(_shown(45), [_small(0), _shown(45)])]

    assert protect(two) == [] and protect(empty) == []


def test_a_derivation_through_a_second_sum_is_followed():
    """Days and topics share the period's total: hiding a topic must not leave it derivable from its
    communes, or the small topic comes back through the total."""
    total = _shown(100)
    small_topic, other_topic = _small(4), _shown(96)
    commune_a, commune_b = _shown(50), _shown(46)  # the other topic's communes, both shown
    sums = [Sum(total, [small_topic, other_topic]), Sum(other_topic, [commune_a, commune_b])]

    protect(sums)

    known = _derivable(sums)
    assert id(small_topic) not in known
    assert commune_a.hidden or commune_b.hidden or total.hidden


def test_a_province_sized_board_leaks_no_small_cell():
    """124 communes x 13 topics, with one small cell in each topic."""
    topics = []
    sums = []
    grand = 0
    for t in range(13):
        cells = [(_small(2) if c == t * 9 else _shown(20 + (c + t) % 9)) for c in range(124)]
        value = sum(f.value for f in cells)
        grand += value
        topic = _shown(value)
        topics.append(topic)
        sums.append(Sum(topic, cells))
    sums.append(Sum(_shown(grand), topics))

    hid = protect(sums)

    known = _derivable(sums)
    assert not [f for s in sums for f in s.members if f.small and f.value and id(f) in known]
    assert hid and not sums[-1].total.hidden  # a few more cells, not the province's total
