"""A failed job says what papermill says of the same notebook: the exception's name and value,
and the cell as the user knows it (``In [N]``), on the API, the CLI and the REST view."""

from __future__ import annotations

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from jupyter_mlops.jobs.query import failure_message
from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.jobs.submit import submit


def notebook(folder, name: str, failing: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# a title"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(failing),
        nbformat.v4.new_code_cell("print('never')"),
    ]
    path = folder / name
    nbformat.write(nb, path)
    return path


def papermill_says(path, tmp_path) -> PapermillExecutionError:
    with pytest.raises(PapermillExecutionError) as caught:
        papermill.execute_notebook(str(path), str(tmp_path / f"pm-{path.name}"), progress_bar=False)
    return caught.value


@pytest.mark.parametrize(
    ("failing", "ename", "evalue"),
    [
        ("raise ValueError('x must be positive')", "ValueError", "x must be positive"),
        ("class Empty(Exception):\n    pass\nraise Empty()", "Empty", ""),
        ("%no_such_magic", "UsageError", "Line magic function `%no_such_magic` not found."),
        ("import no_such_module_here", "ModuleNotFoundError", "No module named"),
    ],
    ids=["value", "empty-value", "unknown-magic", "missing-module"],
)
def test_a_failed_job_names_the_cell_and_exception_as_papermill_does(
    mlops_env, tmp_path, failing, ename, evalue
):
    path = notebook(mlops_env, "fails.ipynb", failing)
    peer = papermill_says(path, tmp_path)

    [job] = submit(JobRequest(notebook=path)).wait()

    assert job.status == "FAILED" and job.failure_reason == "cell error"
    assert f'Exception encountered at "{job.failed_cell_label}"' in str(peer)
    assert job.failed_cell_label == "In [2]"
    assert job.ename == ename
    assert (job.evalue or "").startswith(evalue)
    if peer.ename != "CellExecutionError":  # papermill knew the name: the same one
        assert (peer.ename, peer.evalue) == (job.ename, job.evalue)
    message = failure_message(job)
    assert " at In [2]: " + ename in message
    assert ": ." not in message and not message.rstrip(". ").endswith(":")


def test_papermills_output_timeout_is_not_called_a_job_timeout():
    from nbclient.exceptions import CellTimeoutError

    from jupyter_mlops.jobs.outcome import failure_outcome

    outcome = failure_outcome(CellTimeoutError("Timeout waiting for IOPub output"), None, None, 3)

    assert (outcome.status, outcome.reason, outcome.cell_index) == ("FAILED", "cell error", 3)
    assert "print less" in (outcome.evalue or "")
    killed = failure_outcome(CellTimeoutError("Cell execution timed out"), "timeout", 5, 3)
    assert killed.reason == "timeout"  # the job's own timeout, as before


def test_a_flood_of_output_is_stored_cut_with_a_marker(mlops_env):
    from jupyter_mlops.jobs.stored_output import MAX_OUTPUT_CHARS

    path = notebook(
        mlops_env,
        "flood.ipynb",
        "import sys, base64\n"
        "print('x' * 3_000_000)\n"
        "from IPython.display import display\n"
        "display({'image/png': base64.b64encode(b'p' * 2_000_000).decode()}, raw=True)",
    )

    [job] = submit(JobRequest(notebook=path)).wait()

    assert job.status == "FINISHED", failure_message(job)
    from jupyter_mlops.config import get_settings
    from jupyter_mlops.tracking import read_artifact_text

    stored = read_artifact_text(get_settings().tracking_uri, job.run_id, "output/flood.ipynb")
    nb = nbformat.reads(stored, as_version=4)
    [flood] = [c for c in nb.cells if "3_000_000" in c.source]
    outputs = flood.outputs
    printed = "".join(o.text for o in outputs if o.get("name") == "stdout")
    assert printed == "x" * MAX_OUTPUT_CHARS  # kept up to the limit, in however many chunks
    [marker] = [o.text for o in outputs if o.get("name") == "stderr"]
    assert "characters of output cut" in marker and f"{MAX_OUTPUT_CHARS:,}" in marker
    [image] = [o for o in outputs if o.output_type == "display_data"]
    assert "image/png" not in image.data and "left out" in image.data["text/plain"]
    assert len(stored) < 2 * MAX_OUTPUT_CHARS
