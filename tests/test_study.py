"""Optuna studies of a notebook: real Optuna, real kernels on the job host, the embedded store.

A study is a parent run whose trials are child runs; its driver process asks Optuna for each
trial and tells it how each ended, prunes trials through the cancel path, and can be killed and
resumed from what MLflow holds. Every driver and host a test starts is killed by PID after it.
"""

from __future__ import annotations

import contextlib
import json
import signal

import psutil
import pytest
from conftest import run_cli, wait_until

import jupyter_mlops
from jupyter_mlops.errors import InvalidParameterError, MlopsError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.study.launch import DRIVER_MODULE
from jupyter_mlops.jobs.study.plan import StudyPlan
from jupyter_mlops.jobs.sweep_state import children_of
from jupyter_mlops.tracking import Store

PARAMS = "learning_rate: float = 0.1\nmax_depth: int = 3\nepoch_s: float = 0.0"
TRAIN = """
import time
import jupyter_mlops
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
model = GradientBoostingClassifier(max_depth=max_depth, learning_rate=learning_rate,
                                   n_estimators=5, warm_start=True, random_state=0)
for epoch in range(6):
    model.set_params(n_estimators=5 * (epoch + 1)).fit(Xtr, ytr)
    jupyter_mlops.report(epoch, model.score(Xte, yte))  # in a study: its objective metric
    time.sleep(epoch_s)
jupyter_mlops.log({"accuracy": model.score(Xte, yte)}, step=epoch)
"""


@pytest.fixture(autouse=True)
def host_on(monkeypatch, tmp_path):
    """Trials run on the warm job host, as they do for a user; drivers are killed after."""
    monkeypatch.delenv("JUPYTER_MLOPS_HOST")
    yield
    for proc in psutil.process_iter(["cmdline"]):
        command = " ".join(proc.info["cmdline"] or [])
        if DRIVER_MODULE in command and str(tmp_path) in command:
            with contextlib.suppress(psutil.Error):
                proc.kill()


def study(nb, *options: str, wait: bool = True) -> dict:
    args = ["run", str(nb), *options, "--json"] + (["--wait"] if wait else [])
    done = run_cli(*args)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def trials_of(parent: str) -> list[spec.JobInfo]:
    """The study's trials in trial order, as jobs."""
    runs = children_of(Store(_uri()), parent)
    runs.sort(key=lambda run: int(run.data.tags[spec.STUDY_TRIAL]))
    return [spec.JobInfo.from_run(run) for run in runs]


def numbers(parent: str) -> list[int]:
    return sorted(int(r.data.tags[spec.STUDY_TRIAL]) for r in children_of(Store(_uri()), parent))


def _uri() -> str:
    from jupyter_mlops.config import resolve_tracking_uri

    return resolve_tracking_uri()


def test_a_study_beats_random_search_with_the_same_budget_and_registers_the_best(
    mlops_notebook,
):
    card = {"name": "cancer-gbm", "owner": "ana"}
    nb = mlops_notebook(TRAIN, "jupyter_mlops.log_model(model)", params=PARAMS, card=card)
    space = ["--sweep", "learning_rate=0.001:1.0:log", "--sweep", "max_depth=1:6"]
    found = study(nb, "--optimize", "max(accuracy)", "--trials", "8", *space, "--seed", "3",
                  "--register", "cancer-gbm")  # fmt: skip
    random = study(nb, *space, "--sample", "8", "--seed", "3")
    store = Store(_uri())
    parent = store.run(found["run_id"])
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[spec.STUDY_SAMPLER] == "tpe"
    assert numbers(found["run_id"]) == list(range(8))
    scores = sorted(store.run(j["run_id"]).data.metrics["accuracy"] for j in random["jobs"])
    assert len(scores) == 8
    median = (scores[3] + scores[4]) / 2
    best = float(parent.data.tags[spec.STUDY_BEST_VALUE])
    assert best > median, (best, scores)
    assert parent.data.tags[spec.STUDY_BEST_RUN] == found["best"]
    assert parent.data.metrics["best_accuracy"] == best
    version = found["registration"]
    assert (version["name"], version["run_id"]) == ("cancer-gbm", found["best"])
    chart = jupyter_mlops.compare(found["run_id"])
    assert chart.best["run_id"] == found["best"] and chart.best["value"] == best
    names = {"optimization_history", "param_importances", "parallel_coordinate"}
    assert {f"study_{name}" for name in names} <= set(chart.figures)
    assert "Best trial so far" in chart.message


def test_pruning_kills_a_trial_that_reports_poorly_and_keeps_its_executed_notebook(
    mlops_notebook,
):
    nb = mlops_notebook(TRAIN, params=PARAMS)
    found = study(
        nb,
        *("--optimize", "max(accuracy)", "--trials", "8", "--seed", "1"),
        *("--sweep", "learning_rate=0.0001:1.0:log", "--sweep", "epoch_s=0.4"),
        *("--max-concurrency", "1", "--pruner", "median"),
    )
    trials = trials_of(found["run_id"])
    pruned = [t for t in trials if t.status == "KILLED"]
    assert pruned, [(t.status, t.parameters) for t in trials]
    store = Store(_uri())
    for trial in pruned:
        assert trial.failure_reason == "pruned"
        run = store.run(trial.run_id)
        history = store.client.get_metric_history(trial.run_id, "accuracy")
        steps = sorted(m.step for m in history)
        # pruned at a step it reported; the kill lands while the next epoch may still log
        assert int(run.data.tags[spec.STUDY_PRUNED_AT]) in steps and steps[-1] < 5, steps
        outputs = [a.path for a in store.client.list_artifacts(trial.run_id, spec.OUTPUT_DIR)]
        assert outputs, "a pruned trial keeps its executed notebook"
    with open(store.client.download_artifacts(found["run_id"], spec.STUDY_TRIALS)) as handle:
        rows = json.load(handle)["trials"]
    assert sum(r["state"] == "PRUNED" for r in rows) == len(pruned)


def test_a_killed_driver_resumes_without_losing_or_repeating_a_trial(mlops_notebook):
    nb = mlops_notebook(TRAIN, params=PARAMS)
    started = study(
        nb,
        *("--optimize", "max(accuracy)", "--trials", "5", "--seed", "2", "--pruner", "none"),
        *("--sweep", "learning_rate=0.01:1.0:log", "--sweep", "epoch_s=0.2"),
        *("--max-concurrency", "1"),
        wait=False,
    )
    parent = started["run_id"]
    store = Store(_uri())
    wait_until(lambda: len(trials_of(parent)) >= 2, what="two trials")
    driver = psutil.Process(int(store.run(parent).data.tags[spec.STUDY_DRIVER_PID]))
    driver.send_signal(signal.SIGKILL)
    driver.wait(10)
    before = {t.run_id: t.parameters for t in trials_of(parent)}
    assert store.run(parent).info.status == "RUNNING"
    resumed = run_cli("resume", parent, "--wait")
    assert resumed.returncode == 0, resumed.stderr
    trials = trials_of(parent)
    assert numbers(parent) == list(range(5))
    assert {t.run_id: t.parameters for t in trials if t.run_id in before} == before
    assert {t.status for t in trials} == {"FINISHED"}
    again = run_cli("resume", parent)
    assert again.returncode == 2 and "has ended (FINISHED)" in again.stderr


def test_a_study_whose_notebook_never_logs_the_objective_stops_with_a_clear_reason(
    mlops_notebook,
):
    nb = mlops_notebook("import jupyter_mlops\njupyter_mlops.log({'accuracy': 0.9})", params=PARAMS)
    found = study(nb, "--optimize", "min(loss)", "--trials", "6", "--sweep", "max_depth=1:4")
    job = jupyter_mlops.wait_for_job(found["run_id"], raise_on_failure=False)
    assert (job.status, job.failure_reason) == ("FAILED", "study stopped")
    assert "without logging the objective metric 'loss'" in job.evalue
    assert "accuracy" in job.evalue  # what it did log
    assert len(trials_of(found["run_id"])) < 6


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trials", "0"], "--trials must be a whole number of at least 1"),
        (["--trials", "3", "--sampler", "bayes"], "use tpe, random, cmaes, qmc, grid"),
        (["--trials", "3", "--pruner", "asha"], "use median, hyperband, none"),
        (["--trials", "3", "--sampler", "grid"], "--sampler grid walks listed values"),
        (["--trials", "3", "--sample", "4"], "--optimize and --sample both choose"),
        ([], "--optimize needs --trials N"),
    ],
)
def test_bad_study_options_are_refused_before_anything_runs(mlops_notebook, options, message):
    nb = mlops_notebook("pass", params=PARAMS)
    done = run_cli("run", str(nb), "--optimize", "max(accuracy)", "--sweep",
                   "max_depth=1:4", *options)  # fmt: skip
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert jupyter_mlops.list_jobs() == []


def test_study_options_without_optimize_and_an_objective_typo_are_refused(mlops_notebook):
    nb = mlops_notebook("pass", params=PARAMS)
    typo = run_cli("run", str(nb), "--optimize", "best accuracy", "--trials", "2",
                   "--sweep", "max_depth=1:4")  # fmt: skip
    assert typo.returncode == 2 and "max(METRIC) or min(METRIC)" in typo.stderr
    stray = run_cli("run", str(nb), "--trials", "3", "--sweep", "max_depth=1,2")
    assert stray.returncode == 2 and "--trials belongs to a study" in stray.stderr
    ranged = run_cli("run", str(nb), "--sweep", "max_depth=1:4")
    assert ranged.returncode == 2 and "add --sample N" in ranged.stderr
    assert jupyter_mlops.list_jobs() == []


def test_the_search_space_follows_the_typed_parameters_contract(mlops_notebook):
    from jupyter_mlops.jobs.request import JobRequest
    from jupyter_mlops.jobs.snapshot import read_snapshot
    from jupyter_mlops.jobs.study.space import distributions

    nb = mlops_notebook("pass", params=PARAMS + "\nkernel: str = 'rbf'")
    _, contract = read_snapshot(nb, None, ())
    request = JobRequest(
        notebook=nb,
        sweep={
            "learning_rate": ["1e-4:1e-1:log"],
            "max_depth": ["2:10"],
            "kernel": ["rbf", "linear"],
        },
        from_text=True,
        optimize="max(accuracy)",
        trials=4,
    )
    plan = StudyPlan.of(request, contract)
    made = distributions(plan.space)
    assert type(made["max_depth"]).__name__ == "IntDistribution"
    assert (made["max_depth"].low, made["max_depth"].high) == (2, 10)
    assert type(made["learning_rate"]).__name__ == "FloatDistribution"
    assert made["learning_rate"].log and made["learning_rate"].low == pytest.approx(1e-4)
    assert made["kernel"].choices == ("rbf", "linear")
    assert StudyPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    with pytest.raises(InvalidParameterError, match="whole numbers"):
        StudyPlan.of(request.replace(sweep={"max_depth": ["1.5:4"]}), contract)


def test_report_needs_a_run_and_a_whole_step():
    with pytest.raises(MlopsError, match="No run to report to"):
        jupyter_mlops.report(0, 0.5)
    with pytest.raises(MlopsError, match="whole step"):
        jupyter_mlops.report(-1, 0.5)


def test_fail_fast_stops_the_study_at_the_first_failed_trial(mlops_notebook):
    nb = mlops_notebook("assert max_depth < 3, 'too deep'", params=PARAMS)
    found = study(
        nb,
        *("--optimize", "max(accuracy)", "--trials", "6", "--sweep", "max_depth=3,4"),
        *("--fail-fast", "--max-concurrency", "1"),
    )
    job = jupyter_mlops.wait_for_job(found["run_id"], raise_on_failure=False)
    assert (job.status, job.failure_reason) == ("FAILED", "study stopped")
    assert job.evalue.startswith("fail-fast: trial 0")
    (trial,) = trials_of(found["run_id"])
    assert (trial.status, trial.ename, trial.evalue) == ("FAILED", "AssertionError", "too deep")


def test_cancelling_a_study_stops_its_trials_and_its_driver(mlops_notebook):
    nb = mlops_notebook("import time\ntime.sleep(60)", params=PARAMS)
    started = study(nb, "--optimize", "max(accuracy)", "--trials", "4", "--sweep",
                    "max_depth=1:4", "--max-concurrency", "2", wait=False)  # fmt: skip
    parent = started["run_id"]
    wait_until(lambda: [t.status for t in trials_of(parent)] == ["RUNNING"] * 2, what="running")
    driver = psutil.Process(int(Store(_uri()).run(parent).data.tags[spec.STUDY_DRIVER_PID]))
    cancelled = run_cli("cancel", parent)
    assert cancelled.returncode == 0 and f"{parent} KILLED" in cancelled.stdout
    assert [t.status for t in trials_of(parent)] == ["KILLED"] * 2
    driver.wait(30)  # it saw its study end, and asked for nothing more
    assert len(trials_of(parent)) == 2


def test_timeout_total_asks_no_trial_after_it(mlops_notebook):
    nb = mlops_notebook("import time\ntime.sleep(2)", "import jupyter_mlops\njupyter_mlops.log({'accuracy': 1})",
                        params=PARAMS)  # fmt: skip
    found = study(nb, "--optimize", "max(accuracy)", "--trials", "20", "--sweep",
                  "max_depth=1:4", "--max-concurrency", "1", "--timeout-total", "8s")  # fmt: skip
    job = jupyter_mlops.wait_for_job(found["run_id"])
    trials = trials_of(found["run_id"])
    assert 1 <= len(trials) < 20 and {t.status for t in trials} == {"FINISHED"}
    parent = Store(_uri()).run(found["run_id"])
    assert parent.data.metrics["trials_complete"] == len(trials)
    submitted = float(parent.data.tags[spec.SUBMITTED_AT])
    assert all(t.start_time / 1000 < submitted + 8 for t in trials), job
