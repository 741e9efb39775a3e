"""The storms of ``bench/storm.py``, small enough for CI (PostgreSQL, a live server).

``STORM_BUYERS`` / ``STORM_SALES`` scale them up locally; the long version and its figures
are in docs/reliability.md.
"""

import os

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.storm.storms import last_units_round, replay_storm, shop_set_up

BUYERS = int(os.environ.get("STORM_BUYERS", "30"))
SALES = int(os.environ.get("STORM_SALES", "40"))
UNITS = 10


@pytest.fixture
def shop(live_server, transactional_db, monkeypatch):
    # The storms measure consistency, not throttling (one till sends them all).
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "pos": None}
    )
    return shop_set_up(live_server.url)


@pytest.mark.postgres
def test_buyers_on_three_doors_race_for_the_last_units(shop):
    # given: 10 units; when: 30 buyers at once, a third each on web, marketplace and till,
    # three rounds
    rounds = [last_units_round(shop, buyers=BUYERS, units=UNITS, label=f"R{n}") for n in range(3)]

    # then: each round sold exactly the 10 units, refused the rest, lost and doubled nothing
    for figures in rounds:
        print(figures.line())
        assert figures.unexpected == []
        assert (figures.granted, figures.refused) == (UNITS, BUYERS - UNITS)
        assert (figures.oversold_units, figures.duplicates, figures.lost) == (0, 0, 0)


@pytest.mark.postgres
def test_pos_sales_replayed_three_times_at_once_are_recorded_once(shop):
    # when: 40 sales, each sent three times concurrently
    figures = replay_storm(shop, sales=SALES, replays=3, workers=12)

    # then: each sale answered 201 once and 200 twice, recorded once, counted once
    print(figures.line())
    assert figures.unexpected == []
    assert figures.statuses == {201: SALES, 200: 2 * SALES}
    assert figures.granted == SALES
    assert (figures.oversold_units, figures.duplicates, figures.lost) == (0, 0, 0)
