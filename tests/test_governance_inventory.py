"""Inventory and RAG status: each rule with its reason, against a real MLflow registry."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import run_cli
from governance_support import LATER, card_tags, make_model, monitor_tags

import jupyter_mlops
from jupyter_mlops.config import get_settings
from jupyter_mlops.governance.facts import ModelFacts, VersionFacts, fetch_facts
from jupyter_mlops.governance.inventory import COLUMNS, inventory_row, now_ms
from jupyter_mlops.governance.policy import Policy
from jupyter_mlops.governance.rag import RULES, assess
from jupyter_mlops.tracking import get_client

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
GOOD = dict(
    owner="ana",
    use_case="credit",
    risk_tier="high",
    materiality="high",
    documentation_url="https://docs/x",
    documentation_status="complete",
    validation_status="passed",
    stage="production",
    monitoring={"notebook": "monitoring/monitor.ipynb", "cron": "0 6 * * *"},
)
SCHEDULED = frozenset({"monitor.ipynb"})


def facts(aliases=None, versions=None, monitor=None, scheduled=SCHEDULED, **card) -> ModelFacts:
    tags = {**card_tags(name="m", **card), **(monitor or {})}
    made = {
        str(n): VersionFacts(str(n), f"run{n}", now_ms(NOW - timedelta(days=1)), dict(t))
        for n, t in (versions or {1: {}}).items()
    }
    aliases = {k: str(v) for k, v in (aliases or {}).items()}
    return ModelFacts("m", tags, aliases, made, scheduled=scheduled)


def reasons(model: ModelFacts, policy: Policy | None = None) -> tuple[str, list[str]]:
    status, found = assess(model, policy or Policy(), now_ms(NOW))
    return status, [f.reason for f in found]


def recent(days: int = 2, **kw) -> dict[str, str]:
    return monitor_tags(NOW - timedelta(days=days), **kw)


def test_a_model_meeting_the_policy_is_green():
    assert reasons(facts(aliases={"champion": 1}, monitor=recent(), **GOOD)) == ("green", [])


@pytest.mark.parametrize(
    ("change", "level", "reason"),
    [
        ({"owner": None}, "red", "no owner"),
        (
            {"validation_status": "in_progress"},
            "red",
            "production model without validation sign-off (validation in_progress)",
        ),
        ({"validation_status": "failed"}, "red", "validation failed"),
        (
            {"use_case": None, "materiality": None},
            "amber",
            "missing card fields for a high-risk model: use_case, materiality",
        ),
        ({"risk_tier": None}, "amber", "no risk tier"),
        ({"documentation_status": "draft"}, "amber", "production model with draft documentation"),
    ],
)
def test_card_rules(change, level, reason):
    status, found = reasons(facts(aliases={"champion": 1}, monitor=recent(), **{**GOOD, **change}))
    assert status == level and reason in found


def test_monitoring_rules_alert_drift_and_staleness():
    alert = facts(monitor=recent(alerts=["precision dropped 7.0% vs champion"]), **GOOD)
    assert reasons(alert) == ("red", ["alert: precision dropped 7.0% vs champion"])
    drift = facts(monitor=recent(drift="drift"), **GOOD)
    assert reasons(drift) == ("amber", ["drift: PSI 0.40 on x"])
    stale = facts(monitor=recent(days=45), **GOOD)
    assert reasons(stale) == ("amber", ["no evaluation in 45 days"])
    assert reasons(stale, Policy(staleness_days=60)) == ("green", [])
    assert reasons(facts(**GOOD)) == ("amber", ["production model never evaluated"])
    # staleness only concerns production: an experimental model never evaluated is fine
    assert reasons(facts(**{**GOOD, "stage": "development"})) == ("green", [])


def test_retired_alias_and_red_before_amber():
    model = facts(
        aliases={"challenger": 2},
        versions={1: {}, 2: {"mlops.card.stage": "retired"}},
        monitor=recent(drift="drift"),
        **{**GOOD, "owner": None},
    )
    status, found = reasons(model)
    assert status == "red"
    assert found == [
        "no owner",
        "drift: PSI 0.40 on x",
        "alias 'challenger' points at retired version 2",
    ]


def test_every_rule_is_covered_by_a_test_above():
    assert set(RULES) == {
        "no_owner",
        "production_without_validation",
        "validation_failed",
        "alert",
        "missing_fields",
        "no_risk_tier",
        "drift",
        "stale_evaluation",
        "undocumented_production",
        "retired_alias",
        "unmonitored_production",
    }


def test_a_production_model_without_scheduled_monitoring_is_amber():
    unnamed = facts(aliases={"champion": 1}, monitor=recent(), **{**GOOD, "monitoring": None})
    assert reasons(unnamed) == (
        "amber",
        [
            "production model with no scheduled monitoring: name its monitoring notebook and "
            "cron on the card (monitoring: {notebook, cron})"
        ],
    )
    unscheduled = facts(aliases={"champion": 1}, monitor=recent(), scheduled=frozenset(), **GOOD)
    assert reasons(unscheduled) == (
        "amber",
        [
            "monitoring notebook monitor.ipynb is not scheduled: jupyter mlops schedule create "
            "monitoring/monitor.ipynb --cron '0 6 * * *'"
        ],
    )
    staging = facts(monitor=recent(), scheduled=frozenset(), **{**GOOD, "stage": "staging"})
    assert reasons(staging) == ("green", [])


def test_inventory_over_a_real_registry(mlops_backend, mlops_notebook, tmp_path):
    from jupyter_mlops.schedules import service

    monitor = mlops_notebook("y = 1", name="monitor.ipynb", folder=tmp_path / "monitoring")
    watch = service.schedule(monitor, "0 6 * * *", name=f"watch-{tmp_path.name}")
    make_model(mlops_backend, "good", 2, {"champion": 2, "challenger": 1}, **GOOD)
    client = get_client(mlops_backend)
    for key, value in monitor_tags(LATER - timedelta(days=3)).items():
        client.set_registered_model_tag("good", key, value)
    make_model(mlops_backend, "orphan", 1, {"champion": 1}, risk_tier="low")
    try:
        frame = jupyter_mlops.inventory(now=LATER)
    finally:
        service.delete_schedule(watch.id)
    # the session's mlflow server is shared: other tests' models may be listed too
    frame = frame[frame["name"].isin(["good", "orphan"])]
    assert list(frame.columns) == COLUMNS and list(frame["name"]) == ["good", "orphan"]
    good = frame.iloc[0]
    assert (good.owner, good.risk_tier, good.champion, good.challenger) == ("ana", "high", "2", "1")
    assert good.latest_version == "2" and good.rag == "green"
    assert good.rag_reasons == ["meets the policy"]
    assert good.last_evaluation.date() == (LATER - timedelta(days=3)).date()
    assert pd_isna(good.last_training_run) and good.drift_status == "ok"
    orphan = frame.iloc[1]
    assert orphan.rag == "red" and pd_isna(orphan.last_evaluation)
    assert orphan.rag_reasons == [
        "no owner",
        "production model without validation sign-off (validation not_started)",
        "production model never evaluated",
        "production model with missing documentation",
        "production model with no scheduled monitoring: name its monitoring notebook and cron "
        "on the card (monitoring: {notebook, cron})",
    ]


def test_versions_read_for_the_rules_give_the_same_inventory_as_every_version(mlops_backend):
    """The inventory reads each model's latest version and those staged production or
    retired, not every version; its rows are those that every version gives."""
    make_model(
        mlops_backend,
        "layered",
        5,
        {"challenger": 2, "previous": 3},
        version_tags={1: {"mlops.card.stage": "production"}, 2: {"mlops.card.stage": "retired"}},
        **{**GOOD, "stage": "development", "validation_status": "in_progress"},
    )
    make_model(mlops_backend, "single", 1, None, owner="bo", risk_tier="low")
    found = {m.name: m for m in fetch_facts(mlops_backend)}
    layered = found["layered"]
    assert sorted(layered.versions, key=int) == ["1", "2", "5"]  # production, retired, latest
    assert layered.latest_version == "5" and found["single"].latest_version == "1"
    assert reasons(layered)[1] == [
        "production model without validation sign-off (validation in_progress)",
        "production model never evaluated",
        "monitoring notebook monitor.ipynb is not scheduled: jupyter mlops schedule create "
        "monitoring/monitor.ipynb --cron '0 6 * * *'",
        "alias 'challenger' points at retired version 2",
    ]
    at, rules = now_ms(NOW), Policy()
    every = fetch_facts(mlops_backend, every_version=True)
    assert len(every) == len(found)
    assert sorted(next(m for m in every if m.name == "layered").versions) == list("12345")
    for complete in every:  # the server is shared: every model on it is compared
        assert inventory_row(found[complete.name], rules, at) == inventory_row(complete, rules, at)


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_inventory_cli_formats(mlops_env, tmp_path):
    uri = get_settings().tracking_uri
    make_model(uri, "one", 1, owner="bo", risk_tier="medium", use_case="ads")
    table = run_cli("inventory")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split()[:3] == ["NAME", "OWNER", "RISK"]
    assert "one" in table.stdout and "GREEN" in table.stdout
    rows = json.loads(run_cli("inventory", "--format", "json").stdout)
    assert rows[0]["name"] == "one" and rows[0]["rag"] == "green"
    assert set(rows[0]) == set(COLUMNS)
    assert run_cli("inventory", "--format", "csv", "-o", str(tmp_path / "i.csv")).returncode == 0
    parsed = list(csv.DictReader(io.StringIO((tmp_path / "i.csv").read_text())))
    assert parsed[0]["name"] == "one" and parsed[0]["rag_reasons"] == "meets the policy"
    html = run_cli("inventory", "--format", "html").stdout
    assert html.startswith("<table") and "<td>one</td>" in html


def test_inventory_cli_refuses_an_unknown_format(mlops_env):
    result = run_cli("inventory", "--format", "xml")
    assert result.returncode == 2 and "invalid choice: 'xml'" in result.stderr
