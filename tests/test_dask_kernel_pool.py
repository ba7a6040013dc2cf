"""A Dask worker started with ``--preload jupyter_mlops.jobs.kernel_pool`` keeps fresh kernels
ready; each job takes one for itself alone. A real scheduler, worker, kernels and MLflow server."""

from __future__ import annotations

import json

import psutil
import pytest
from dask_support import DaskCluster

from jupyter_mlops import submit_job, wait_for_job
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import ConfigError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.kernel_pool import KernelPool
from jupyter_mlops.tracking import get_client, read_artifact_text

PROBE = (
    "import json, os\n"
    "print(json.dumps({'pid': os.getpid(), 'run': os.environ.get('MLFLOW_RUN_ID'), "
    "'cwd': os.getcwd(), 'leak': 'leak' in globals()}))\n"
    "leak = 1"
)


@pytest.fixture
def pooled_cluster(tmp_path, mlops_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlops_server.uri)
    monkeypatch.setenv("JUPYTER_MLOPS_KERNEL_POOL_SIZE", "1")
    cluster = DaskCluster(tmp_path / "dask", preload=("jupyter_mlops.jobs.kernel_pool",))
    try:
        yield cluster.start(("pooled",))
    finally:
        from jupyter_mlops.jobs.executors.dask import close_clients

        close_clients()
        cluster.stop()


def _probe(run_id: str, name: str) -> dict:
    uri = get_settings().tracking_uri
    cells = json.loads(read_artifact_text(uri, run_id, f"output/{name}"))["cells"]
    return json.loads("".join(cells[-1]["outputs"][0]["text"]))


def test_each_job_takes_a_fresh_kernel_from_the_pool(pooled_cluster, mlops_notebook):
    nb = mlops_notebook(PROBE, params="x = 1", name="probe.ipynb")
    client = get_client(get_settings().tracking_uri)
    seen = []
    for value in (1, 2):
        run_id = submit_job(nb, {"x": value}, executor=pooled_cluster.executor)
        assert wait_for_job(run_id).status == "FINISHED"
        run = client.get_run(run_id)
        assert run.data.tags.get(spec.KERNEL_READY) == "pool"
        probe = _probe(run_id, nb.name)
        assert probe["run"] == run_id  # the pooled kernel was given this job's variables
        assert probe["cwd"] != str(nb.parent) and "mlops-job-" in probe["cwd"]
        assert probe["leak"] is False  # nothing of an earlier job is in this kernel
        seen.append(probe["pid"])
    assert seen[0] != seen[1], "a kernel was given to two jobs"
    assert not psutil.pid_exists(seen[0]) or psutil.Process(seen[0]).status() == "zombie"


def test_a_kernel_name_not_pooled_starts_as_usual(pooled_cluster, mlops_notebook, tmp_path):
    """The pool holds python3 kernels only; a job asking for another kernel gets a cold one."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("no python3 kernelspec")
    nb = mlops_notebook(PROBE, name="probe.ipynb")
    # Same interpreter, other name: a kernelspec in a folder the worker and this process see.
    spec_dir = tmp_path / "kernels" / "other"
    spec_dir.mkdir(parents=True)
    native = KernelSpecManager().get_kernel_spec("python3")
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": native.argv, "display_name": "Other", "language": "python"})
    )
    pooled_cluster.stop()
    pooled_cluster.env["JUPYTER_PATH"] = str(tmp_path)
    pooled_cluster.start(("pooled",))
    run_id = submit_job(nb, kernel_name="other", executor=pooled_cluster.executor)
    assert wait_for_job(run_id).status == "FINISHED"
    run = get_client(get_settings().tracking_uri).get_run(run_id)
    assert spec.KERNEL_READY not in run.data.tags
    assert _probe(run_id, nb.name)["run"] == run_id


def test_bad_pool_settings_are_refused(monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_KERNEL_POOL_SIZE", "two")
    with pytest.raises(ConfigError, match="JUPYTER_MLOPS_KERNEL_POOL_SIZE"):
        KernelPool.from_env()
    with pytest.raises(ConfigError, match="at least 1"):
        KernelPool(size=0)
