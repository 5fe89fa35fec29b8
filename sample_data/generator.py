"""Deterministic, seeded generator of the sample company and its dealer ecosystem.

``generate(seed, scale)`` returns one DataFrame per contract dataset (Python values, ready
for ``loader.write_datasets``). The same seed and scale always give the same data. Figures
are calibrated to land near the playbook's benchmarks, some above and some below: BRR about
1.25x, OEM coverage below 6x, attach rate in the 40-60% band, one certification expiring
within 90 days and one not yet certified so that some pipeline is at risk.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from sample_data import catalog as cat

AS_OF = date(2026, 10, 31)          # the latest activity date of the sample company
REVENUE_START = date(2022, 1, 1)
LAST_EOP = date(2033, 12, 31)  # SOP and EOP dates spread over 2022-2033
LEADS_START = date(2025, 5, 1)


@dataclass(frozen=True)
class Scale:
    """Row counts of the generated company."""

    opportunities: int
    awards: int
    dealers: int
    dealer_groups: int
    leads: int
    touch_mean: float


SCALES = {
    "small": Scale(opportunities=400, awards=60, dealers=40, dealer_groups=6, leads=3_000, touch_mean=3.0),
    "default": Scale(opportunities=2_000, awards=160, dealers=120, dealer_groups=8, leads=20_000, touch_mean=3.5),
    "medium": Scale(opportunities=20_000, awards=1_000, dealers=600, dealer_groups=20, leads=200_000, touch_mean=5.0),
    "large": Scale(opportunities=200_000, awards=5_000, dealers=3_000, dealer_groups=40, leads=2_000_000,
                   touch_mean=5.0),
}


def _months(start: date, end: date) -> list[date]:
    out, d = [], date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _days(n: float | np.ndarray) -> np.ndarray:
    return np.asarray(n).astype("timedelta64[D]")


def _to_date(values: np.ndarray) -> list[date]:
    return [v.astype("datetime64[D]").astype(object) for v in values]


def accounts(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i, (name, region, country, eu) in enumerate(cat.OEMS):
        rows.append((f"A-OEM-{i + 1:02d}", name, "OEM", region, country, None, eu))
    for i, (name, region, country) in enumerate(cat.TIER1S):
        rows.append((f"A-T1-{i + 1:02d}", name, "TIER1", region, country, None, False))
    for i, group in enumerate(cat.DEALER_GROUPS):
        rows.append((f"A-DG-{i + 1:02d}", group, "DEALER_AFTERMARKET", "North America", "US", group, False))
    for i, (name, region, country) in enumerate(cat.AFTERMARKET):
        rows.append((f"A-AM-{i + 1:02d}", name, "DEALER_AFTERMARKET", region, country, None, False))
    for i, (name, region, country) in enumerate(cat.FLEETS):
        rows.append((f"A-FL-{i + 1:02d}", name, "FLEET", region, country, None, False))
    cols = ["account_id", "name", "segment", "region", "country", "dealer_group", "eu_oem"]
    return pd.DataFrame(rows, columns=cols)


def products() -> pd.DataFrame:
    cols = ["product_id", "name", "category", "hardware", "safety_critical", "connected", "ota",
            "cloud_service"]
    return pd.DataFrame([p[:8] for p in cat.PRODUCTS], columns=cols)


_SEGMENT_PRODUCTS = {
    "OEM": ["P-BMS", "P-TMM", "P-INV", "P-OBC", "P-TCU", "P-ADS", "P-CAB", "P-ECM", "P-HYB", "P-OTA", "P-VOX"],
    "TIER1": ["P-BMS", "P-INV", "P-ADS", "P-CAB", "P-ECM", "P-HYB", "P-TCU"],
    "DEALER_AFTERMARKET": ["P-DSA", "P-DIAG", "P-TCU", "P-VOX"],
    "FLEET": ["P-FLT", "P-TCU", "P-OBC", "P-DIAG"],
}
_PRODUCT_POWERTRAIN = {p[0]: p[8] for p in cat.PRODUCTS}
# segment -> (share of opportunities, amount lognormal mu, sigma, cycle months median, win rate)
_SEGMENT_SHAPE = {
    "OEM": (0.22, np.log(14e6), 0.8, 28.0, 0.30),
    "TIER1": (0.18, np.log(3.5e6), 0.8, 12.0, 0.34),
    "DEALER_AFTERMARKET": (0.38, np.log(160e3), 0.7, 5.5, 0.38),
    "FLEET": (0.22, np.log(450e3), 0.7, 5.0, 0.41),
}


def opportunities(rng: np.random.Generator, acc: pd.DataFrame, n: int) -> pd.DataFrame:
    segs = list(_SEGMENT_SHAPE)
    seg = rng.choice(segs, size=n, p=[_SEGMENT_SHAPE[s][0] for s in segs])
    frames = []
    for s in segs:
        idx = np.flatnonzero(seg == s)
        frames.append(_opportunities_for(rng, acc[acc.segment == s].account_id.to_numpy(), s, len(idx)))
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values("created_date", kind="stable").reset_index(drop=True)
    out.insert(0, "opportunity_id", [f"OPP-{i + 1:06d}" for i in range(len(out))])
    return out


def _opportunities_for(rng: np.random.Generator, account_ids: np.ndarray, seg: str, n: int) -> pd.DataFrame:
    _, mu, sigma, cycle_months, win = _SEGMENT_SHAPE[seg]
    start, end = np.datetime64(REVENUE_START), np.datetime64(AS_OF)
    span = int((end - start).astype(int)) + int(cycle_months * 30)
    created = start + _days(rng.integers(0, span, n))
    created = np.minimum(created, end)
    cycle = np.maximum(30, rng.lognormal(np.log(cycle_months * 30.4), 0.35, n)).astype(int)
    close = created + _days(cycle)
    closed = close <= end
    rfq = rng.random(n) < (0.85 if seg in ("OEM", "TIER1") else 0.15)
    won = rng.random(n) < np.where(rfq & (seg == "OEM"), win, win + 0.02)
    status = np.where(closed, np.where(won, "WON", "LOST"), "OPEN")
    prods = np.array(_SEGMENT_PRODUCTS[seg])
    product = prods[rng.integers(0, len(prods), n)].astype(object)
    product[rng.random(n) < 0.08] = None
    powertrain = np.array([_PRODUCT_POWERTRAIN.get(p, "AGNOSTIC") if p else "AGNOSTIC" for p in product])
    if seg in ("OEM", "TIER1"):
        mix = rng.choice(["ICE", "BEV", "PHEV", "HEV"], size=n, p=[0.3, 0.4, 0.15, 0.15])
        powertrain = np.where(powertrain == "AGNOSTIC", mix, powertrain)
    stage_idx = np.minimum(4, (rng.random(n) * 5).astype(int))
    stages = np.array(cat.SEGMENT_STAGES)[stage_idx]
    stage = np.where(status == "WON", "Closed won", np.where(status == "LOST", "Closed lost", stages))
    fc = np.array(["PIPELINE", "PIPELINE", "BEST_CASE", "COMMIT", "COMMIT"])[stage_idx].astype(object)
    fc[rng.random(n) < 0.15] = None
    fc = np.where(status == "OPEN", fc, None)
    owners = _owners(seg)
    owner = np.array(owners)[rng.integers(0, len(owners), n)]
    esa = np.array(cat.ESA_NAMES[:3])[rng.integers(0, 3, n)].astype(object)
    esa[(rng.random(n) < 0.12) | ~np.isin(seg, ["OEM", "TIER1"])] = None
    amount = np.round(rng.lognormal(mu, sigma, n), -3)
    accounts = account_ids[rng.integers(0, len(account_ids), n)]
    names = [_deal_name(p, i) for i, p in enumerate(product)]
    return pd.DataFrame({
        "account_id": accounts, "product_id": product,
        "name": names, "stage": stage, "status": status, "amount": amount,
        "created_date": _to_date(created), "close_date": _to_date(close), "is_rfq": rfq,
        "powertrain": powertrain, "owner": owner, "esa_owner": esa, "forecast_category": fc,
    })


_PRODUCT_NAMES = {p[0]: p[1] for p in cat.PRODUCTS}
_DEAL_KINDS = ("programme", "sourcing", "retrofit", "extension", "rollout")


def _deal_name(product: str | None, i: int) -> str:
    """A readable deal name: "Traction inverter sourcing", "Solution programme" without a product."""
    return f"{_PRODUCT_NAMES.get(product or '', 'Solution')} {_DEAL_KINDS[i % len(_DEAL_KINDS)]}"


def _owners(seg: str) -> list[str]:
    start = {"OEM": 0, "TIER1": 8, "DEALER_AFTERMARKET": 14, "FLEET": 20}[seg]
    size = {"OEM": 8, "TIER1": 6, "DEALER_AFTERMARKET": 6, "FLEET": 4}[seg]
    return cat.AE_NAMES[start:start + size]


def headcount() -> pd.DataFrame:
    rows = []
    for seg in ("OEM", "TIER1", "DEALER_AFTERMARKET", "FLEET"):
        for name in _owners(seg):
            rows.append((f"AE-{name.split()[0]}", "AE", seg, date(2021, 3, 1), None))
    rows.append(("AE-Former", "AE", "OEM", date(2021, 3, 1), date(2025, 12, 31)))
    for i, name in enumerate(cat.ESA_NAMES):
        end = date(2024, 6, 30) if i == 3 else None
        rows.append((f"ESA-{name.split()[-1]}", "ESA", "OEM" if i < 2 else "TIER1", date(2021, 6, 1), end))
    for i in range(3):
        rows.append((f"PM-{i + 1}", "PM", "TIER1", date(2022, 1, 1), None))
        rows.append((f"CH-{i + 1}", "CHANNEL", "DEALER_AFTERMARKET" if i < 2 else "FLEET", date(2022, 1, 1), None))
    return pd.DataFrame(rows, columns=["person_id", "role", "segment", "start_date", "end_date"])


def _award_rows(rng: np.random.Generator, acc: pd.DataFrame, n: int, recent: int) -> pd.DataFrame:
    buyers = acc[acc.segment.isin(["OEM", "TIER1"])].account_id.to_numpy()
    hw = [p[0] for p in cat.PRODUCTS if p[3] and p[0] != "P-DIAG"] + ["P-OTA", "P-VOX"]
    rows = []
    for i in range(n):
        is_recent = i >= n - recent
        if is_recent:
            award = AS_OF - timedelta(days=int(rng.integers(5, 360)))
        else:
            award = date(2018, 6, 1) + timedelta(days=int(rng.integers(0, 8 * 365 - 200)))
        sop = max(REVENUE_START, award + timedelta(days=int(rng.integers(24 * 30, 40 * 30))))
        eop = min(LAST_EOP, sop + timedelta(days=int(rng.integers(5 * 365, 7 * 365 + 180))))
        product = hw[int(rng.integers(0, len(hw)))]
        pt = _PRODUCT_POWERTRAIN[product]
        if pt == "AGNOSTIC" and rng.random() < 0.6:
            pt = str(rng.choice(["ICE", "BEV", "PHEV", "HEV"], p=[0.45, 0.3, 0.1, 0.15]))
        rows.append((f"AW-{i + 1:05d}", str(buyers[int(rng.integers(0, len(buyers)))]), product,
                     f"{cat.PLATFORM_PREFIXES[i % len(cat.PLATFORM_PREFIXES)]}-{100 + i}", pt,
                     award, sop, eop, float(np.round(rng.lognormal(np.log(18e6), 0.7), -4))))
    cols = ["award_id", "account_id", "product_id", "platform", "powertrain", "award_date",
            "sop_date", "eop_date", "lifetime_value"]
    return pd.DataFrame(rows, columns=cols)


def platform_awards(rng: np.random.Generator, acc: pd.DataFrame, n: int) -> pd.DataFrame:
    recent = max(4, n // 10)
    aw = _award_rows(rng, acc, n, recent)
    status, ppap, apqp = [], [], []
    for r in aw.itertuples():
        if rng.random() < 0.03:
            status.append("CANCELLED")
        elif r.eop_date <= AS_OF:
            status.append("COMPLETED")
        elif r.sop_date <= AS_OF:
            status.append("IN_PRODUCTION")
        else:
            status.append("AWARDED")
        days_to_sop = (r.sop_date - AS_OF).days
        if status[-1] in ("IN_PRODUCTION", "COMPLETED"):
            ppap.append("APPROVED"); apqp.append(5)
        elif days_to_sop <= 365:
            ppap.append(str(rng.choice(["APPROVED", "IN_PROGRESS", "FAILED", "NOT_STARTED"],
                                       p=[0.45, 0.35, 0.08, 0.12])))
            apqp.append(4)
        else:
            ppap.append("NOT_STARTED"); apqp.append(int(rng.integers(1, 4)))
    aw["status"], aw["ppap_status"], aw["apqp_phase"] = status, ppap, apqp
    return aw


def _production_months(sop: date, eop: date) -> list[date]:
    return [m for m in _months(sop, eop) if REVENUE_START <= m <= AS_OF and m < date(eop.year, eop.month, 1)]


def program_revenue(rng: np.random.Generator, aw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in aw.itertuples():
        if r.status == "AWARDED":
            continue
        life = _months(r.sop_date, r.eop_date)
        months = _production_months(r.sop_date, r.eop_date)
        if r.status == "CANCELLED":
            months = months[: len(months) // 3]
        per_month = r.lifetime_value / max(1, len(life))
        rtype = "HARDWARE" if _is_hw(r.product_id) else "SOFTWARE_SUBSCRIPTION"
        noise = rng.normal(1.0, 0.05, len(months))
        for m, k in zip(months, noise):
            rows.append((r.account_id, r.award_id, f"{m.year}-{m.month:02d}", rtype, round(per_month * k, 2)))
    return pd.DataFrame(rows, columns=["account_id", "award_id", "period", "revenue_type", "amount"])


def _is_hw(product_id: str) -> bool:
    return next(p[3] for p in cat.PRODUCTS if p[0] == product_id)


def ecos(rng: np.random.Generator, aw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    live = aw[aw.status.isin(["IN_PRODUCTION", "COMPLETED", "AWARDED"])]
    for r in live.itertuples():
        for _ in range(int(rng.poisson(1.6))):
            start = max(r.award_date, REVENUE_START)
            if start >= AS_OF:
                continue
            req = start + timedelta(days=int(rng.integers(0, (AS_OF - start).days + 1)))
            decided = req + timedelta(days=int(rng.integers(20, 150)))
            if decided > AS_OF:
                status, decided = str(rng.choice(["REQUESTED", "NEGOTIATING"])), None
            else:
                status = "APPROVED" if rng.random() < 0.66 else "REJECTED"
            delta = float(np.round(r.lifetime_value * rng.uniform(0.01, 0.06), -3))
            rows.append((r.award_id, req, decided, status, delta, round(delta * rng.uniform(0.4, 0.8), -3)))
    out = pd.DataFrame(rows, columns=["award_id", "requested_date", "decided_date", "status",
                                      "revenue_delta", "cost_delta"])
    out = out.sort_values("requested_date", kind="stable").reset_index(drop=True)
    out.insert(0, "eco_id", [f"ECO-{i + 1:05d}" for i in range(len(out))])
    return out


def eco_revenue(e: pd.DataFrame, aw: pd.DataFrame) -> pd.DataFrame:
    """Approved ECO revenue recognised over the 12 months after the decision."""
    acc = aw.set_index("award_id").account_id
    rows = []
    for r in e[e.status == "APPROVED"].itertuples():
        months = [m for m in _months(r.decided_date + timedelta(days=31), r.decided_date + timedelta(days=365))
                  if m <= AS_OF]
        for m in months:
            rows.append((acc[r.award_id], r.award_id, f"{m.year}-{m.month:02d}", "ECO", r.revenue_delta / 12))
    out = pd.DataFrame(rows, columns=["account_id", "award_id", "period", "revenue_type", "amount"])
    out = out.groupby(["account_id", "award_id", "period", "revenue_type"], as_index=False).amount.sum()
    return out.assign(amount=out.amount.round(2))


def shipments(rng: np.random.Generator, volume: float) -> pd.DataFrame:
    rows = []
    connected = [p for p in cat.PRODUCTS if p[5] and p[3]]
    for p in connected:
        active, price = 0, float(rng.uniform(9, 16))
        base = volume * rng.uniform(20_000, 60_000)
        attach = float(rng.uniform(0.38, 0.55))
        for i, m in enumerate(_months(REVENUE_START, AS_OF)):
            shipped = int(base * (1 + 0.015 * i) * rng.normal(1, 0.05))
            attached = int(shipped * min(0.95, max(0.05, rng.normal(attach + 0.002 * i, 0.03))))
            active = int(active * 0.985 + attached)
            rows.append((p[0], f"{m.year}-{m.month:02d}", shipped, attached, active, round(active * price, 2)))
    return pd.DataFrame(rows, columns=["product_id", "period", "units_shipped", "units_attached",
                                       "active_subscriptions", "subscription_arr"])


def subscription_revenue(ship: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """Non-program subscription and services revenue, split over dealer, fleet and OEM accounts."""
    payers = acc[acc.segment.isin(["DEALER_AFTERMARKET", "FLEET", "OEM"])].account_id.tolist()
    monthly = ship.groupby("period").subscription_arr.sum() / 12.0
    rows = []
    for period, total in monthly.items():
        for k, account in enumerate(payers):
            weight = (k % 5 + 1) / sum(i % 5 + 1 for i in range(len(payers)))
            rows.append((account, None, period, "SOFTWARE_SUBSCRIPTION", round(total * weight, 2)))
            if k % 3 == 0:
                rows.append((account, None, period, "SERVICES", round(total * weight * 0.6, 2)))
    return pd.DataFrame(rows, columns=["account_id", "award_id", "period", "revenue_type", "amount"])


def quotas(opp: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """Quarterly bookings targets: history from wins, the horizon calibrated to a coverage."""
    seg = opp.account_id.map(acc.set_index("account_id").segment)
    close = pd.to_datetime(opp.close_date)
    quarter = close.dt.year.astype(str) + "Q" + close.dt.quarter.astype(str)
    won = opp[opp.status == "WON"].groupby([seg, quarter]).amount.sum()
    target_cov = {"OEM": 5.2, "TIER1": 3.4, "DEALER_AFTERMARKET": 2.6, "FLEET": 3.8}
    horizon = ["2026Q4", "2027Q1", "2027Q2", "2027Q3"]
    h_end = pd.Timestamp(2027, 9, 30)
    rows = []
    for s, cov in target_cov.items():
        for y in range(2022, 2026 + 1):
            for q in range(1, 5):
                label = f"{y}Q{q}"
                if label not in horizon:
                    rows.append((s, label, float(round(won.get((s, label), 0.0) * 1.1 + 1e5, -3))))
        mask = (seg == s) & (opp.status == "OPEN") & (close <= h_end)
        open_h = float(opp[mask].amount.sum())
        won_h = float(won.get((s, "2026Q4"), 0.0))
        total = open_h / cov + won_h
        for label, share in zip(horizon, (0.25, 0.23, 0.25, 0.27)):
            rows.append((s, label, float(round(total * share, -3))))
    return pd.DataFrame(rows, columns=["segment", "period", "amount"])


def certifications() -> pd.DataFrame:
    rows = [
        ("IATF_16949", "CERTIFIED", "All manufacturing sites", date(2025, 3, 1), date(2030, 2, 28), date(2027, 1, 15)),
        ("ISO_26262", "CERTIFIED", "ASIL-D product lines", date(2025, 9, 15), date(2030, 9, 14), date(2027, 3, 10)),
        ("ISO_SAE_21434", "CERTIFIED", "Connected products", date(2023, 12, 20), date(2026, 12, 19), date(2026, 12, 1)),
        ("UN_R155", "CERTIFIED", "Vehicle cybersecurity CSMS", date(2025, 5, 2), date(2030, 5, 1), date(2027, 2, 1)),
        ("UN_R156", "IN_PROGRESS", "Software update management", None, None, date(2027, 2, 15)),
        ("TISAX", "CERTIFIED", "AL3, EU engineering sites", date(2025, 1, 20), date(2030, 1, 19), date(2027, 1, 20)),
        ("SOC2_TYPE2", "CERTIFIED", "Cloud services", date(2026, 4, 1), date(2030, 3, 31), date(2027, 2, 28)),
    ]
    return pd.DataFrame(rows, columns=["certification", "status", "scope", "issued_date",
                                       "expiry_date", "next_audit_date"])


def revenue_architecture(rng: np.random.Generator, scale: Scale) -> dict[str, pd.DataFrame]:
    acc = accounts(rng)
    opp = opportunities(rng, acc, scale.opportunities)
    aw = platform_awards(rng, acc, scale.awards)
    rev_prog = program_revenue(rng, aw)
    aw = _calibrate_recent_awards(aw, rev_prog, rng)
    e = ecos(rng, aw)
    ship = shipments(rng, scale.awards / 160)
    revenue = pd.concat([rev_prog, eco_revenue(e, aw), subscription_revenue(ship, acc)], ignore_index=True)
    return {"accounts": acc, "products": products(), "opportunities": opp,
            "quotas": quotas(opp, acc), "platform_awards": aw, "revenue": revenue, "ecos": e,
            "certifications": certifications(), "shipments": ship, "headcount": headcount()}


def _calibrate_recent_awards(aw: pd.DataFrame, rev: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Size the awards won in the last 12 months so that BRR lands near 1.25x."""
    ttm = rev[rev.period >= "2025-11"].amount.sum()
    recent = (pd.to_datetime(aw.award_date) > pd.Timestamp(AS_OF) - pd.DateOffset(years=1)) & (aw.status != "CANCELLED")
    current = aw.loc[recent, "lifetime_value"].sum()
    if current > 0:
        aw = aw.copy()
        aw.loc[recent, "lifetime_value"] = (aw.loc[recent, "lifetime_value"] * (1.25 * ttm / current)).round(-3)
    return aw


def dealers(rng: np.random.Generator, scale: Scale) -> pd.DataFrame:
    groups = (cat.DEALER_GROUPS + [f"Dealer Group {i + 1}" for i in range(scale.dealer_groups)])[: scale.dealer_groups]
    n = scale.dealers
    group = np.array(groups)[np.minimum(len(groups) - 1, (rng.random(n) ** 1.3 * len(groups)).astype(int))]
    region = np.array(cat.REGIONS)[rng.integers(0, len(cat.REGIONS), n)]
    brand = np.array(cat.BRANDS)[rng.integers(0, len(cat.BRANDS), n)]
    ids = [f"D-{i + 1:05d}" for i in range(n)]
    names = [f"{b} of {r} #{i + 1}" for i, (b, r) in enumerate(zip(brand, region))]
    return pd.DataFrame({"dealer_id": ids, "name": names, "dealer_group": group, "region": region,
                         "brand": brand, "salespeople": rng.integers(6, 40, n)})


def leads(rng: np.random.Generator, dl: pd.DataFrame, n: int) -> pd.DataFrame:
    d_idx = rng.integers(0, len(dl), n)
    quality = (d_idx % 7) / 6.0  # a stable per-dealer skill in [0, 1]
    journeys = list(cat.JOURNEY_WEIGHTS)
    journey = rng.choice(journeys, size=n, p=list(cat.JOURNEY_WEIGHTS.values()))
    span_s = int((datetime.combine(AS_OF, datetime.min.time())
                  - datetime.combine(LEADS_START, datetime.min.time())).total_seconds())
    created = (np.datetime64(datetime.combine(LEADS_START, datetime.min.time()), "s")
               + rng.integers(0, span_s, n).astype("timedelta64[s]"))
    resp_min = rng.lognormal(np.log(22 + 30 * (1 - quality)), 0.9)
    answered = rng.random(n) > 0.06 + 0.06 * (1 - quality)
    first = created + (resp_min * 60).astype("timedelta64[s]")
    td = answered & (rng.random(n) < 0.30 + 0.15 * quality)
    quote = td & (rng.random(n) < 0.62) | (answered & (rng.random(n) < 0.05))
    sold = quote & (rng.random(n) < 0.42 + 0.15 * quality)
    t_td = first + (rng.uniform(1, 10, n) * 86400).astype("timedelta64[s]")
    t_q = t_td + (rng.uniform(0.5, 6, n) * 86400).astype("timedelta64[s]")
    t_s = t_q + (rng.uniform(1, 14, n) * 86400).astype("timedelta64[s]")
    ticket = np.array([cat.JOURNEY_TICKET[j] for j in journey]) * rng.uniform(0.7, 1.3, n)
    nat = np.datetime64("NaT")
    return pd.DataFrame({
        "lead_id": [f"L-{i + 1:08d}" for i in range(n)], "dealer_id": dl.dealer_id.to_numpy()[d_idx],
        "journey": journey, "source_channel": np.array(cat.LEAD_SOURCES)[rng.integers(0, len(cat.LEAD_SOURCES), n)],
        "created_at": pd.to_datetime(created), "first_response_at": pd.to_datetime(np.where(answered, first, nat)),
        "test_drive_at": pd.to_datetime(np.where(td, t_td, nat)), "quote_at": pd.to_datetime(np.where(quote, t_q, nat)),
        "sold_at": pd.to_datetime(np.where(sold, t_s, nat)),
        "sold_revenue": np.where(sold, np.round(ticket, 2), np.nan),
    })


def touchpoints(rng: np.random.Generator, ld: pd.DataFrame, mean: float) -> pd.DataFrame:
    n = len(ld)
    counts = np.maximum(0, rng.poisson(mean, n))
    counts[rng.random(n) < 0.04] = 0
    lead_idx = np.repeat(np.arange(n), counts)
    created = ld.created_at.to_numpy()[lead_idx]
    end = ld.sold_at.fillna(ld.created_at + pd.Timedelta(days=20)).to_numpy()[lead_idx]
    span = (end - created).astype("timedelta64[s]").astype(np.int64)
    offset = (rng.random(len(lead_idx)) * (span + 20 * 86400)).astype(np.int64) - 20 * 86400
    late = rng.random(len(lead_idx)) < 0.03  # a few touches after the sale (must not be credited)
    offset = np.where(late, span + rng.integers(3600, 5 * 86400, len(lead_idx)), offset)
    ts = created + offset.astype("timedelta64[s]")
    channels = np.array(list(cat.CHANNELS))
    weights = np.array([0.14, 0.16, 0.12, 0.12, 0.08, 0.14, 0.1, 0.06, 0.08])
    ch = rng.choice(channels, size=len(lead_idx), p=weights / weights.sum())
    party = (np.array([cat.CHANNELS[c] for c in channels])[np.searchsorted(channels, ch, sorter=np.argsort(channels))]
             if False else np.vectorize(cat.CHANNELS.get)(ch))
    camp = np.where(np.isin(party, ["OEM", "MEDIA"]), np.char.add("Campaign ", (lead_idx % 12 + 1).astype(str)), None)
    out = pd.DataFrame({"lead_id": ld.lead_id.to_numpy()[lead_idx], "ts": pd.to_datetime(ts),
                        "channel": ch, "party": party, "campaign": camp})
    return out.drop_duplicates(["lead_id", "ts", "channel"]).reset_index(drop=True)


def dealer_months(rng: np.random.Generator, dl: pd.DataFrame) -> pd.DataFrame:
    months = [f"{m.year}-{m.month:02d}" for m in _months(LEADS_START, AS_OF)]
    n, k = len(dl), len(months)
    quality = (np.arange(n) % 7) / 6.0
    q = np.repeat(quality, k)
    prior = rng.integers(120, 900, n * k)
    retained = (prior * np.clip(rng.normal(0.52 + 0.2 * q, 0.05), 0.1, 0.98)).astype(int)
    offered = rng.integers(2, 9, n * k)
    joined = np.minimum(offered, rng.binomial(offered, 0.4 + 0.4 * q))
    return pd.DataFrame({
        "dealer_id": np.repeat(dl.dealer_id.to_numpy(), k), "period": np.tile(months, n),
        "service_customers_prior": prior, "service_customers_retained": retained,
        "csat": np.round(np.clip(rng.normal(78 + 12 * q, 4), 0, 100), 1),
        "campaigns_offered": offered, "campaigns_joined": joined,
        "cost_to_serve": np.round(rng.uniform(18_000, 45_000, n * k) * (1.2 - 0.3 * q), 2),
    })


def martech_tools() -> pd.DataFrame:
    cols = ["tool_id", "name", "category", "annual_cost", "owner", "licensed_users", "active_users", "journeys"]
    return pd.DataFrame(cat.MARTECH_TOOLS, columns=cols)


def maturity_assessments() -> pd.DataFrame:
    first = {"SCOPE": 1, "DATA_COVERAGE": 1, "ATTRIBUTION": 1, "PARTNER_ROLE": 1, "FINANCIAL_VIEW": 2, "GOVERNANCE": 1}
    second = {"SCOPE": 2, "DATA_COVERAGE": 2, "ATTRIBUTION": 3, "PARTNER_ROLE": 2, "FINANCIAL_VIEW": 2, "GOVERNANCE": 2}
    rows = []
    for aid, when, stages in (("MA-2025-11", date(2025, 11, 14), first), ("MA-2026-09", date(2026, 9, 25), second)):
        for dim, stage in stages.items():
            rows.append((aid, "OEM marketing", when, dim, stage, f"Self-assessment workshop {when:%B %Y}"))
    return pd.DataFrame(rows, columns=["assessment_id", "org_unit", "assessed_on", "dimension", "stage", "evidence"])


def ecosystem(rng: np.random.Generator, scale: Scale) -> dict[str, pd.DataFrame]:
    dl = dealers(rng, scale)
    ld = leads(rng, dl, scale.leads)
    return {"dealers": dl, "leads": ld, "touchpoints": touchpoints(rng, ld, scale.touch_mean),
            "dealer_months": dealer_months(rng, dl), "martech_tools": martech_tools(),
            "maturity_assessments": maturity_assessments()}


def generate(seed: int = 42, scale: str = "default") -> dict[str, pd.DataFrame]:
    """Every contract dataset of the sample company, deterministic for a seed and scale."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rng = np.random.default_rng(seed)
    frames = revenue_architecture(rng, SCALES[scale])
    frames.update(ecosystem(rng, SCALES[scale]))
    return frames
