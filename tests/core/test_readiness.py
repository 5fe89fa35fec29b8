"""A page needs its own datasets, not the whole contract."""
from __future__ import annotations

from revops_core.readiness import readiness

ECOSYSTEM_ONLY = {"dealers": 3, "leads": 40, "touchpoints": 120, "dealer_months": 36}


def test_an_ecosystem_only_database_blocks_the_board_and_names_what_it_lacks() -> None:
    board = readiness(ECOSYSTEM_ONLY, "revenue")
    assert not board.ready
    assert board.empty == ("accounts", "products", "opportunities", "quotas", "platform_awards", "revenue",
                           "ecos", "certifications", "shipments", "headcount")
    assert board.blocked_message("The board").startswith(
        "The board needs data this database does not hold: accounts, products, opportunities")


def test_the_ecosystem_pages_run_on_it_and_name_the_empty_ecosystem_datasets() -> None:
    card = readiness(ECOSYSTEM_ONLY, "ecosystem")
    assert card.ready and card.empty == ("martech_tools", "maturity_assessments")
    assert card.partial_message() == ("No rows in martech_tools, maturity_assessments: figures computed from "
                                      "them read n/a here.")
    assert readiness(ECOSYSTEM_ONLY, "attribution").ready


def test_a_revenue_only_database_blocks_the_ecosystem_pages() -> None:
    counts = {"accounts": 2, "opportunities": 5}
    assert readiness(counts, "revenue").ready
    assert not readiness(counts, "ecosystem").ready
    assert not readiness(counts, "attribution").ready
