"""Gated promotion and the audit trail, on the embedded store and a real MLflow server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import run_cli
from governance_support import make_model
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import jupyter_mlops
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import MlopsError, NotFoundError, PromotionRefusedError, RegistrationError
from jupyter_mlops.governance.audit import audit_trail, holders_at, parse_moment
from jupyter_mlops.registry.spool import pending
from jupyter_mlops.tracking import get_client

HIGH = dict(owner="ana", use_case="credit", risk_tier="high", materiality="high")
HIGH_DOC = dict(HIGH, documentation_url="https://docs/credit")


def champion(uri: str, name: str) -> str | None:
    aliases = get_client(uri).get_registered_model(name).aliases
    return str(aliases["champion"]) if "champion" in aliases else None


def at_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def test_high_risk_without_validation_nor_approver_is_refused(mlops_backend):
    make_model(mlops_backend, "credit", 1, **HIGH)
    with pytest.raises(PromotionRefusedError) as caught:
        jupyter_mlops.promote("credit", 1, "champion")
    message = caught.value.message
    assert "rule approval.high.validation: a high-risk model needs validation status " in message
    assert "passed or waived; it is not_started" in message
    assert "rule approval.high.approver: a high-risk model needs an approver" in message
    assert "rule required_fields.high: card fields missing: documentation_url" in message
    assert caught.value.details["rules"] == [
        "approval.high.validation",
        "approval.high.approver",
        "required_fields.high",
    ]
    assert champion(mlops_backend, "credit") is None and audit_trail("credit") == []


def test_the_owner_cannot_approve_a_high_risk_model(mlops_backend):
    make_model(mlops_backend, "own", 1, validation_status="passed", **HIGH_DOC)
    with pytest.raises(PromotionRefusedError, match="an approver other than its owner ana"):
        jupyter_mlops.promote("own", 1, "champion", approver="ANA")


def test_allowed_promotions_are_audited_and_answer_as_of_queries(mlops_backend, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_USER", "carl")
    make_model(mlops_backend, "ok", 2, validation_status="passed", **HIGH_DOC)
    first = jupyter_mlops.promote("ok", 1, "champion", approver="bo", reason="first release")
    second = jupyter_mlops.promote("ok", "2", "champion", approver="bo", reason="retrained")
    challenger = jupyter_mlops.promote("ok", 1, "challenger")  # not gated: no approver needed
    assert champion(mlops_backend, "ok") == "2"
    assert str(second) == "ok: alias 'champion' -> version 2 (was version 1), approved by bo"
    trail = audit_trail("ok")
    assert [(e.alias, e.from_version, e.to_version) for e in trail] == [
        ("champion", None, "1"),
        ("champion", "1", "2"),
        ("challenger", None, "1"),
    ]
    assert [e.reason for e in trail] == ["first release", "retrained", None]
    assert {(e.actor, e.action) for e in trail} == {("carl", "set_alias")}
    assert trail[0].approver == "bo" and trail[0].at == first.at
    assert holders_at("ok", at_ms(first.at) - timedelta(seconds=1)) == {}
    assert holders_at("ok", at_ms(first.at)) == {"champion": "1"}
    assert holders_at("ok", at_ms(second.at)) == {"champion": "2"}
    assert holders_at("ok", at_ms(challenger.at)) == {"champion": "2", "challenger": "1"}
    # the CLI answers the same question
    moment = at_ms(first.at).isoformat()
    answer = run_cli("audit", "ok", "--at", moment, "--json")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["aliases"] == {"champion": "1"}
    assert run_cli("audit", "ok", "--at", moment).stdout.strip() == "champion: version 1"
    listing = run_cli("audit", "ok").stdout.splitlines()
    assert listing[0].split() == ["AT", "WHO", "WHAT", "FROM", "TO", "APPROVER", "REASON"]
    assert "carl" in listing[1] and "first release" in listing[1] and len(listing) == 4


def test_cli_promote_refused_then_allowed(mlops_env):
    uri = get_settings().tracking_uri
    make_model(uri, "cli-model", 1, validation_status="passed", **HIGH_DOC)
    refused = run_cli("promote", "cli-model", "1", "--to", "champion", "--json")
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["rules"] == ["approval.high.approver"]
    assert "rule approval.high.approver" in refused.stderr
    allowed = run_cli(
        "promote", "cli-model", "1", "--to", "champion", "--approver", "bo", "--reason", "ok'd"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip() == ("cli-model: alias 'champion' -> version 1, approved by bo")
    assert audit_trail("cli-model")[0].reason == "ok'd"


def test_stage_changes_are_gated_audited_and_retired_versions_refuse_aliases(mlops_env):
    uri = get_settings().tracking_uri
    make_model(uri, "staged", 2, stage="development", **HIGH_DOC)
    with pytest.raises(PromotionRefusedError, match=r"rule approval\.high\.validation"):
        jupyter_mlops.set_stage("staged", 1, "production", approver="bo")
    event = jupyter_mlops.set_stage("staged", 1, "retired", reason="superseded")
    assert str(event) == "staged: version 1 stage development -> retired"
    tags = get_client(uri).get_model_version("staged", "1").tags
    assert tags["mlops.card.stage"] == "retired"
    with pytest.raises(PromotionRefusedError, match="rule retired: the version is retired"):
        jupyter_mlops.promote("staged", 1, "challenger")
    cli = run_cli("promote", "staged", "2", "--stage", "archived")
    assert cli.returncode == 2 and "Unknown stage 'archived'" in cli.stderr
    trail = audit_trail("staged")
    assert [(e.action, e.from_stage, e.to_stage, e.reason) for e in trail] == [
        ("set_stage", "development", "retired", "superseded")
    ]


def test_bad_promotion_inputs(mlops_env):
    uri = get_settings().tracking_uri
    make_model(uri, "plain", 1, owner="ana")
    with pytest.raises(NotFoundError, match="No version 7 of registered model 'plain'"):
        jupyter_mlops.promote("plain", 7, "challenger")
    with pytest.raises(RegistrationError, match="Cannot set alias 'latest'"):
        jupyter_mlops.promote("plain", 1, "latest")
    with pytest.raises(RegistrationError, match="Unknown stage 'gone'"):
        jupyter_mlops.set_stage("plain", 1, "gone")
    both = run_cli("promote", "plain", "1", "--to", "x", "--stage", "retired")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    bad_at = run_cli("audit", "plain", "--at", "yesterday")
    assert bad_at.returncode == 2
    assert "'yesterday' is not an ISO 8601 date-time" in bad_at.stderr
    with pytest.raises(MlopsError, match="not an ISO 8601"):
        parse_moment("2026-13-01")


def test_registering_with_a_gated_alias_is_refused_before_anything_is_saved(mlops_env):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit([[0], [1]], [0, 1])
    with pytest.raises(PromotionRefusedError, match=r"rule approval\.high\.approver"):
        jupyter_mlops.register(model, "risky", alias="champion", card={"name": "risky", **HIGH})
    assert pending() == []
    reg = jupyter_mlops.register(model, "fine", alias="champion", card={"owner": "ana"})
    assert reg.version == "1"
    [event] = audit_trail("fine")
    assert (event.alias, event.to_version, event.reason) == ("champion", "1", "set at registration")


def test_magic_promote_goes_through_the_gate(mlops_env, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    uri = get_settings().tracking_uri
    make_model(uri, "magic", 1, validation_status="waived", **HIGH_DOC)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlops")
    with pytest.raises(UsageError, match=r"rule approval\.high\.approver"):
        shell.run_line_magic("mlops", "promote magic 1 --to champion")
    shell.run_line_magic(
        "mlops", "promote magic 1 --to champion --approver bo --reason 'q3 review'"
    )
    assert champion(uri, "magic") == "1"
    assert audit_trail("magic")[0].reason == "q3 review"
