"""Threshold alerts (config/alerts.yaml) against board metrics, and the ``alerts`` command.

The pure tests build a ``BoardMetrics`` by hand with only the watched figures set, and check
each configured alert just on each side of its threshold. The CLI tests run
``revops_core.cli.main`` on a tiny SQLite file.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write

from revops_core import alerts
from revops_core.board import BoardMetrics, CertificationStatus
from revops_core.cli import main
from revops_core.config import Alert, AppConfig
from revops_core.contract import SEGMENTS
from revops_core.db import make_engine

D = date(2025, 6, 15)


def metrics(**kw: Any) -> BoardMetrics:
    """Board metrics where no configured alert fires, with ``kw`` overriding fields."""
    base = BoardMetrics(
        as_of=D, revenue_ttm=0.0, program_revenue_ttm=0.0, awards_won_ttm=0.0, backlog=0.0,
        backlog_replenishment_rate=1.5, win_rate={}, oem_rfq_win_rate=None,
        pipeline_coverage={seg: 7.0 for seg in SEGMENTS}, sales_cycle_days={}, eco_count_ttm=0,
        eco_approved_revenue_ttm=0.0, eco_approval_rate=None, software_attach_rate=None, subscription_arr=0.0,
        arr_per_subscribed_vehicle=None, subscription_revenue_share=None, ev_revenue_mix_ttm=None, esa_ratio=None,
        certifications={}, pipeline_at_risk_cert=0.0)
    return replace(base, **kw)


def cert(expiry: date | None, valid: bool = True) -> dict[str, CertificationStatus]:
    return {"TISAX": CertificationStatus("TISAX", "CERTIFIED", expiry, valid, False)}


def fired(m: BoardMetrics, cfg: AppConfig) -> dict[str, float | None]:
    return {a.id: a.value for a in alerts.firing_alerts(m, cfg)}


def test_quiet_metrics_fire_nothing(cfg: AppConfig) -> None:
    assert alerts.firing_alerts(metrics(), cfg) == []


@pytest.mark.parametrize(("overrides", "expected"), [
    # brr_below_1: BRR < 1.0
    ({"backlog_replenishment_rate": 0.99}, {"brr_below_1": 0.99}),
    ({"backlog_replenishment_rate": 1.0}, {}),          # at the threshold: not below
    ({"backlog_replenishment_rate": None}, {}),         # n/a never fires
    # oem_coverage_below_6: pipeline_coverage["OEM"] < 6.0; other segments do not count
    ({"pipeline_coverage": {**dict.fromkeys(SEGMENTS, 7.0), "OEM": 5.99}}, {"oem_coverage_below_6": 5.99}),
    ({"pipeline_coverage": {**dict.fromkeys(SEGMENTS, 1.0), "OEM": 6.0}}, {}),
    ({"pipeline_coverage": {**dict.fromkeys(SEGMENTS, 7.0), "OEM": None}}, {}),  # quota met
    # pipeline_blocked_by_cert: pipeline_at_risk_cert > 0
    ({"pipeline_at_risk_cert": 1.0}, {"pipeline_blocked_by_cert": 1.0}),
    ({"pipeline_at_risk_cert": 0.0}, {}),
    # cert_expiring_soon: valid at D and expiry <= D + rules.yaml expiring_soon_days (90); value = days left
    ({"certifications": cert(D + timedelta(days=90))}, {"cert_expiring_soon": 90.0}),
    ({"certifications": cert(D)}, {"cert_expiring_soon": 0.0}),     # expires today: still valid
    ({"certifications": cert(D + timedelta(days=91))}, {}),
    ({"certifications": cert(D - timedelta(days=1), valid=False)}, {}),  # already expired
    ({"certifications": cert(None)}, {}),                               # no expiry
])
def test_each_alert_at_its_threshold(cfg: AppConfig, overrides: dict[str, Any], expected: dict[str, float]) -> None:
    assert fired(metrics(**overrides), cfg) == pytest.approx(expected)


def test_cert_alert_names_every_expiring_certification(cfg: AppConfig) -> None:
    certs = {**cert(D + timedelta(days=40)),
             "UN_R155": CertificationStatus("UN_R155", "CERTIFIED", D + timedelta(days=10), True, True)}
    (alert,) = alerts.firing_alerts(metrics(certifications=certs), cfg)
    assert alert.value == 10.0 and alert.value_text == ""  # the soonest; the message states every one
    assert alert.message.endswith("(UN R155 expires 25 Jun 2025, in 10 days; TISAX expires 25 Jul 2025, in 40 days)")


def test_cert_alert_uses_the_pages_expiring_soon_threshold(cfg: AppConfig) -> None:
    # one threshold everywhere: the alert's window is rules.yaml expiring_soon_days, and says so
    days = cfg.rules.expiring_soon_days
    (alert,) = alerts.firing_alerts(metrics(certifications=cert(D + timedelta(days=days))), cfg)
    assert alert.message.startswith(f"A certification expires within {days} days.")
    shorter = cfg.model_copy(update={"rules": cfg.rules.model_copy(update={"expiring_soon_days": days - 1})})
    assert alerts.firing_alerts(metrics(certifications=cert(D + timedelta(days=days))), shorter) == []


def test_a_days_setting_on_the_cert_alert_is_refused() -> None:
    with pytest.raises(ValueError, match="expiring_soon_days"):
        Alert(id="x", kind="cert_expiring", days=60, message="m")


@pytest.mark.parametrize(("op", "value", "fires"), [
    ("<=", 2.0, True), ("<=", 2.01, False), (">=", 2.0, True), (">=", 1.99, False), (">", 2.0, False)])
def test_operators(cfg: AppConfig, op: str, value: float, fires: bool) -> None:
    rule = Alert(id="esa", message="E-SA ratio", metric="esa_ratio", op=op, threshold=2.0)
    assert bool(alerts.evaluate([rule], metrics(esa_ratio=value), cfg)) is fires


def test_message_and_formatted_value(cfg: AppConfig) -> None:
    (alert,) = alerts.firing_alerts(metrics(pipeline_at_risk_cert=2_500_000.0), cfg)
    assert alert.message == "Open pipeline is blocked by a missing or expiring certification."
    assert alert.value_text == "$2.5M"
    assert alert.to_json() == {"id": "pipeline_blocked_by_cert", "message": alert.message, "value": 2_500_000.0}


# --- the alerts command ----------------------------------------------------------------------------

def tiny_db(tmp_path: Path, expiry: date) -> str:
    """One won OEM deal closing on D (so D is the latest date) and TISAX expiring on ``expiry``.

    BRR has no program revenue (n/a), OEM has no quota (quota met, coverage n/a) and nothing is
    open, so only the certification alert can fire.
    """
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    engine = make_engine(url)
    write(engine, accounts=[{"account_id": "oem", "segment": "OEM"}],
          opportunities=[{"opportunity_id": "o1", "account_id": "oem", "status": "WON", "close_date": D,
                          "amount": 10.0}],
          certifications=[{"certification": "TISAX", "status": "CERTIFIED", "expiry_date": expiry}])
    engine.dispose()
    return url


def test_cli_exits_0_when_nothing_fires(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = tiny_db(tmp_path, D + timedelta(days=91))
    assert main(["alerts", "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"as_of": "2025-06-15", "firing": []}


def test_cli_exits_1_and_lists_firing_alerts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = tiny_db(tmp_path, D + timedelta(days=91))
    # one day later the certificate has 90 days left: the alert fires
    assert main(["alerts", "--db", url, "--as-of", "2025-06-16", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out == {"as_of": "2025-06-16", "firing": [{
        "id": "cert_expiring_soon", "value": 90.0,
        "message": "A certification expires within 90 days. (TISAX expires 14 Sep 2025, in 90 days)"}]}


def test_cli_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = tiny_db(tmp_path, D + timedelta(days=5))
    assert main(["alerts", "--db", url]) == 1
    assert capsys.readouterr().out.startswith("FIRING cert_expiring_soon: A certification expires within 90 days.")
