"""Threshold alerts of config/alerts.yaml, evaluated against the board metrics (METRICS.md
"Board metrics"; issue "Alerts").

A ``metric`` alert compares one board metric (``segment`` picks an entry of a per-segment
metric, ``ALL`` when absent) with ``op`` and ``threshold``; a metric that is n/a (``None``)
never fires. A ``cert_expiring`` alert fires when some certification is valid at D and expires
within rules.yaml ``expiring_soon_days`` (expiry <= D + days), the one "expiring soon" threshold
every page uses; ``{days}`` in its message reads that number; its value is the fewest days left.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from revops_core import formatting
from revops_core.board import BoardMetrics
from revops_core.config import Alert, AppConfig

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class FiringAlert:
    """One alert that fires: its config id, message and the value that made it fire."""

    id: str
    message: str
    value: float | None
    value_text: str = ""  # the value formatted for people, when the message does not state it (not in the JSON)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "message": self.message, "value": self.value}


def metric_value(m: BoardMetrics, alert: Alert) -> float | None:
    """The board metric an alert watches; a per-segment metric gives its ``segment`` entry."""
    value = getattr(m, alert.metric or "", None)
    if isinstance(value, dict):
        value = value.get(alert.segment or "ALL")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _metric_alert(alert: Alert, m: BoardMetrics, value_format: str) -> FiringAlert | None:
    value = metric_value(m, alert)
    if value is None or not OPS[alert.op or "<"](value, float(alert.threshold or 0.0)):
        return None
    return FiringAlert(alert.id, alert.message, value, formatting.fmt(value_format, value))


def _cert_alert(alert: Alert, m: BoardMetrics, days: int, cert_label: Callable[[str], str]) -> FiringAlert | None:
    limit = m.as_of + timedelta(days=days)
    soon = sorted((c.expiry_date, code) for code, c in m.certifications.items()
                  if c.valid_at_D and c.expiry_date is not None and c.expiry_date <= limit)
    if not soon:
        return None
    days_left = (soon[0][0] - m.as_of).days
    detail = "; ".join(f"{cert_label(code)} expires {formatting.date(expiry)}, in {(expiry - m.as_of).days} days"
                       for expiry, code in soon)
    message = alert.message.replace("{days}", str(days))
    return FiringAlert(alert.id, f"{message} ({detail})", float(days_left))


def evaluate(alerts: Sequence[Alert], m: BoardMetrics, cfg: AppConfig) -> list[FiringAlert]:
    """The alerts of ``alerts`` that fire on ``m``, in config order."""
    out = []
    for alert in alerts:
        if alert.kind == "cert_expiring":
            hit = _cert_alert(alert, m, cfg.rules.expiring_soon_days, lambda code: cfg.label("certifications", code))
        else:
            entry = cfg.labels.metrics.get(alert.metric or "")
            hit = _metric_alert(alert, m, entry.format if entry else "ratio_plain")
        if hit is not None:
            out.append(hit)
    return out


def firing_alerts(m: BoardMetrics, cfg: AppConfig) -> list[FiringAlert]:
    """Every alert of config/alerts.yaml that fires on ``m``."""
    return evaluate(cfg.alerts.alerts, m, cfg)


def to_json(m: BoardMetrics, firing: Sequence[FiringAlert]) -> dict[str, Any]:
    """The ``alerts --json`` object: ``{"as_of": ..., "firing": [{"id", "message", "value"}, ...]}``."""
    return {"as_of": m.as_of.isoformat(), "firing": [f.to_json() for f in firing]}
