"""Notebooks nobody on this team wrote run as jobs end as papermill says they end.

Each of papermill's own test notebooks (shipped in its wheel) is run twice in one test: by bare
papermill, the reference, and as a user runs it, ``jupyter mlops run NOTEBOOK --wait``. A
notebook papermill runs through must end FINISHED; one it raises on must end FAILED with
papermill's exception name and value and its failing cell (index and ``In [N]``), and the
executed notebook kept on the run must show the same cells run with the same output. Where
jupyter-mlops says more than papermill, or refuses a notebook before making a run, the test
says so. Then the examples of statsmodels' and scikit-learn's source distributions (fetched
from PyPI with pip, cached) run as jobs that register the model they fit, which must load
back from the registry and predict what the notebook predicted.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from subprocess import PIPE

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from conftest import run_cli
from corpus_support import (
    append_cell,
    cells_run,
    notebook_from_script,
    papermill_notebook,
    papermill_reference,
    sdist,
    stderr_of,
    stored_notebook,
)

import jupyter_mlops
from jupyter_mlops.config import get_settings
from jupyter_mlops.tracking import get_client

# Ones that end as papermill says they end, with nothing more to say; each runs offline in a
# second or two. Left out: keyboard_interrupt (interrupts the kernel), binder (runs papermill
# from a source checkout), test_logging (needs ggplot), sysexit0 and result_no_exec (what
# systemexit and simple_execute show), and the fixtures of papermill's own API tests.
SAME_VERDICT = [
    "simple_execute.ipynb",  # a parameters cell, a markdown cell last
    "nb_version_4.4.ipynb",  # nbformat 4.4, with stale execution counts
    "no_parameters.ipynb",  # an empty code cell, which papermill does not execute
    "systemexit.ipynb",  # a bare `raise SystemExit`: papermill stops there and calls it success
    "broken.ipynb",  # Python 2 print: SyntaxError in the first cell (index 0)
    "broken1.ipynb",  # markdown cells, and papermill's error cells from an earlier run
    "broken2.ipynb",  # an ImportError naming a path of this machine
    "sysexit1.ipynb",  # SystemExit: 1
]


def start_job(path: Path, *options: str) -> subprocess.Popen[str]:
    """``jupyter mlops run PATH --wait --json`` as a user runs it, in the background so that
    papermill's reference run goes on meanwhile (this machine has 2 cores)."""
    argv = [sys.executable, "-m", "jupyter_mlops.cli", "run", str(path), *options, "--wait"]
    return subprocess.Popen([*argv, "--json"], stdout=PIPE, stderr=PIPE, text=True)


def job_result(started: subprocess.Popen[str]) -> tuple[int, dict]:
    """The exit code of a started ``run --wait --json`` and the job it describes."""
    out, err = started.communicate(timeout=300)
    assert started.returncode in (0, 1), err
    [job] = json.loads(out)["jobs"]
    return started.returncode, job


def failing_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    [cell] = [c for c in nb.cells if c.metadata.get("papermill", {}).get("exception")]
    return cell


def code_cells_reached(nb: nbformat.NotebookNode) -> int:
    """Code cells papermill ran or tried (an empty one too), not those left ``pending``."""
    status = [
        c.metadata.get("papermill", {}).get("status") for c in nb.cells if c.cell_type == "code"
    ]
    return sum(1 for s in status if s in ("completed", "failed"))


@pytest.mark.parametrize("name", SAME_VERDICT)
def test_a_job_ends_as_papermill_says_the_notebook_ends(mlops_env, tmp_path, name):
    src = papermill_notebook(name, mlops_env / name)
    started = start_job(src)
    raised, reference = papermill_reference(src, tmp_path / f"papermill-{name}")

    code, job = job_result(started)

    kept = stored_notebook(job["run_id"], name)  # kept on the run, failed or not
    assert cells_run(kept) == cells_run(reference)  # the same cells ran and said the same
    assert job["cells_done"] == code_cells_reached(reference)
    if raised is None:
        assert (code, job["status"], job["failure_reason"]) == (0, "FINISHED", None), job
        assert (job["ename"], job["evalue"], job["failed_cell"]) == (None, None, None)
        return
    assert (code, job["status"], job["failure_reason"]) == (1, "FAILED", "cell error"), job
    assert (job["ename"], job["evalue"]) == (raised.ename, raised.evalue)
    assert job["failed_cell"] == raised.cell_index  # papermill's index, markdown cells counted
    assert job["failed_cell_label"] == f"In [{raised.exec_count}]"
    assert f'Exception encountered at "{job["failed_cell_label"]}"' in str(raised)
    cell = failing_cell(kept)
    assert (cell.source, cell.execution_count) == (raised.source, raised.exec_count)
    assert [o.ename for o in cell.outputs if o.output_type == "error"] == [raised.ename]


def test_an_unknown_line_magic_is_named_where_papermill_names_no_exception(mlops_env, tmp_path):
    name = "line_magic_error.ipynb"
    src = papermill_notebook(name, mlops_env / name)
    started = start_job(src)
    raised, reference = papermill_reference(src, tmp_path / name)
    assert raised is not None

    code, job = job_result(started)

    assert (code, job["status"], job["failure_reason"]) == (1, "FAILED", "cell error"), job
    assert job["failed_cell"] == raised.cell_index
    assert job["failed_cell_label"] == f"In [{raised.exec_count}]"
    assert cells_run(stored_notebook(job["run_id"], name)) == cells_run(reference)
    # Differs on purpose: a UsageError goes only to stderr, where we read it (jobs/outcome.py).
    assert (raised.ename, raised.evalue) == ("CellExecutionError", "")
    assert job["ename"] == "UsageError" and job["evalue"]
    assert f"{job['ename']}: {job['evalue']}" in stderr_of(failing_cell(reference))


def test_a_parameters_cell_that_is_not_python_is_refused_before_any_run(mlops_env, tmp_path):
    name = "complex_parameters.ipynb"
    src = papermill_notebook(name, mlops_env / name)
    raised, _ = papermill_reference(src, tmp_path / name)
    assert raised is not None and (raised.ename, raised.cell_index) == ("SyntaxError", 0)
    what, line = re.fullmatch(r"(.+) \(.+, line (\d+)\)", raised.evalue).groups()

    refused = run_cli("run", str(src), "--wait")

    # Differs on purpose: the parameters cell is a typed contract, parsed before any run exists.
    assert refused.returncode == 2, refused.stderr
    assert f"parameters cell is not valid Python (line {line}: {what})" in refused.stderr
    assert jupyter_mlops.list_jobs() == []


def test_a_notebook_naming_no_kernel_needs_one_named_as_papermill_does(mlops_env, tmp_path):
    name = "blank-vscode.ipynb"
    src = papermill_notebook(name, mlops_env / name)
    refused = run_cli("run", str(src), "--wait")
    started = start_job(src, "--kernel", "python3")
    with pytest.raises(ValueError, match="No kernel name found"):  # papermill, with no -k
        papermill.execute_notebook(str(src), str(tmp_path / "unnamed.ipynb"), progress_bar=False)
    raised, reference = papermill_reference(src, tmp_path / name)  # `-k python3`: it runs
    assert raised is None

    code, job = job_result(started)

    # Differs on purpose: refused before any run exists, saying what to pass (_check_runnable).
    assert refused.returncode == 2, refused.stderr
    assert "names no kernel" in refused.stderr and "--kernel" in refused.stderr
    assert (code, job["status"]) == (0, "FINISHED"), job
    assert cells_run(stored_notebook(job["run_id"], name)) == cells_run(reference)
    assert [j.run_id for j in jupyter_mlops.list_jobs()] == [job["run_id"]]


def test_a_parameter_is_injected_as_papermill_injects_it(mlops_env, tmp_path):
    name, value = "simple_execute.ipynb", "héllo 'wörld' \"x\""
    src = papermill_notebook(name, mlops_env / name)
    started = start_job(src, "-p", "msg", value)
    raised, reference = papermill_reference(src, tmp_path / name, {"msg": value})
    assert raised is None

    code, job = job_result(started)

    assert (code, job["status"], job["parameters"]) == (0, "FINISHED", {"msg": value}), job
    kept = stored_notebook(job["run_id"], name)

    def injected(nb):
        return [c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]

    assert len(injected(reference)) == 1 and injected(kept) == injected(reference)
    assert cells_run(kept) == cells_run(reference)
    assert (value + "\n") in {said for *_, said in cells_run(kept)}  # print(msg) printed it


def test_a_failing_notebook_with_an_odd_file_name_keeps_its_name_and_its_facts(tmp_path):
    name = "odd name é.ipynb"
    src = papermill_notebook("broken1.ipynb", tmp_path / name)
    run_id = jupyter_mlops.submit_job(src)
    raised, reference = papermill_reference(src, tmp_path / "papermill.ipynb")
    assert raised is not None

    job = jupyter_mlops.wait_for_job(run_id, raise_on_failure=False)

    assert (job.status, job.failure_reason) == ("FAILED", "cell error"), job
    assert Path(job.notebook).name == name and job.name == Path(name).stem
    facts = (job.ename, job.evalue, job.failed_cell, job.failed_cell_label)
    assert facts == (raised.ename, raised.evalue, raised.cell_index, f"In [{raised.exec_count}]")
    kept = stored_notebook(job.run_id, name)
    assert cells_run(kept) == cells_run(reference)
    assert failing_cell(kept).source == raised.source


# -- models from public projects' examples -----------------------------------------------------
REGISTER_CELL = """
import json
import numpy as np
import jupyter_mlops

_rows = {rows}
_reg = jupyter_mlops.register({model}, {name!r}, input_example=_rows)
with open({expected!r}, "w") as _out:
    json.dump({{
        "columns": list(getattr(_rows, "columns", [])) or None,
        "rows": np.asarray(_rows).tolist(),
        "predicted": np.asarray({model}.predict(_rows), dtype=float).tolist(),
        "flavor": _reg.flavor,
    }}, _out)
"""


def run_registering(nb, tmp_path, model: str, rows: str, name: str) -> tuple[object, dict]:
    """Run ``nb`` as a job with a last cell registering ``model`` as ``name``: the version, which
    loaded back with ``jupyter_mlops.load_model`` predicts what the notebook did, and what the
    notebook said."""
    expected = tmp_path / f"{name}.json"
    append_cell(nb, REGISTER_CELL.format(model=model, rows=rows, name=name, expected=str(expected)))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)

    job = jupyter_mlops.wait_for_job(jupyter_mlops.submit_job(path))  # raises if it failed

    said = json.loads(expected.read_text())
    uri = get_settings().tracking_uri
    [version] = get_client(uri).search_model_versions(f"name='{name}'")
    assert version.run_id == job.run_id
    rows_back = np.asarray(said["rows"])
    if said["columns"]:
        rows_back = pd.DataFrame(rows_back, columns=said["columns"])
    predicted = np.asarray(jupyter_mlops.load_model(name).predict(rows_back), dtype=float)
    np.testing.assert_allclose(predicted.ravel(), said["predicted"], rtol=1e-9)
    return version, said


@pytest.fixture(scope="session")
def statsmodels_sdist() -> Path:
    statsmodels = pytest.importorskip("statsmodels")
    return sdist("statsmodels", statsmodels.__version__)


@pytest.mark.parametrize(
    ("example", "model", "rows"),
    [("ols", "ols_results", "X.iloc[:5]"), ("glm", "gauss_log_results", "X[:5]")],
)
def test_a_statsmodels_example_registers_its_fitted_results(
    statsmodels_sdist, tmp_path, example, model, rows
):
    with tarfile.open(statsmodels_sdist) as tar:
        [member] = [m for m in tar.getmembers() if m.name.endswith(f"notebooks/{example}.ipynb")]
        nb = nbformat.reads(tar.extractfile(member).read().decode(), as_version=4)

    version, said = run_registering(nb, tmp_path, model, rows, f"corpus-statsmodels-{example}")

    assert version.tags["mlops.flavor"] == said["flavor"] == "statsmodels"


@pytest.fixture(scope="session")
def sklearn_sdist() -> Path:
    import sklearn

    return sdist("scikit-learn", sklearn.__version__)


def test_a_scikit_learn_example_script_registers_its_estimator(sklearn_sdist, tmp_path):
    with tarfile.open(sklearn_sdist) as tar:
        [member] = [m for m in tar.getmembers() if m.name.endswith("linear_model/plot_nnls.py")]
        nb = notebook_from_script(tar.extractfile(member).read().decode())

    version, said = run_registering(nb, tmp_path, "reg_nnls", "X_test[:5]", "corpus-sklearn-nnls")

    assert version.tags["mlops.flavor"] == said["flavor"] == "sklearn"
