"""The card's alert rules, checked against an evaluation: thresholds and decay vs champion."""

from __future__ import annotations

import json
from typing import Any

from ..card import AlertRule
from ..tags import CARD_PREFIX
from .policy import Policy


def card_alerts(version_tags: dict[str, str]) -> list[AlertRule]:
    """The alert rules on a version's card."""
    raw = version_tags.get(CARD_PREFIX + "alerts")
    return [AlertRule.model_validate(r) for r in json.loads(raw)] if raw else []


def _champion_metrics(client: Any, name: str, aliases: dict[str, Any]) -> dict[str, float]:
    """The metrics of the champion's training run (empty without a champion or its run)."""
    if "champion" not in aliases:
        return {}
    run_id = client.get_model_version(name, str(aliases["champion"])).run_id
    return dict(client.get_run(run_id).data.metrics) if run_id else {}


def evaluate_alerts(
    client: Any,
    name: str,
    version_tags: dict[str, str],
    aliases: dict[str, Any],
    metrics: dict[str, float],
    policy: Policy,
) -> list[str]:
    """A reason for each alert rule the metrics break, e.g. "accuracy dropped 7.0% vs champion".

    A rule without ``max_drop_pct`` uses the policy's ``decay_pct`` for the drop.
    """
    rules = [r for r in card_alerts(version_tags) if r.metric in metrics]
    champion = _champion_metrics(client, name, aliases) if rules else {}
    return broken_rules(rules, metrics, champion, policy.decay_pct)


def broken_rules(
    rules: list[AlertRule],
    metrics: dict[str, float],
    champion: dict[str, float],
    decay_pct: float,
) -> list[str]:
    """A reason for each rule that ``metrics`` break, by threshold or by drop vs ``champion``.

    Rules whose metric is not in ``metrics`` are skipped; the caller decides whether a missing
    metric is a failure.
    """
    fired = []
    for rule in rules:
        if rule.metric not in metrics:
            continue
        value = metrics[rule.metric]
        higher = rule.direction == "higher_is_better"
        if rule.threshold is not None and (
            value < rule.threshold if higher else value > rule.threshold
        ):
            side = "below" if higher else "above"
            fired.append(f"{rule.metric} {value:.3f} is {side} the threshold {rule.threshold:g}")
        base = champion.get(rule.metric)
        if not base:
            continue
        worse_pct = (base - value if higher else value - base) / abs(base) * 100
        limit = rule.max_drop_pct or decay_pct
        if worse_pct > limit:
            verb = "dropped" if higher else "rose"
            fired.append(
                f"{rule.metric} {verb} {worse_pct:.1f}% vs champion ({base:.3f} -> {value:.3f})"
            )
    return fired
