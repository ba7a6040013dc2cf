"""Random sweeps, concurrency limits, fail-fast and best-run selection."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from conftest import run_cli

from jupyter_mlops import get_receipt, submit_sweep
from jupyter_mlops.errors import InvalidParameterError
from jupyter_mlops.jobs.query import list_jobs, wait_for_jobs
from jupyter_mlops.jobs.sampling import sample_points
from jupyter_mlops.params import ParametersContract, parse_parameters

CONTRACT = ParametersContract(
    parse_parameters("lr: float = 0.1\ndepth: int = 3\nkernel = 'rbf'\nlabel: str = 'x'"),
    has_cell=True,
)


def test_random_points_follow_ranges_lists_and_seed():
    sweep = {"lr": ["1e-4:1e-1:log"], "depth": ["2:4"], "kernel": ["rbf", "linear"]}
    points = sample_points(CONTRACT, {"label": "y"}, sweep, 200, seed=7, from_text=True)
    assert points == sample_points(CONTRACT, {"label": "y"}, sweep, 200, seed=7, from_text=True)
    assert len(points) == 200 and all(p["label"] == "y" for p in points)
    assert all(1e-4 <= p["lr"] <= 1e-1 for p in points)
    decades = {math.floor(math.log10(p["lr"])) for p in points}
    assert decades == {-4, -3, -2}, "log-uniform: every decade is drawn"
    assert {p["depth"] for p in points} == {2, 3, 4}
    assert all(isinstance(p["depth"], int) for p in points)
    assert {p["kernel"] for p in points} == {"rbf", "linear"}
    uniform = sample_points(CONTRACT, {}, {"lr": ["0.5:0.6"]}, 50, seed=1, from_text=True)
    assert all(0.5 <= p["lr"] <= 0.6 for p in uniform)


def test_a_colon_in_a_text_parameter_is_a_value_not_a_range():
    points = sample_points(CONTRACT, {}, {"label": ["a:b"]}, 2, seed=1, from_text=True)
    assert [p["label"] for p in points] == ["a:b", "a:b"]


@pytest.mark.parametrize(
    ("sweep", "n", "fragment"),
    [
        ({"lr": ["0.1:0.01"]}, 2, "LOW must be below HIGH"),
        ({"lr": ["a:b"]}, 2, "range ends must be numbers"),
        ({"lr": ["1:2:3"]}, 2, "a range is LOW:HIGH or LOW:HIGH:log"),
        ({"lr": ["0:1:log"]}, 2, "a log range needs LOW > 0"),
        ({"lr": ["0.1", "x"]}, 2, "cannot read 'x' as float"),
        ({"rate": ["0.1:0.2"]}, 2, "Unknown parameter 'rate'. Declared parameters: lr"),
        ({"lr": ["0.1:0.2"]}, 0, "--sample must be a whole number >= 1"),
    ],
)
def test_bad_random_sweeps_are_rejected(sweep, n, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        sample_points(CONTRACT, {}, sweep, n, from_text=True)


def test_bad_sweep_options_are_rejected_before_any_run(mlops_notebook):
    nb = mlops_notebook("x = 1", params="lr: float = 0.1")
    with pytest.raises(InvalidParameterError, match="is a range: add --sample N"):
        submit_sweep(nb, {"lr": ["0.01:0.1"]}, from_text=True)
    with pytest.raises(InvalidParameterError, match="--max-concurrency must be at least 1"):
        submit_sweep(nb, {"lr": ["0.1"]}, max_concurrency=0, from_text=True)
    with pytest.raises(InvalidParameterError, match="--max-concurrency must be a whole number"):
        submit_sweep(nb, {"lr": ["0.1"]}, max_concurrency=1.5, from_text=True)  # type: ignore[arg-type]
    assert list_jobs() == []
    result = run_cli("run", str(nb), "--sample", "3")
    assert result.returncode == 2 and "need --sweep" in result.stderr


def test_cli_random_sweep_one_at_a_time_then_select(mlops_notebook):
    nb = mlops_notebook(
        "import mlflow\nmlflow.log_metric('score', lr)", params="lr: float = 0.1", name="rs.ipynb"
    )
    result = run_cli(
        "run", str(nb), "--sample", "2", "--seed", "3", "--sweep", "lr=1e-3:1e-1:log",
        "--max-concurrency", "1", "--wait", "--select", "max(score)", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    jobs = out["jobs"]
    assert len(jobs) == 2 and all(1e-3 <= j["parameters"]["lr"] <= 1e-1 for j in jobs)
    best = max(jobs, key=lambda j: j["parameters"]["lr"])
    assert out["best"] == best["run_id"]
    spans = sorted(
        (r["timings"]["started"], r["timings"]["finished"])
        for r in (get_receipt(j["run_id"]) for j in jobs)
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "--max-concurrency 1: runs never overlap"
    (parent,) = wait_for_jobs([out["run_id"]])
    assert parent.is_sweep and parent.status == "FINISHED"


def test_fail_fast_cancels_the_other_runs(mlops_notebook, monkeypatch):
    # Three slots, so the failing point runs at once: with two, the others may win the slots
    # and sleep their 120 s before it fails.
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "3")
    nb = mlops_notebook(
        "import time\nif a == 0:\n    raise ValueError('bad point')\ntime.sleep(120)",
        params="a: int = 0",
    )
    parent, children = submit_sweep(nb, {"a": [0, 1, 2]}, fail_fast=True, max_concurrency=3)
    jobs = {j.parameters["a"]: j for j in wait_for_jobs(children)}
    assert (jobs[0].status, jobs[0].failure_reason) == ("FAILED", "cell error")
    for other in (jobs[1], jobs[2]):
        assert (other.status, other.failure_reason) == ("KILLED", "cancelled")
        assert other.evalue == f"fail-fast: {jobs[0].run_id} failed"
    # The last child to end closes the parent just after ending itself.
    assert wait_for_jobs([parent])[0].status == "FAILED"
