"""Anonymous peers of the ecosystem scorecard (METRICS.md: "Peers shown to a dealer group are
anonymous"): labels, what a peer's row carries, the minimum number of peers, the levels and own
entities of a dealer group or region, on the two-group fixture (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from revops_core import scorecard as sc
from revops_core.config import AppConfig
from revops_core.queries.common import EVERYTHING, Scope
from tests.core.test_scope_enforced import two_groups

START, END = date(2025, 4, 1), date(2025, 6, 30)
G1 = Scope(frozenset({"G1"}))


def _with_min_peers(cfg: AppConfig, k: int) -> AppConfig:
    return cfg.model_copy(update={"users": cfg.users.model_copy(update={"min_peers": k})})


@pytest.fixture
def fixture_engine(engine: Engine) -> Engine:
    two_groups(engine)
    return engine


@pytest.mark.parametrize(("index", "label"), [(0, "Peer A"), (25, "Peer Z"), (26, "Peer AA"), (701, "Peer ZZ"),
                                              (702, "Peer AAA")])
def test_peer_labels_are_letters(index: int, label: str) -> None:
    assert sc.peer_label(index) == label


def test_a_peer_row_carries_rates_and_scores_only() -> None:
    row = sc.ScorecardRow("D9", "Other Motors", {k: 1.0 for k in sc.KPIS}, 55.0, 2, 50.0, 5.0)
    peer = sc.as_peer(row, "Peer C")
    assert (peer.entity, peer.name, peer.composite_score, peer.quartile, peer.trend) == ("Peer C", "Peer C", 55.0, 2, 5.0)
    assert set(peer.kpis) == set(sc.PEER_KPIS) == {
        "response_sla_rate", "test_drive_rate", "quote_rate", "conversion_rate", "service_retention", "csat",
        "campaign_participation", "dealer_productivity"}
    assert peer.previous_score is None and peer.counts.leads == 0
    assert peer.to_json()["leads"] is None and peer.to_json()["revenue"] is None


def test_g1_sees_its_dealers_and_peers_labelled_in_rank_order(fixture_engine: Engine, cfg: AppConfig) -> None:
    with fixture_engine.connect() as conn:
        full = sc.scorecard(conn, START, END, "dealer", cfg, with_trend=False)
        shared = sc.scorecard_for(conn, START, END, "dealer", _with_min_peers(cfg, 2), None, G1, with_trend=False)
    assert shared.peers_shown
    expected, letters = [], iter(["Peer A", "Peer B"])
    for row in full.rows:
        expected.append(row.entity if row.entity.startswith("D-ALPHA") else next(letters))
    assert [r.entity for r in shared.table.rows] == expected
    assert {r.entity for r in shared.own.rows} == {"D-ALPHA-1", "D-ALPHA-2"}
    assert not any("Bravo" in r.name for r in shared.table.rows)


def test_too_few_peers_show_none_and_say_so(fixture_engine: Engine, cfg: AppConfig) -> None:
    with fixture_engine.connect() as conn:
        shared = sc.scorecard_for(conn, START, END, "dealer_group", _with_min_peers(cfg, 2), None, G1)
    assert not shared.peers_shown
    assert [(r.entity, r.composite_score, r.quartile, r.trend) for r in shared.table.rows] == [("G1", None, None, None)]
    assert shared.table.to_json()["peers"] == sc.NOT_ENOUGH_PEERS == "not enough peers to compare"
    assert shared.own.rows[0].kpis["leads"] == 4  # its own figures stay


def test_every_dealer_sees_the_whole_scorecard(fixture_engine: Engine, cfg: AppConfig) -> None:
    with fixture_engine.connect() as conn:
        full = sc.scorecard(conn, START, END, "dealer_group", cfg)
        shared = sc.scorecard_for(conn, START, END, "dealer_group", cfg, None, Scope(book=False))
    assert shared.table == shared.own == full and shared.peers_shown


@pytest.mark.parametrize(("scope", "levels"), [
    (EVERYTHING, ("dealer", "dealer_group", "region")), (Scope(book=False), ("dealer", "dealer_group", "region")),
    (G1, ("dealer", "dealer_group")), (Scope(regions=frozenset({"R1"})), ("dealer", "region"))])
def test_the_levels_a_scope_compares_at(scope: Scope, levels: tuple[str, ...]) -> None:
    assert sc.levels_for(scope) == levels


def test_a_group_is_a_regions_own_only_when_all_its_dealers_are_in_it(fixture_engine: Engine, cfg: AppConfig) -> None:
    r1 = Scope(regions=frozenset({"R1"}))
    with fixture_engine.connect() as conn:
        assert sc.own_entities(conn, "dealer_group", r1) == {"G1"}  # G2 also has a dealer in R2
        assert sc.own_entities(conn, "dealer", r1) == {"D-ALPHA-1", "D-ALPHA-2", "D-BRAVO-2"}
        assert sc.own_entities(conn, "region", G1) == set()  # R1 also holds a G2 dealer
        with pytest.raises(ValueError, match="compares at dealer, region"):
            sc.scorecard_for(conn, START, END, "dealer_group", cfg, None, r1)
