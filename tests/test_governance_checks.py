"""Zombies of each kind, ``jupyter mlops check`` on notebooks, and the pre-commit hook."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml
from conftest import run_cli
from governance_support import LATER, make_model, monitor_tags

import jupyter_mlops
from jupyter_mlops.config import get_settings
from jupyter_mlops.governance.checks import check_notebooks
from jupyter_mlops.governance.policy import Policy

ROOT = Path(__file__).resolve().parents[1]
EVALUATED = monitor_tags(LATER - timedelta(days=2))
LOADED = {"mlops.monitor.loaded_at": str(int((LATER - timedelta(days=1)).timestamp() * 1000))}


def test_zombies_of_each_kind_with_their_reasons(mlops_backend):
    make_model(mlops_backend, "kept", 2, {"champion": 2}, {1: LOADED, 2: EVALUATED}, owner="ana")
    make_model(mlops_backend, "abandoned", 1, {"champion": 1})
    retired = {"mlops.card.stage": "retired", **EVALUATED}
    make_model(
        mlops_backend, "retiree", 2, {"challenger": 1}, {1: retired, 2: EVALUATED}, owner="bo"
    )
    mine = ["kept", "abandoned", "retiree"]  # the session's mlflow server is shared
    frame = jupyter_mlops.zombies(now=LATER)
    frame = frame[frame["name"].isin(mine)]
    frame = frame.astype(object).where(frame.notna(), None)  # pandas shows a missing str as NaN
    found = sorted(frame.itertuples(index=False), key=lambda z: (z.name, z.kind))
    assert [(z.name, z.version, z.kind) for z in found] == [
        ("abandoned", None, "no_owner"),
        ("abandoned", "1", "stale_production"),
        ("abandoned", "1", "unused_version"),
        ("retiree", "1", "retired_alias"),
    ]
    reasons = {z.kind: z.reason for z in found}
    assert reasons["no_owner"] == "the model has no owner"
    assert reasons["stale_production"].startswith("in production, never evaluated in the ")
    assert reasons["unused_version"].startswith("never evaluated nor loaded in the ")
    assert reasons["retired_alias"] == "alias 'challenger' points at retired version 1"
    # today nothing is older than the staleness limit: only the owner and the retired alias count
    today = jupyter_mlops.zombies()
    assert list(today[today["name"].isin(mine)]["kind"]) == ["no_owner", "retired_alias"]
    # a production version evaluated too long ago
    late = jupyter_mlops.zombies(now=LATER + timedelta(days=40), policy=Policy(staleness_days=30))
    kept = late[late["name"] == "kept"]
    assert list(kept["kind"]) == ["stale_production"]  # version 1 was loaded: not unused
    assert kept.iloc[0]["reason"] == "in production, no evaluation in 42 days (limit 30)"


def test_zombies_cli(mlops_env):
    make_model(get_settings().tracking_uri, "nobody", 1)
    result = run_cli("zombies")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split() == ["NAME", "VERSION", "KIND", "REASON"]
    assert row.split() == ["nobody", "no_owner", "the", "model", "has", "no", "owner"]
    rows = json.loads(run_cli("zombies", "--json").stdout)
    assert rows == [
        {"name": "nobody", "version": None, "kind": "no_owner", "reason": "the model has no owner"}
    ]


GOOD_CARD = {"name": "m", "owner": "ana", "risk_tier": "medium", "use_case": "ads"}


def test_check_passes_good_notebooks_and_names_file_and_field(mlops_notebook, mlops_env):
    folder = mlops_env / "nbs"
    mlops_notebook(
        "x = 1", params="C: float = 1.0\nn = 3", card=GOOD_CARD, name="good.ipynb", folder=folder
    )
    mlops_notebook(
        "x = 1",
        params="C: float = 1.0",
        card={**GOOD_CARD, "use_case": None},
        name="no_use.ipynb",
        folder=folder,
    )
    mlops_notebook(
        "x = 1", params="C = make_c()", card=GOOD_CARD, name="untyped.ipynb", folder=folder
    )
    mlops_notebook(
        "x = 1", card={"owner": "ana", "risk_tier": "extreme"}, name="bad_card.ipynb", folder=folder
    )
    mlops_notebook("x = 1", name="bare.ipynb", folder=folder)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "junk.ipynb").write_text("not json")
    (folder / "broken.ipynb").write_text("{")
    result = run_cli("check", str(folder), "--require-card")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    nb = str(folder)
    assert lines == [
        f"{nb}/bad_card.ipynb: risk_tier: Invalid model card: card field 'risk_tier': 'extreme' "
        "is not allowed; allowed values: low, medium, high.",
        f"{nb}/bad_card.ipynb: parameters: no cell tagged 'parameters'",
        f"{nb}/bare.ipynb: card: no model card; add one with `jupyter mlops card "
        f"{nb}/bare.ipynb --set owner=...`",
        f"{nb}/bare.ipynb: parameters: no cell tagged 'parameters'",
        f"{nb}/broken.ipynb: notebook: Cannot read notebook {nb}/broken.ipynb: Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1).",
        f"{nb}/no_use.ipynb: use_case: required for a medium-risk model by the policy",
        f"{nb}/untyped.ipynb: parameters.C: no type: annotate it, e.g. `C: float = ...`, or "
        "give a literal default",
        "6 notebook(s) checked, 7 problem(s)",
    ]
    lenient = run_cli("check", str(folder))
    assert lenient.returncode == 1 and "bare.ipynb" not in lenient.stdout
    assert lenient.stdout.splitlines()[-1] == (
        "5 notebook(s) checked, 5 problem(s); 1 without a model card skipped (--require-card "
        "to refuse)"
    )
    ok = run_cli("check", str(folder / "good.ipynb"), str(folder / "bare.ipynb"), "--json")
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout) == {
        "checked": [str(folder / "good.ipynb")],
        "skipped": [str(folder / "bare.ipynb")],
        "problems": [],
    }


def test_check_follows_the_policy_and_refuses_a_missing_path(mlops_notebook, mlops_env):
    nb = mlops_notebook("x = 1", params="C: float = 1.0", card=GOOD_CARD)
    strict = Policy(required_fields={"medium": ["owner", "use_case", "documentation_url"]})
    checked, _, problems = check_notebooks([nb], strict)
    assert checked == [nb] and [(p.field, p.message) for p in problems] == [
        ("documentation_url", "required for a medium-risk model by the policy")
    ]
    missing = run_cli("check", "nowhere.ipynb")
    assert missing.returncode == 1
    assert "nowhere.ipynb: notebook: Notebook not found: nowhere.ipynb" in missing.stdout


def test_the_repository_notebooks_pass_and_the_hook_runs_check():
    result = run_cli("check", str(ROOT / "notebooks"))
    assert result.returncode == 0, result.stdout
    assert "2 notebook(s) checked, 0 problem(s); 1 without a model card" in result.stdout
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "jupyter-mlops-check" and hook["entry"] == "jupyter-mlops check"
    assert hook["types"] == ["jupyter"] and hook["language"] == "python"


def test_loading_a_version_takes_it_off_the_unused_list(mlops_backend):
    """jupyter_mlops.load_model loads a registered model and stamps it loaded."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    jupyter_mlops.register(model, "loaded-model", card={"name": "loaded-model", "owner": "ana"})

    def unused() -> list[str]:
        found = jupyter_mlops.zombies(now=LATER)
        mine = found[(found["name"] == "loaded-model") & (found["kind"] == "unused_version")]
        return list(mine["version"])

    assert unused() == ["1"]

    loaded = jupyter_mlops.load_model("loaded-model/1")

    assert list(loaded.predict([[0.0], [3.0]])) == [0, 1]
    assert unused() == []
    native = jupyter_mlops.load_model("loaded-model", flavor="sklearn")
    assert isinstance(native, LogisticRegression)


def test_load_model_refuses_bad_targets_and_flavors(mlops_env):
    import pytest

    from jupyter_mlops.errors import InvalidParameterError, NotFoundError

    with pytest.raises(NotFoundError, match="No model version 'nope/1'"):
        jupyter_mlops.load_model("nope/1")
    with pytest.raises(InvalidParameterError, match="no flavor 'warp'"):
        jupyter_mlops.load_model("nope/1", flavor="warp")
    with pytest.raises(InvalidParameterError, match="MLflow flavor"):
        jupyter_mlops.load_model("nope/1", flavor="../x")


def test_check_wants_a_production_model_to_name_a_monitoring_notebook_that_exists(
    mlops_notebook, mlops_env
):
    folder = mlops_env / "prod"
    production = {**GOOD_CARD, "stage": "production"}
    unwatched = mlops_notebook("x = 1", params="C: float = 1.0", card=production, folder=folder)
    watched = mlops_notebook(
        "x = 1",
        params="C: float = 1.0",
        card={**production, "monitoring": {"notebook": "watch.ipynb", "cron": "0 6 * * *"}},
        name="watched.ipynb",
        folder=folder,
    )
    checked, _, problems = check_notebooks([unwatched, watched])
    assert checked == [unwatched, watched]
    assert [(Path(p.path).name, p.field) for p in problems] == [
        (unwatched.name, "monitoring"),
        ("watched.ipynb", "monitoring.notebook"),
    ]
    assert "--set monitoring=" in problems[0].message
    assert problems[1].message == "watch.ipynb is not a notebook next to watched.ipynb"
    mlops_notebook("y = 2", name="watch.ipynb", folder=folder)
    assert check_notebooks([watched])[2] == []
