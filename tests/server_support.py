"""Helpers for the REST API tests (fixtures are in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError


async def mlops_get_error(jp_fetch, *parts: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Fetch a URL that must fail; return the status and the decoded JSON body."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(*parts, **kwargs)
    response = caught.value.response
    assert response is not None
    assert response.headers["Content-Type"].startswith("application/json")
    return caught.value.code, json.loads(response.body)


async def mlops_post(jp_fetch, *parts: str, body: Any, method: str = "POST", **kwargs: Any) -> Any:
    """Send ``body`` as JSON; return the decoded JSON answer."""
    response = await jp_fetch(*parts, method=method, body=json.dumps(body), **kwargs)
    return json.loads(response.body)
