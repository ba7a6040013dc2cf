"""Bad and hostile input over REST, against a real Jupyter server and a real ``mlflow server``:
refused up front with the limit or reason named, never a 5xx, and nothing else breaks."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from server_support import mlops_get_error, mlops_post
from tornado.httpclient import HTTPClientError

from jupyter_mlops import limits

pytestmark = pytest.mark.server


@pytest.fixture
def mlops_tracking_uri(mlops_server) -> str:
    return str(mlops_server.uri)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


async def refused(jp_fetch, *parts: str, body: Any, method: str = "POST", **kw: Any):
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    started = time.monotonic()
    code, answer = await mlops_get_error(jp_fetch, *parts, method=method, body=text, **kw)
    assert set(answer) == {"error", "message"}
    return code, answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"sample": 10**12, "sweep": {"x": ["1:9"]}}, "--sample is 1,000,000,000,000"),
        (
            {"sweep": {"x": list(range(200)), "y": list(range(200))}},
            "The number of runs of the sweep grid is 40,000",
        ),
        ({"parameters": {"x": nested(40)}}, f"more than {limits.MAX_JSON_DEPTH} deep"),
        ({"parameters": {"x": "v" * 7000}}, "over the limit of 6,000"),
        ({"experiment": "e" * 100_000}, "The length of the experiment name is 100,000"),
        ({"include": ["a"] * 100_001}, "The number of included paths is 100,001"),
        ({"path": "\ud800.ipynb"}, "not valid Unicode"),
        ({"parameters": {"x": "\ud800"}}, "not valid Unicode"),
    ],
    ids=[
        "huge-sample",
        "huge-grid",
        "deep",
        "long-value",
        "long-name",
        "includes",
        "lone-path",
        "lone-value",
    ],
)
async def test_limits_are_refused_fast_and_name_the_limit(
    jp_fetch, jp_root_dir, mlops_notebook, body, fragment
):
    mlops_notebook("print(x)", params="x = 1", name="p.ipynb", folder=jp_root_dir)

    code, answer, took = await refused(jp_fetch, "mlops", "jobs", body={"path": "p.ipynb", **body})

    assert code == 400, answer
    assert fragment in answer["message"]
    assert took < 15  # bounded work; a 10**12 grid would never answer


async def test_a_value_at_the_depth_limit_passes_over_rest_as_on_the_command_line(
    jp_fetch, jp_root_dir, mlops_notebook
):
    path = mlops_notebook("print(x)", params="x = None", name="deep.ipynb", folder=jp_root_dir)
    nb = json.loads(path.read_text())
    nb["metadata"]["kernelspec"]["name"] = "not-installed-kernel"  # a valid body runs nothing
    path.write_text(json.dumps(nb))
    deepest = nested(limits.MAX_JSON_DEPTH)  # as deep as a value may be
    for body in (
        {"path": "deep.ipynb", "parameters": {"x": deepest}},
        {"path": "deep.ipynb", "sweep": {"x": [deepest, 1]}},
    ):
        code, answer, _ = await refused(jp_fetch, "mlops", "jobs", body=body)
        # past every limit, refused only for the kernel this notebook names
        assert code == 400 and "No kernel named" in answer["message"], answer

    code, answer, _ = await refused(
        jp_fetch,
        "mlops",
        "jobs",
        body={"path": "deep.ipynb", "sweep": {"x": [nested(limits.MAX_JSON_DEPTH + 1)]}},
    )
    assert code == 400 and "a sweep value of 'x' nests" in answer["message"], answer


async def test_bodies_too_big_not_json_or_too_deep_are_refused(jp_fetch, jp_root_dir):
    code, answer, _ = await refused(
        jp_fetch, "mlops", "jobs", body=b"[" + b" " * limits.MAX_BODY_BYTES + b"]"
    )
    assert code == 413 and answer["error"] == "BODY_TOO_LARGE"

    code, answer, _ = await refused(
        jp_fetch,
        "mlops",
        "jobs",
        body='{"path": "p.ipynb"}',
        headers={"Content-Type": "text/plain"},
    )
    assert code == 415 and "application/json" in answer["message"]

    code, answer, _ = await refused(jp_fetch, "mlops", "jobs", body="[" * 100_000 + "]" * 100_000)
    assert code == 400 and answer["error"] == "LIMIT_EXCEEDED"

    code, answer, _ = await refused(
        jp_fetch, "mlops", "jobs", body='{"path": "p.ipynb", "timeout": Infinity}'
    )
    assert code == 400 and "Infinity" in answer["message"]

    code, answer = await mlops_get_error(jp_fetch, "mlops", "jobs", params={"max_results": "²"})
    assert code == 400 and "max_results" in answer["message"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda nb: nb.metadata.pop("kernelspec"), "names no kernel"),
        (lambda nb: nb.cells.clear(), "has no code cells"),
        (lambda nb: nb.cells[0].pop("metadata"), "cell 1 has no 'metadata'"),
        (lambda nb: nb.update(cells={"0": "x"}), "'cells' is not a list"),
        (lambda nb: nb.metadata.update(deep=nested(3000)), "nests too deep"),
    ],
    ids=["no-kernelspec", "no-cells", "cell-without-metadata", "cells-not-a-list", "deep-meta"],
)
async def test_notebooks_papermill_cannot_run_are_refused_up_front(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri, change, fragment
):
    path = mlops_notebook("print(1)", name="odd.ipynb", folder=jp_root_dir)
    nb = json.loads(path.read_text())
    nb = nbformat.from_dict(nb)
    change(nb)
    text = json.dumps(nb) if "deep" not in nb.metadata else _deep_json(nb)
    path.write_text(text)

    code, answer, _ = await refused(jp_fetch, "mlops", "jobs", body={"path": "odd.ipynb"})

    assert code == 400, answer
    assert fragment in answer["message"]


def _deep_json(nb: Any) -> str:
    deep = nb.metadata.pop("deep")
    depth = 0
    while isinstance(deep, list):
        deep, depth = deep[0], depth + 1
    text = json.dumps(nb)
    return text.replace(
        '"metadata": {', '"metadata": {"deep": ' + "[" * depth + "]" * depth + ", ", 1
    )


@pytest.mark.parametrize(
    ("kernel", "fragment"),
    [("../../tmp", "is not a kernel name"), ("nope", "No kernel named 'nope' is installed")],
)
async def test_kernel_names_are_checked_before_a_run_is_made(
    jp_fetch, jp_root_dir, mlops_notebook, kernel, fragment
):
    mlops_notebook("print(1)", name="k.ipynb", folder=jp_root_dir)

    code, answer, _ = await refused(
        jp_fetch, "mlops", "jobs", body={"path": "k.ipynb", "kernel_name": kernel}
    )

    assert code == 400 and fragment in answer["message"]
    if kernel == "nope":
        assert "python3" in answer["message"]  # what is installed


async def test_a_malformed_job_record_does_not_break_listing_or_describing(
    jp_fetch, mlops_tracking_uri
):
    from mlflow import MlflowClient

    from jupyter_mlops.jobs import spec

    client = MlflowClient(mlops_tracking_uri)
    experiment = client.create_experiment(f"broken-{time.time_ns()}")
    run = client.create_run(experiment).info.run_id
    client.set_tag(run, spec.JOB, "true")
    client.set_tag(run, spec.PARAMETERS, json.dumps({"x": nested(900)}))
    client.set_terminated(run, "FAILED")

    listed = json.loads((await jp_fetch("mlops", "jobs")).body)["jobs"]
    described = json.loads((await jp_fetch("mlops", "jobs", run)).body)

    assert run in [job["run_id"] for job in listed]
    assert described["run_id"] == run and described["parameters"] == {}
    from conftest import run_cli

    cli = run_cli("jobs", env={**os.environ, "MLFLOW_TRACKING_URI": mlops_tracking_uri})
    assert cli.returncode == 0 and run in cli.stdout, cli.stderr


async def test_a_fifo_is_refused_without_blocking(jp_fetch, jp_root_dir):
    os.mkfifo(jp_root_dir / "pipe.ipynb")

    code, answer = await mlops_get_error(jp_fetch, "mlops", "card", params={"path": "pipe.ipynb"})
    assert code == 400 and "not a regular file" in answer["message"]
    code, answer, _ = await refused(jp_fetch, "mlops", "jobs", body={"path": "pipe.ipynb"})
    assert code == 400 and "not a regular file" in answer["message"]


async def test_hidden_files_are_not_found_as_in_the_contents_api(
    jp_fetch, jp_root_dir, mlops_notebook, mlops_tracking_uri
):
    mlops_notebook("print(1)", name="x.ipynb", folder=jp_root_dir / ".hidden")
    mlops_notebook("print(1)", name="x.ipynb", folder=jp_root_dir / "visible")
    with pytest.raises(HTTPClientError) as contents:
        await jp_fetch("api", "contents", ".hidden", "x.ipynb")
    assert contents.value.code == 404

    for path in (".hidden/x.ipynb", "visible/../.hidden/x.ipynb"):
        code, answer = await mlops_get_error(jp_fetch, "mlops", "card", params={"path": path})
        assert code in (403, 404), answer
    code, answer, _ = await refused(
        jp_fetch, "mlops", "card", method="PUT", body={"path": ".hidden/x.ipynb", "card": {}}
    )
    assert code == 404 and "hidden" in answer["message"]
    code, answer, _ = await refused(jp_fetch, "mlops", "jobs", body={"path": ".hidden/x.ipynb"})
    assert code == 404
    code, answer, _ = await refused(
        jp_fetch, "mlops", "jobs", body={"path": "visible/x.ipynb", "include": [".hidden"]}
    )
    assert code == 404
    # the good case: the visible notebook is read as before
    card = json.loads((await jp_fetch("mlops", "card", params={"path": "visible/x.ipynb"})).body)
    assert card["path"] == "visible/x.ipynb"


async def test_a_path_is_decoded_once(jp_fetch, jp_root_dir, mlops_notebook):
    mlops_notebook("print(1)", name="pct%41.ipynb", folder=jp_root_dir, card={"owner": "pct"})
    mlops_notebook("print(1)", name="pctA.ipynb", folder=jp_root_dir, card={"owner": "A"})

    answer = json.loads((await jp_fetch("mlops", "card", params={"path": "pct%41.ipynb"})).body)

    assert answer["card"]["owner"] == "pct"


async def test_the_error_log_line_carries_no_token(jp_fetch, jp_serverapp):
    token = jp_serverapp.identity_provider.token
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep(level=logging.DEBUG)
    logs = {
        jp_serverapp.log,
        *(e.log for e in jp_serverapp.extension_manager.extension_apps.get("jupyter_mlops", ())),
    }
    for log in logs:
        log.addHandler(handler)
    try:
        code, _ = await mlops_get_error(
            jp_fetch,
            "mlops",
            "jobs",
            params={"max_results": "0", "token": token},
            headers={"Authorization": ""},
        )
    finally:
        for log in logs:
            log.removeHandler(handler)

    assert code == 400
    assert any("GET /" in line and "INVALID_REQUEST" in line for line in seen), seen
    assert not any(token in line for line in seen), seen


async def test_a_small_sweep_within_the_limits_is_still_accepted(
    jp_fetch, jp_root_dir, mlops_notebook
):
    mlops_notebook("print(x)", params="x = 1", name="ok.ipynb", folder=jp_root_dir)

    created = await mlops_post(
        jp_fetch, "mlops", "jobs", body={"path": "ok.ipynb", "sweep": {"x": [1, 2]}}
    )

    assert created["sweep"] is True and len(created["children"]) == 2
    await mlops_post(jp_fetch, "mlops", "jobs", created["run_id"], "cancel", body={})


def test_limits_are_written_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name in (
        "MAX_SWEEP_RUNS",
        "MAX_INCLUDES",
        "MAX_JSON_DEPTH",
        "MAX_VALUE_CHARS",
        "MAX_TAG_CHARS",
        "MAX_NAME_CHARS",
        "MAX_BODY_BYTES",
        "MAX_BODY_DEPTH",
    ):
        assert f"{getattr(limits, name):,}" in readme, name


def _examples(strategy: Any, count: int) -> list[Any]:
    """``count`` values Hypothesis draws from ``strategy`` (fixed seed: the same every run).

    Drawn up front, then sent to the server: the server lives on the test's event loop.
    """
    from hypothesis import HealthCheck, given, settings

    drawn: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def _bodies() -> Any:
    from hypothesis import strategies as st

    text = st.text(
        st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\x00", "/", "."])
    ) | st.sampled_from(["../x.ipynb", "nokernel.ipynb", ".hidden/a.ipynb"])
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | text,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12,
    )
    fields = [
        "path", "parameters", "sweep", "from_text", "experiment", "timeout", "kernel_name",
        "include", "resources", "sample", "seed", "max_concurrency", "fail_fast", "card", "x",
    ]  # fmt: skip
    mostly_ours = st.dictionaries(st.sampled_from(fields) | text, json_value, max_size=6)
    aimed = st.fixed_dictionaries({"path": st.just("nokernel.ipynb")}, optional={
        f: json_value for f in fields[1:-2]
    })  # fmt: skip
    card_fields = st.sampled_from(["name", "owner", "risk_tier", "stage", "use_case", "inputs"])
    card = st.fixed_dictionaries(
        {"path": st.just("nokernel.ipynb"), "card": st.dictionaries(card_fields, json_value)}
    )
    job = st.fixed_dictionaries(
        {
            "path": st.just("nokernel.ipynb"),
            "parameters": st.dictionaries(st.just("x"), json_value),
        },
        optional={"sweep": st.dictionaries(st.just("x"), st.lists(json_value, max_size=3))},
    )
    return mostly_ours | aimed | card | job | json_value


async def test_fuzzed_bodies_never_get_a_server_error(jp_fetch, jp_root_dir, mlops_notebook):
    """Every POST/PUT body route, with bodies drawn by Hypothesis: always a 4xx or a 2xx."""
    path = mlops_notebook("print(x)", params="x = 1", name="nokernel.ipynb", folder=jp_root_dir)
    nb = json.loads(path.read_text())
    nb["metadata"]["kernelspec"]["name"] = "not-installed-kernel"  # a valid body runs nothing
    path.write_text(json.dumps(nb))
    routes = [
        (("mlops", "jobs"), "POST"),
        (("mlops", "card"), "PUT"),
        (("mlops", "jobs", "0" * 32, "cancel"), "POST"),
        (("mlops", "jobs", "0" * 32, "output"), "POST"),
    ]
    seen: dict[str, int] = {}
    for body in _examples(_bodies(), 150):
        text = json.dumps(body, allow_nan=True)
        for parts, method in routes:
            response = await jp_fetch(*parts, method=method, body=text, raise_error=False)
            code = response.code
            answer = json.loads(response.body) if response.body else {}
            if code >= 400:
                assert set(answer) == {"error", "message"}, response.body
            assert code < 500, (parts, method, text[:500], code)
            key = f"{code} {answer.get('error', '')}".strip()
            seen[key] = seen.get(key, 0) + 1
    print(f"status codes of {sum(seen.values())} fuzzed requests: {seen}")
    # the fuzz reached the checks and the writes, not only the routing
    assert {"400 INVALID_REQUEST", "400 INVALID_PARAMETER", "200"} <= set(seen), seen
