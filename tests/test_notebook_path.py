"""Which notebook a kernel belongs to: each source, their order, and the error naming --notebook."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import NotebookError
from jupyter_mlops.notebook_path import find_notebook


@pytest.fixture
def mlops_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


def test_jupyter_session_absolute_relative_and_in_the_kernel_folder(
    mlops_notebook, mlops_env, monkeypatch
):
    path = mlops_notebook("x = 1", name="sub/a.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    assert find_notebook() == path.resolve()
    monkeypatch.setenv("JPY_SESSION_NAME", "sub/a.ipynb")  # relative to the working folder
    assert find_notebook() == path.resolve()
    monkeypatch.chdir(mlops_env / "sub")  # a kernel runs in its notebook's folder
    monkeypatch.setenv("JPY_SESSION_NAME", "elsewhere/sub/a.ipynb")
    assert find_notebook() == path.resolve()


def test_vscode_and_papermill_names_in_the_namespace(mlops_notebook, mlops_no_session):
    path = mlops_notebook("x = 1")
    assert find_notebook(user_ns={"__vsc_ipynb_file__": str(path)}) == path.resolve()
    assert find_notebook(user_ns={"PAPERMILL_INPUT_PATH": str(path)}) == path.resolve()


def test_a_job_wins_over_an_inherited_session(mlops_notebook, monkeypatch):
    job = mlops_notebook("x = 1", name="job.ipynb")
    other = mlops_notebook("x = 1", name="other.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(other))
    monkeypatch.setenv("JUPYTER_MLOPS_NOTEBOOK", str(job))
    assert find_notebook() == job.resolve()


def test_explicit_path_wins_and_must_exist(mlops_notebook, monkeypatch):
    explicit = mlops_notebook("x = 1", name="mine.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(mlops_notebook("x = 1", name="s.ipynb")))
    assert find_notebook("mine.ipynb") == explicit.resolve()
    with pytest.raises(
        NotebookError, match=r"Notebook not found: gone\.ipynb\. Check the --notebook"
    ):
        find_notebook("gone.ipynb")


def test_nothing_found_says_to_pass_the_notebook(mlops_no_session, monkeypatch):
    with pytest.raises(NotebookError, match="Pass it explicitly: --notebook PATH"):
        find_notebook()
    monkeypatch.setenv("JPY_SESSION_NAME", "/nowhere/renamed.ipynb")
    with pytest.raises(NotebookError, match=r"names /nowhere/renamed\.ipynb, which does not exist"):
        find_notebook(user_ns={"__vsc_ipynb_file__": 42})
