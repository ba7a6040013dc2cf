"""The OpenAPI document of ``{base_url}mlops/``, generated from the pydantic contract.

``openapi.json`` beside this module is the committed copy; a test fails when it is stale.
Regenerate it with ``python -m jupyter_mlops.server.openapi``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from . import models as m
from . import schedule_models as s
from .contract import CONTRACT

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/{model}"

_PATH_PARAM = {
    "name": {"description": "Registered model name."},
    "run_id": {"description": "MLflow run id of the job."},
    "schedule_id": {"description": "Id (or name) of the schedule."},
}
_NOTEBOOK_QUERY = {"path": "Notebook path relative to the server root."}

# path -> method -> (summary, request model, response model, status, query parameters)
Operation = tuple[str, type[BaseModel] | None, type[BaseModel], int, dict[str, str]]
OPERATIONS: dict[str, dict[str, Operation]] = {
    "/mlops/health": {
        "get": ("Version and tracking URI in effect", None, m.HealthResponse, 200, {}),
    },
    "/mlops/config": {
        "get": (
            "The job executor and the features it supports",
            None,
            m.DescribeConfig,
            200,
            {},
        ),
    },
    "/mlops/models": {
        "get": (
            "List registered models (cached, refreshed incrementally)",
            None,
            m.ListModelsResponse,
            200,
            {"refresh": "'full' re-lists the whole registry."},
        ),
    },
    "/mlops/models/{name}": {
        "get": ("Describe a model with its versions", None, m.DescribeModel, 200, {}),
    },
    "/mlops/inventory": {
        "get": (
            "The governance inventory: every model with its RAG status and reasons",
            None,
            m.ListInventoryResponse,
            200,
            {},
        ),
    },
    "/mlops/receipts/{run_id}": {
        "get": ("Provenance receipt of a run", None, m.DescribeReceipt, 200, {}),
    },
    "/mlops/card": {
        "get": ("Read a notebook's card", None, m.DescribeCard, 200, _NOTEBOOK_QUERY),
        "put": ("Replace a notebook's card on disk", m.UpdateCard, m.DescribeCard, 200, {}),
    },
    "/mlops/card/schema": {
        "get": ("JSON Schema of the card", None, m.DescribeCardSchema, 200, {}),
    },
    "/mlops/parameters": {
        "get": (
            "A notebook's parameters contract",
            None,
            m.DescribeParameters,
            200,
            _NOTEBOOK_QUERY,
        ),
    },
    "/mlops/jobs": {
        "get": (
            "List jobs, newest first",
            None,
            m.ListJobsResponse,
            200,
            {
                "status": "SCHEDULED, RUNNING, FINISHED, FAILED or KILLED.",
                "parent": "Only the children of this sweep.",
                "max_results": "At most this many jobs (1 to 1000, default 200).",
            },
        ),
        "post": ("Submit a run or a grid sweep", m.CreateJob, m.CreateJobResponse, 201, {}),
    },
    "/mlops/jobs/{run_id}": {
        "get": ("Describe a job", None, m.DescribeJob, 200, {}),
    },
    "/mlops/jobs/{run_id}/cancel": {
        "post": ("Cancel a job (409 when it had already ended)", None, m.DescribeJob, 200, {}),
    },
    "/mlops/jobs/{run_id}/output": {
        "post": (
            "Fetch the executed notebook under the server root",
            None,
            m.FetchJobOutputResponse,
            200,
            {},
        ),
    },
}


OPERATIONS |= {
    "/mlops/schedules": {
        "get": ("List schedules with their next slots", None, s.ListSchedulesResponse, 200, {}),
        "post": ("Schedule a notebook", s.CreateSchedule, s.DescribeSchedule, 201, {}),
    },
    "/mlops/schedules/preview": {
        "get": (
            "A cron expression in words, and its next five slots",
            None,
            s.PreviewCron,
            200,
            {"cron": "The expression.", "timezone": "IANA name (default UTC)."},
        ),
    },
    "/mlops/schedules/{schedule_id}": {
        "get": ("A schedule and the runs it fired", None, s.DescribeScheduleRuns, 200, {}),
        "patch": ("Change a schedule's timing", s.UpdateSchedule, s.DescribeSchedule, 200, {}),
        "delete": ("Delete a schedule (its runs stay)", None, s.DescribeSchedule, 200, {}),
    },
    "/mlops/schedules/{schedule_id}/pause": {
        "post": ("Pause a schedule", None, s.DescribeSchedule, 200, {}),
    },
    "/mlops/schedules/{schedule_id}/resume": {
        "post": ("Resume a schedule from now on", None, s.DescribeSchedule, 200, {}),
    },
    "/mlops/schedules/{schedule_id}/run": {
        "post": ("Fire a schedule once, now", None, s.RunScheduleResponse, 201, {}),
    },
}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}


def _operation(path: str, method: str, op: Operation) -> dict[str, Any]:
    summary, request, response, status, query = op
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}, **extra}
        for name, extra in _PATH_PARAM.items()
        if "{" + name + "}" in path
    ]
    parameters += [
        {"in": "query", "name": name, "required": name == "path", "schema": {"type": "string"}}
        | {"description": text}
        for name, text in query.items()
    ]
    error = {"description": "Error", "content": _json(m.ErrorResponse)}
    doc: dict[str, Any] = {
        "summary": summary,
        "operationId": f"{method}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "responses": {
            str(status): {
                "description": response.__doc__.splitlines()[0] if response.__doc__ else "",
                "content": _json(response),
            },
            "4XX": error,
            "5XX": error,
        },
        "security": [{"token": []}],
    }
    if parameters:
        doc["parameters"] = parameters
    if request is not None:
        doc["requestBody"] = {"required": True, "content": _json(request)}
    return doc


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the REST API, built from :data:`models.CONTRACT`."""
    _, schemas = models_json_schema(
        [(model, "serialization") for model in CONTRACT], ref_template=REF
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-mlops REST API",
            "version": __version__.split("+")[0],
            "description": (
                "Served by the Jupyter server extension under {base_url}mlops/. Every route "
                "needs an authenticated, authorized Jupyter user; requests with a cookie "
                "instead of a token need the _xsrf token."
            ),
        },
        "paths": {
            path: {method: _operation(path, method, op) for method, op in ops.items()}
            for path, ops in OPERATIONS.items()
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
    }


def render() -> str:
    """The document as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    OPENAPI_PATH.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
