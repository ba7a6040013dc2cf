"""The governance policy: defaults, ``[tool.jupyter-mlops.policy]`` and bad policy files."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from jupyter_mlops.errors import ConfigError
from jupyter_mlops.governance.policy import Policy, load_policy, parse_policy


def write_policy(folder, text: str) -> None:
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.jupyter-mlops.policy]\n' + text, encoding="utf-8"
    )


def test_defaults_without_a_policy_table(mlops_env):
    policy = load_policy()
    assert policy == Policy()
    assert policy.staleness_days == 30 and policy.gated_aliases == ["champion"]
    assert policy.approval["high"].approver == "not_owner"
    assert policy.required_fields["high"] == [
        "owner",
        "use_case",
        "materiality",
        "documentation_url",
    ]


def test_policy_table_overrides_and_keeps_other_defaults(mlops_env):
    write_policy(
        mlops_env,
        'staleness_days = 7\nrequired_fields = { low = ["owner", "use_case"] }\n'
        '[tool.jupyter-mlops.policy.approval.medium]\napprover = "any"\n',
    )
    policy = load_policy()
    assert policy.staleness_days == 7
    assert policy.required_fields["low"] == ["owner", "use_case"]
    assert policy.required_fields["high"] == Policy().required_fields["high"]
    assert policy.approval["medium"].approver == "any"
    assert policy.approval["high"] == Policy().approval["high"]


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"stalenes_days": 3}, "unknown key 'stalenes_days'"),
        ({"staleness_days": "soon"}, "key 'staleness_days'"),
        ({"staleness_days": 0}, "key 'staleness_days': Input should be greater than or equal to 1"),
        ({"drift_ks": 2}, "key 'drift_ks'"),
        ({"required_fields": {"high": ["ownr"]}}, "unknown card field(s) ownr for tier 'high'"),
        (
            {"required_fields": {"extreme": ["owner"]}},
            "key 'required_fields.extreme': Input should be 'unrated', 'low', 'medium' or 'high'",
        ),
        ({"approval": {"high": {"approver": "boss"}}}, "key 'approval.high.approver'"),
        ({"approval": {"high": {"validation": ["ok"]}}}, "key 'approval.high.validation.0'"),
        ({"approval": {"high": {"quorum": 2}}}, "unknown key 'approval.high.quorum'"),
    ],
)
def test_bad_policy_names_the_key(table, fragment):
    with pytest.raises(ConfigError) as caught:
        parse_policy(table)
    assert fragment in caught.value.message
    assert caught.value.message.startswith("Invalid policy in [tool.jupyter-mlops.policy]")


def test_policy_that_is_not_a_table():
    with pytest.raises(ConfigError, match=r"policy\] must be a table, got list"):
        parse_policy([1, 2])


def test_bad_policy_file_fails_the_cli_with_the_key_and_the_file(mlops_env):
    write_policy(mlops_env, 'drift_psi = "high"\n')
    result = run_cli("inventory", "--json")
    assert result.returncode == 2
    error = json.loads(result.stdout)
    assert error["error"] == "INVALID_CONFIG" and error["keys"] == ["drift_psi"]
    assert f"of {mlops_env / 'pyproject.toml'}" in result.stderr
    assert "key 'drift_psi': Input should be a valid number" in result.stderr
