"""The dashboard, the alert rules and the README's Metrics section name only metrics that exist,
and every metric of ours is documented."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from core.metrics import exposition
from events import metrics as events_metrics

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\b(?:django|events|ranking|celery)_[a-z_]+\b")
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum", "_created")

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(client, monkeypatch):
    """Every sample name this code can expose."""
    client.get("/api/v1/leaderboards/global/")  # loads the middleware, database and cache metrics
    applied = events_metrics._LastApplied()
    applied.update(0.0)
    monkeypatch.setattr(events_metrics, "_last_applied", applied)
    collectors = [*exposition.state_collectors(), events_metrics.ConsumerLagCollector()]
    families = [*REGISTRY.collect(), *(f for c in collectors for f in c.collect())]
    return {f.name + suffix for f in families for suffix in SUFFIXES}, {f.name for f in families}


def _readme_metrics_section() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]


def test_dashboard_queries_existing_metrics(known):
    names, _ = known
    dashboard = json.loads((ROOT / "ops/grafana/user-services.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 20
    used = {n for e in exprs for n in NAME.findall(e)}
    assert used and used <= names, used - names


def test_alert_rules_use_existing_metrics(known):
    names, _ = known
    rules = yaml.safe_load((ROOT / "ops/prometheus/alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {n for e in exprs for n in NAME.findall(e)}
    assert {"events_outbox_oldest_pending_age_seconds", "events_consumer_lag_seconds"} <= used
    assert {
        "events_dead_letters_total",
        "django_http_responses_total_by_status_view_method_total",
    } <= used
    assert used <= names, used - names


def test_readme_names_existing_metrics_and_all_of_ours(known):
    names, families = known
    section = _readme_metrics_section()
    mentioned = set(NAME.findall(section))
    assert mentioned <= names, mentioned - names
    ours = {f for f in families if f.startswith(("events_", "ranking_", "celery_"))}
    undocumented = {f for f in ours if f not in mentioned and f + "_total" not in mentioned}
    assert not undocumented
