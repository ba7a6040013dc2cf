"""One request object for every surface, checked when built; one submission reads its notebook
once, and a launched job's process creates its run from what was checked."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from jupyter_mlops.cli import build_parser as cli_parser
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import InvalidParameterError, InvalidRequestError
from jupyter_mlops.jobs.executors.local import LocalExecutor
from jupyter_mlops.jobs.query import wait_for_jobs
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.jobs.snapshot import read_snapshot
from jupyter_mlops.jobs.submit import submit
from jupyter_mlops.jobs.sweeps import sweep_points
from jupyter_mlops.limits import LimitError
from jupyter_mlops.magics import build_parser
from jupyter_mlops.run_options import job_request
from jupyter_mlops.server.job_handlers import job_request as rest_job_request
from jupyter_mlops.server.models import CreateJob
from jupyter_mlops.tracking import get_client, read_artifact_text

PARAMS = "alpha: float = 0.1\nepochs: int = 2\nname = 'a'"


def test_the_four_surfaces_build_the_same_request(mlops_notebook, mlops_env):
    """CLI, %mlops run, the launcher widget and POST mlops/jobs: same input, same request."""
    nb = mlops_notebook("x = 1", params=PARAMS, name="train.ipynb")
    words = ["-p", "epochs", "5", "--sweep", "alpha=0.1,1", "--executor", "local"]
    cli = cli_parser().parse_args(["run", str(nb), *words])
    magic = build_parser().parse_args(["run", *words, "--notebook", str(nb)])
    from_cli = job_request(cli, cli.notebook)
    from_magic = job_request(magic, nb)

    from jupyter_mlops.widgets.launch_form import Launcher

    form = Launcher(str(nb), "local")
    form.values["epochs"].value = 5
    form.sweeps["alpha"].value = "0.1,1"
    from_widget = form.request()

    body = CreateJob(path="train.ipynb", parameters={"epochs": 5}, sweep={"alpha": [0.1, 1]})
    from_rest = rest_job_request(body, str(mlops_env), "local", None)

    assert from_cli == from_magic  # both parse the same options into the same text
    assert from_cli.parameters == {"epochs": "5"} and from_cli.sweep == {"alpha": ["0.1", "1"]}
    assert from_cli.notebook == nb.resolve() and from_cli.is_sweep
    # The form and the JSON body carry typed values where the CLI carries text: each request
    # plans the same runs, and asks for the same thing otherwise.
    _, contract = read_snapshot(nb, None, ())

    def planned(request: JobRequest) -> tuple[JobRequest, list[dict[str, object]]]:
        rest = request.replace(parameters={}, sweep={"alpha": []}, from_text=False)
        return rest, sweep_points(request, contract)

    expected = planned(from_cli)
    assert expected[1] == [{"epochs": 5, "alpha": 0.1}, {"epochs": 5, "alpha": 1.0}]
    assert planned(from_widget) == expected
    assert planned(from_rest) == expected


@pytest.mark.parametrize(
    ("options", "error", "fragment"),
    [
        ({"timeout": 0}, InvalidParameterError, "timeout must be a positive number"),
        ({"timeout": "soon"}, InvalidParameterError, "timeout must be a positive number"),
        ({"sample": 3}, InvalidRequestError, "apply to a sweep"),
        ({"seed": 0}, InvalidRequestError, "need --sweep"),
        ({"fail_fast": True}, InvalidRequestError, "apply to a sweep"),
        ({"sweep": {"a": [1]}, "max_concurrency": 0}, InvalidParameterError, "at least 1"),
        ({"sweep": {"a": [1]}, "max_concurrency": 1.5}, InvalidParameterError, "whole number"),
        ({"sweep": {"a": [1]}, "sample": 0}, InvalidParameterError, "--sample must be"),
        ({"sweep": [1, 2]}, InvalidParameterError, "sweep must map parameter names"),
        ({"resources": "GPU"}, InvalidParameterError, "Expected --resources NAME=AMOUNT"),
        ({"timeout": float("inf")}, InvalidParameterError, "timeout must be a positive number"),
        ({"sweep": {"a": ["1:2"]}, "sample": 10**12}, LimitError, "--sample is 1,000,000,000,000"),
        ({"sweep": {"a": list(range(101)), "b": list(range(100))}}, LimitError, "is 10,100"),
        (
            {
                "parameters": {
                    "a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
                }
            },
            LimitError,
            "deep",
        ),
        ({"parameters": {"a": "x" * 6001}}, LimitError, "over the limit of 6,000"),
        ({"parameters": {f"p{i}": "x" * 900 for i in range(9)}}, LimitError, "of 8,000"),
        ({"include": ["a"] * 1001}, LimitError, "included paths is 1,001"),
        ({"experiment": "e" * 501}, LimitError, "experiment name is 501"),
        ({"kernel_name": "../k"}, InvalidRequestError, "is not a kernel name"),
        ({"kernel_name": ".."}, InvalidRequestError, "is not a kernel name"),
        ({"tags": {"t": "\ud800"}}, LimitError, "not valid Unicode"),
    ],
)
def test_a_request_is_checked_when_it_is_built(tmp_path, options, error, fragment):
    with pytest.raises(error, match=fragment):
        JobRequest(notebook=tmp_path / "x.ipynb", **options)


def test_a_value_as_deep_as_the_limit_is_accepted(tmp_path):
    from jupyter_mlops import limits

    value = 1
    for _ in range(limits.MAX_JSON_DEPTH):
        value = [value]
    request = JobRequest(notebook=tmp_path / "x.ipynb", parameters={"a": value})
    assert request.parameters == {"a": value}
    with pytest.raises(LimitError, match="a sweep value of 'a' nests"):
        JobRequest(notebook=tmp_path / "x.ipynb", sweep={"a": [[value]]})


def test_the_cli_refuses_a_sweep_over_the_limit_before_reading_the_notebook(tmp_path):
    from conftest import run_cli

    done = run_cli("run", str(tmp_path / "missing.ipynb"), "--sweep", "a=1:9", "--sample", "1e12")
    assert done.returncode == 2
    done = run_cli(
        "run", str(tmp_path / "missing.ipynb"), "--sweep", "a=1:9", "--sample", str(10**12)
    )
    assert done.returncode == 2 and "over the limit of 10,000" in done.stderr, done.stderr


def test_submitting_reads_the_notebook_once(mlops_notebook):
    nb = mlops_notebook("y = alpha * 2", params="alpha = 1", name="once.ipynb")
    opened: list[str] = []
    watching = threading.Event()

    def hook(event: str, args: tuple[object, ...]) -> None:
        if watching.is_set() and event == "open" and str(args[0]) == str(nb):
            opened.append(event)

    sys.addaudithook(hook)  # cannot be removed: it only counts while ``watching`` is set
    watching.set()
    try:
        submission = submit(JobRequest(notebook=nb, parameters={"alpha": 3}))
    finally:
        watching.clear()
    assert len(opened) == 1
    [job] = submission.wait()
    assert job.status == "FINISHED" and job.parameters == {"alpha": 3}


def test_a_launched_process_creates_its_run_from_the_snapshot_it_is_given(mlops_notebook):
    """The job's process never reads the notebook: it runs what was checked, even when the
    file has changed or gone since."""
    nb = mlops_notebook("z = 41 + 1", name="gone.ipynb")
    snapshot, _ = read_snapshot(nb, None, ())
    nb.unlink()
    settings = get_settings()
    line = LocalExecutor().launch(
        settings,
        {
            "tracking_uri": settings.tracking_uri,
            "snapshot": snapshot.to_dict(),
            "experiment": None,
            "parameters": {},
            "timeout": None,
            "kernel_name": None,
            "tags": {"team": "risk"},
        },
    )
    with line:
        created = line.read()
        assert created is not None and "created" in created, created
        run_id = created["created"]["run_id"]
        while (message := line.read()) is not None and "ended" not in message:
            pass
    [job] = wait_for_jobs([run_id])
    assert job.status == "FINISHED"
    uri = settings.tracking_uri
    assert read_artifact_text(uri, run_id, f"input/{nb.name}") == snapshot.text
    run = get_client(uri).get_run(run_id)
    assert run.data.tags["team"] == "risk"
    assert run.data.tags["mlops.job.notebook"] == str(Path(snapshot.path))
