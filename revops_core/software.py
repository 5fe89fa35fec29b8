"""Connected vehicle & software: attach rate, subscription ARR and subscription share by month.

Every figure follows METRICS.md "Board metrics": ``software_attach_rate`` (sum units_attached /
sum units_shipped over the TTM months), ``subscription_arr`` (sum of subscription_arr in the
latest month <= D's month), ``arr_per_subscribed_vehicle`` (that ARR / active_subscriptions,
same month) and ``subscription_revenue_share`` (SOFTWARE_SUBSCRIPTION revenue TTM /
revenue TTM). The monthly series applies the same formulas to each month; the TTM series
applies the TTM formula at each month end (the twelve months ending with that month), from the
monthly sums the database returns.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from revops_core import windows
from revops_core.config import AppConfig, Band
from revops_core.queries import software as q
from revops_core.queries.common import EVERYTHING, Scope, ratio

DEFAULT_MONTHS = 24
TTM_MONTHS = 12


@dataclass(frozen=True)
class SoftwareMonth:
    """One month of the series (money in US$, rates in [0, 1], None when n/a)."""

    period: str
    units_shipped: int
    units_attached: int
    attach_rate: float | None           # this month's attached / shipped
    attach_rate_ttm: float | None       # software_attach_rate at this month's end
    subscription_arr: float
    active_subscriptions: int
    arr_per_subscribed_vehicle: float | None
    revenue: float
    hardware_revenue: float
    subscription_revenue: float
    subscription_share: float | None    # this month's subscription revenue / revenue
    subscription_share_ttm: float | None  # subscription_revenue_share at this month's end


@dataclass(frozen=True)
class SoftwareSummary:
    """The page's figures at D and the monthly series ending with D's month (oldest first)."""

    as_of: date
    months: tuple[SoftwareMonth, ...]
    software_attach_rate: float | None
    subscription_arr: float
    arr_month: str | None
    arr_per_subscribed_vehicle: float | None
    subscription_revenue_share: float | None

    def frame(self) -> pd.DataFrame:
        """The monthly series as a frame (one row per month, columns = SoftwareMonth fields)."""
        return pd.DataFrame([m.__dict__ for m in self.months], columns=list(SoftwareMonth.__dataclass_fields__))

    @property
    def has_data(self) -> bool:
        return any(m.units_shipped or m.subscription_arr or m.revenue for m in self.months)


def _trailing_sum(values: Sequence[float], end: int, width: int = TTM_MONTHS) -> float:
    return float(sum(values[max(0, end - width + 1):end + 1]))


def monthly_series(periods: Sequence[str], shipments: Sequence[q.ShipmentMonth],
                   revenue: Sequence[q.RevenueMonth], shown: int) -> tuple[SoftwareMonth, ...]:
    """The last ``shown`` months of ``periods`` (consecutive, oldest first) with every figure.

    ``periods`` starts eleven months before the first month shown, so each TTM figure sums
    twelve months; months without rows count as zero.
    """
    ship = {s.period: s for s in shipments}
    rev = {r.period: r for r in revenue}
    zero_s, zero_r = q.ShipmentMonth("", 0, 0, 0, 0.0), q.RevenueMonth("", 0.0, 0.0, 0.0)
    s_rows = [ship.get(p, zero_s) for p in periods]
    r_rows = [rev.get(p, zero_r) for p in periods]
    shipped = [s.units_shipped for s in s_rows]
    attached = [s.units_attached for s in s_rows]
    total = [r.total for r in r_rows]
    subs = [r.subscription for r in r_rows]
    out = []
    for i in range(max(0, len(periods) - shown), len(periods)):
        s, r = s_rows[i], r_rows[i]
        out.append(SoftwareMonth(
            period=periods[i], units_shipped=s.units_shipped, units_attached=s.units_attached,
            attach_rate=ratio(s.units_attached, s.units_shipped),
            attach_rate_ttm=ratio(_trailing_sum(attached, i), _trailing_sum(shipped, i)),
            subscription_arr=s.subscription_arr, active_subscriptions=s.active_subscriptions,
            arr_per_subscribed_vehicle=ratio(s.subscription_arr, s.active_subscriptions),
            revenue=r.total, hardware_revenue=r.hardware, subscription_revenue=r.subscription,
            subscription_share=ratio(r.subscription, r.total),
            subscription_share_ttm=ratio(_trailing_sum(subs, i), _trailing_sum(total, i))))
    return tuple(out)


def software_summary(conn: Connection, as_of: date, scope: Scope = EVERYTHING,
                     months: int = DEFAULT_MONTHS) -> SoftwareSummary:
    """Software figures at D (board-metric definitions) and ``months`` months ending with D's month."""
    last = windows.month_str(as_of)
    first = windows.month_str(windows.add_months(as_of, -(months + TTM_MONTHS - 2)))
    periods = windows.months_between(first, last)
    ships = q.shipment_months(conn, first, last, scope)
    series = monthly_series(periods, ships, q.revenue_months(conn, first, last, scope), months)
    arr_month = q.latest_shipment_month(conn, as_of, scope)
    arr_rows = [s for s in ships if s.period == arr_month] or (
        q.shipment_months(conn, arr_month, arr_month, scope) if arr_month else [])
    arr = arr_rows[0].subscription_arr if arr_rows else 0.0
    active = arr_rows[0].active_subscriptions if arr_rows else 0
    at_d = series[-1]
    return SoftwareSummary(as_of=as_of, months=series, software_attach_rate=at_d.attach_rate_ttm,
                           subscription_arr=arr, arr_month=arr_month,
                           arr_per_subscribed_vehicle=ratio(arr, active),
                           subscription_revenue_share=at_d.subscription_share_ttm)


def _effective(bands: Sequence[Band], i: int) -> tuple[float | None, float | None]:
    """Band ``i``'s range once earlier bands (checked first) have taken their values."""
    low, high = bands[i].min, bands[i].max
    for earlier in bands[:i]:
        if earlier.min is None and earlier.max is not None:
            low = earlier.max if low is None else max(low, earlier.max)
        if earlier.max is None and earlier.min is not None:
            high = earlier.min if high is None else min(high, earlier.min)
    return low, high


def target_range(cfg: AppConfig, key: str) -> tuple[float | None, float | None]:
    """The green benchmark range of board metric ``key`` from config: (low, high), None = open.

    Bands are checked in order, so a band's range starts where earlier bands stop. For
    ``arr_per_subscribed_vehicle`` that is (5, 20.0001). A benchmark's ``target`` in config
    wins over its bands: ``software_attach_rate`` is green from 40% up (more is never bad) but
    its playbook range, the one the chart draws, is 40-60%.
    """
    bench = cfg.benchmarks.metrics.get(key)
    if bench is not None and bench.target is not None:
        return bench.target
    bands = bench.bands if bench else ()
    ranges = [_effective(bands, i) for i, b in enumerate(bands) if b.status == "green"]
    if not ranges:
        return None, None
    lows, highs = [r[0] for r in ranges], [r[1] for r in ranges]
    low = None if None in lows else min(v for v in lows if v is not None)
    high = None if None in highs else max(v for v in highs if v is not None)
    return low, high
