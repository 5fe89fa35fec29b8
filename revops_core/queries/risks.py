"""Queries behind the failure-mode flags of METRICS.md "Risks"; each narrows its opportunities or
awards to the accounts the caller's ``Scope`` may see, in SQL."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revops_core.config import CertificationRule
from revops_core.queries import board as qb
from revops_core.queries.common import T, Scope, account_visible

CYBER_CERTS = ("ISO_SAE_21434", "UN_R155")


def cyber_gap_opportunities(conn: Connection, rules: tuple[CertificationRule, ...],
                            certs: dict[str, qb.CertRecord], scope: Scope, limit: int = 500) -> pd.DataFrame:
    """Open connected-product opportunities lacking a valid ISO/SAE 21434 or UN R155 at close."""
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    blocked = sa.or_(*[qb.invalid_on_close(certs.get(c)) for c in CYBER_CERTS])
    q = (sa.select(o.c.opportunity_id, acc.c.name.label("account"), acc.c.segment, p.c.name.label("product"),
                   o.c.stage, o.c.amount, o.c.close_date)
         .select_from(qb.opportunity_join())
         .where(o.c.status == "OPEN", p.c.connected.is_(True), blocked, account_visible(scope, acc))
         .order_by(o.c.amount.desc(), o.c.opportunity_id).limit(limit))
    return pd.DataFrame(conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))


def cyber_gap_totals(conn: Connection, certs: dict[str, qb.CertRecord], scope: Scope) -> tuple[int, float]:
    """Count and amount of the open connected-product opportunities of ``cyber_gap_opportunities``."""
    o, p = T["opportunities"], T["products"]
    blocked = sa.or_(*[qb.invalid_on_close(certs.get(c)) for c in CYBER_CERTS])
    q = (sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(o.c.amount), 0.0))
         .select_from(qb.opportunity_join())
         .where(o.c.status == "OPEN", p.c.connected.is_(True), blocked, account_visible(scope, T["accounts"])))
    n, amount = conn.execute(q).one()
    return int(n), float(amount)


def sop_ppap_awards(conn: Connection, as_of: date, window_days: int, scope: Scope) -> pd.DataFrame:
    """Live awards with SOP in [D, D + window] whose PPAP is not APPROVED, by value at risk."""
    a, acc = T["platform_awards"], T["accounts"]
    q = (sa.select(a.c.award_id, acc.c.name.label("account"), a.c.platform, a.c.powertrain,
                   a.c.sop_date, a.c.ppap_status, a.c.apqp_phase, a.c.lifetime_value)
         .select_from(a.join(acc, a.c.account_id == acc.c.account_id))
         .where(a.c.status.in_(["AWARDED", "IN_PRODUCTION"]), a.c.sop_date >= as_of,
                a.c.sop_date <= as_of + timedelta(days=window_days), a.c.ppap_status != "APPROVED",
                account_visible(scope, acc))
         .order_by(a.c.lifetime_value.desc(), a.c.award_id))
    return pd.DataFrame(conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))


def ppap_in_production_awards(conn: Connection, as_of: date, scope: Scope) -> pd.DataFrame:
    """Live awards in production (SOP <= D) whose PPAP is not APPROVED, by lifetime value
    (METRICS.md "Playbook metrics beyond the board table", PPAP)."""
    a, acc = T["platform_awards"], T["accounts"]
    q = (sa.select(a.c.award_id, acc.c.name.label("account"), a.c.platform, a.c.powertrain,
                   a.c.sop_date, a.c.ppap_status, a.c.apqp_phase, a.c.lifetime_value)
         .select_from(a.join(acc, a.c.account_id == acc.c.account_id))
         .where(a.c.status.in_(["AWARDED", "IN_PRODUCTION"]), a.c.sop_date <= as_of,
                a.c.ppap_status != "APPROVED", qb.award_in_scope(scope))
         .order_by(a.c.lifetime_value.desc(), a.c.award_id))
    return pd.DataFrame(conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))


def channel_conflict_products(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Products with open or won opportunities in both OEM and DEALER_AFTERMARKET segments."""
    o, acc, p = T["opportunities"], T["accounts"], T["products"]
    oem = sa.func.sum(sa.case((acc.c.segment == "OEM", o.c.amount), else_=0.0))
    dealer = sa.func.sum(sa.case((acc.c.segment == "DEALER_AFTERMARKET", o.c.amount), else_=0.0))
    n_oem = sa.func.sum(sa.case((acc.c.segment == "OEM", 1), else_=0))
    n_dealer = sa.func.sum(sa.case((acc.c.segment == "DEALER_AFTERMARKET", 1), else_=0))
    q = (sa.select(p.c.product_id, p.c.name.label("product"), oem.label("oem_amount"),
                   dealer.label("dealer_amount"), n_oem.label("oem_deals"), n_dealer.label("dealer_deals"))
         .select_from(o.join(acc, o.c.account_id == acc.c.account_id).join(p, o.c.product_id == p.c.product_id))
         .where(o.c.status.in_(["OPEN", "WON"]), account_visible(scope, acc))
         .group_by(p.c.product_id, p.c.name)
         .having(sa.and_(n_oem > 0, n_dealer > 0)).order_by(p.c.product_id))
    return pd.DataFrame(conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))
