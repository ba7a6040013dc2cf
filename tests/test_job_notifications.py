"""A job started by hand is told once when it ends, by the process that ran it, through
apprise to a real HTTP receiver on 127.0.0.1; a sweep's points are not told one by one."""

from __future__ import annotations

import time

import pytest

import jupyter_mlops


@pytest.fixture
def received(mlops_webhook, monkeypatch):
    url, messages = mlops_webhook
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_URLS", url.replace("http://", "json://"))
    return messages


def settle(received: list, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a second message would have come by now


def test_a_finished_and_a_failed_job_are_each_told_once(received, mlops_notebook):
    nb = mlops_notebook("assert x != 13, 'unlucky number'", params="x: int = 1", name="lucky.ipynb")
    good = jupyter_mlops.wait_for_job(jupyter_mlops.submit_job(nb, {"x": 2}))
    bad = jupyter_mlops.wait_for_job(
        jupyter_mlops.submit_job(nb, {"x": 13}), raise_on_failure=False
    )
    settle(received, 2)

    by_title = {m["title"]: m["message"] for m in received}
    assert len(received) == 2, received
    assert by_title["[jupyter-mlops] lucky.ipynb: run finished"] == (
        f"Job lucky.ipynb ran lucky.ipynb: run {good.run_id} finished."
    )
    failed = by_title["[jupyter-mlops] lucky.ipynb: run failed"]
    assert bad.run_id in failed and "AssertionError: unlucky number" in failed


def test_the_points_of_a_sweep_are_not_told_one_by_one(received, mlops_notebook):
    nb = mlops_notebook("y = x * 2", params="x: int = 1", name="swept.ipynb")
    _, children = jupyter_mlops.submit_sweep(nb, {"x": [1, 2, 3]})
    for child in children:
        jupyter_mlops.wait_for_job(child)
    settle(received, 1)
    assert received == []
