"""Which datasets a page needs, and what to tell a reader when the database lacks them.

A database may hold only part of the contract (for example only the dealer ecosystem): each
page works with the datasets it needs and names the ones it lacks, instead of calling the
whole database empty.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from revops_core.contract import DATASETS

GROUP_DATASETS: dict[str, tuple[str, ...]] = {
    group: tuple(ds.name for ds in DATASETS if ds.group == group) for group in ("revenue", "ecosystem")
}
# The datasets without which a page has nothing to show (any one of them is enough to start).
NEEDS: dict[str, tuple[str, ...]] = {
    "revenue": ("accounts", "opportunities", "platform_awards", "revenue"),
    "ecosystem": ("dealers", "leads"),
    "attribution": ("leads", "touchpoints", "martech_tools"),
}
_GROUP_OF_NEED = {"revenue": "revenue", "ecosystem": "ecosystem", "attribution": "ecosystem"}


@dataclass(frozen=True)
class Readiness:
    """``ready``: the page can run; ``empty``: the page's datasets holding no rows, in contract order."""

    ready: bool
    empty: tuple[str, ...]

    def blocked_message(self, page: str) -> str:
        return (f"{page} needs data this database does not hold: {', '.join(self.empty)} "
                "(all empty). Open **Data** to import them or to load the sample company.")

    def partial_message(self) -> str:
        return (f"No rows in {', '.join(self.empty)}: figures computed from them read n/a here.")


def readiness(counts: Mapping[str, int], need: str) -> Readiness:
    """Whether a page that needs ``need`` can run on a database with these row ``counts``."""
    empty = tuple(name for name in GROUP_DATASETS[_GROUP_OF_NEED[need]] if not counts.get(name))
    ready = any(counts.get(name) for name in NEEDS[need])
    return Readiness(ready, empty)
