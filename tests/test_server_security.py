"""Security of the REST API: every route guarded, XSRF enforced, notebook paths kept in the root.

The server runs with unauthenticated access disallowed (see ``jp_server_config``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.auth.authorizer import Authorizer
from server_support import mlops_get_error
from tornado.web import RequestHandler

from jupyter_mlops.server.app import ROUTES
from jupyter_mlops.server.base import GUARD_MARK, MlopsHandler

METHODS = ("get", "post", "put", "patch", "delete")


def mlops_routes(router: Any) -> list[tuple[str, type[MlopsHandler]]]:
    """Every (pattern, handler class) served by jupyter-mlops, walking nested routers."""
    found = []
    for rule in getattr(router, "rules", []):
        target = rule.target
        if isinstance(target, type) and issubclass(target, MlopsHandler):
            found.append((rule.matcher.regex.pattern, target))
        elif hasattr(target, "rules"):
            found += mlops_routes(target)
    return found


def own_methods(cls: type) -> list[str]:
    """HTTP methods the class answers itself (not tornado's default 405)."""
    return [m for m in METHODS if getattr(cls, m) is not getattr(RequestHandler, m)]


def sample_url(pattern: str) -> list[str]:
    """A concrete URL (as jp_fetch parts) for a route pattern."""
    return re.sub(r"\(\?P<\w+>[^)]*\)", "x0", pattern).split("/")


def route_calls() -> list[tuple[str, str]]:
    return [(pattern, method) for pattern, cls in ROUTES for method in own_methods(cls)]


def test_every_method_of_every_registered_handler_is_guarded(jp_serverapp):
    routes = mlops_routes(jp_serverapp.web_app.default_router)
    # Everything in ROUTES is registered, under the base URL, and nothing else is.
    assert sorted(cls.__name__ for _, cls in routes) == sorted(c.__name__ for _, c in ROUTES)
    assert all(pattern.startswith("/a%40b/mlops/") for pattern, _ in routes)
    unguarded = [
        f"{method.upper()} {pattern} ({cls.__name__})"
        for pattern, cls in routes
        for method in own_methods(cls)
        if not getattr(getattr(cls, method), GUARD_MARK, False)
    ]
    assert unguarded == []
    assert len(route_calls()) >= 13


@pytest.mark.parametrize(("pattern", "method"), route_calls())
async def test_every_route_refuses_a_request_without_credentials(jp_fetch, pattern, method):
    body = "{}" if method in ("post", "put", "patch") else None
    code, answer = await mlops_get_error(
        jp_fetch,
        *sample_url(pattern),
        method=method.upper(),
        body=body,
        headers={"Authorization": ""},
    )

    assert code == 403
    # Writes are stopped even earlier, by the missing XSRF token.
    assert answer["error"] == "FORBIDDEN"
    assert set(answer) == {"error", "message"}


class MlopsDenyingAuthorizer(Authorizer):
    """Lets a user do anything except touch the ``mlops`` resource."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return resource != "mlops"


class TestAuthorizer:
    @pytest.fixture
    def mlops_serverapp_config(self) -> dict[str, Any]:
        return {"authorizer_class": MlopsDenyingAuthorizer}

    @pytest.mark.parametrize(("pattern", "method"), route_calls())
    async def test_every_route_asks_the_authorizer(self, jp_fetch, pattern, method):
        body = "{}" if method in ("post", "put", "patch") else None
        code, answer = await mlops_get_error(
            jp_fetch, *sample_url(pattern), method=method.upper(), body=body
        )

        assert code == 403
        assert answer["error"] == "FORBIDDEN"


# -- XSRF --------------------------------------------------------------------------------------
async def login_cookie(jp_fetch) -> str:
    """The login cookie the server sets for a token-authenticated request."""
    response = await jp_fetch("api", "status")
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie")]
    login = [c for c in cookies if c.startswith("username-")]
    assert login, cookies
    return login[0]


async def test_post_with_cookie_but_no_xsrf_token_is_refused(jp_fetch, mlops_env):
    cookie = await login_cookie(jp_fetch)
    # The cookie alone authenticates a GET...
    ok = await jp_fetch("mlops", "health", headers={"Authorization": "", "Cookie": cookie})
    assert ok.code == 200

    # ...but a POST needs the XSRF token as well.
    code, answer = await mlops_get_error(
        jp_fetch,
        "mlops",
        "jobs",
        method="POST",
        body=json.dumps({"path": "missing.ipynb"}),
        headers={"Authorization": "", "Cookie": cookie},
    )

    assert code == 403
    assert answer["error"] == "FORBIDDEN"
    assert "_xsrf" in answer["message"] or "XSRF" in answer["message"]


async def test_post_with_cookie_and_xsrf_token_reaches_the_handler(jp_fetch):
    cookie = await login_cookie(jp_fetch)
    xsrf = "2f4c0e5a9b7d4e1f8a6c3b2d1e0f9a8b"

    code, answer = await mlops_get_error(
        jp_fetch,
        "mlops",
        "jobs",
        method="POST",
        body=json.dumps({"path": "missing.ipynb"}),
        headers={"Authorization": "", "Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
    )

    assert code == 400
    assert answer["error"] == "INVALID_NOTEBOOK"
    assert "Notebook not found" in answer["message"]


# -- notebook paths ----------------------------------------------------------------------------
def write_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(x)")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["jupyter_mlops"] = {"schema_version": 1, "card": {"owner": "outside"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def mlops_outside(jp_root_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Real, valid notebooks outside the root, and the paths that try to reach them."""
    outside = write_notebook(tmp_path / "outside" / "nb.ipynb")
    # A sibling folder whose name starts with the root's name: /x/root_dir vs /x/root_dir2.
    sibling = write_notebook(jp_root_dir.parent / (jp_root_dir.name + "2") / "nb.ipynb")
    (jp_root_dir / "link.ipynb").symlink_to(outside)
    (jp_root_dir / "linkdir").symlink_to(outside.parent, target_is_directory=True)
    return {
        "dot-dot": "../outside/nb.ipynb",
        "dot-dot-encoded": "..%2Foutside%2Fnb.ipynb",
        "dot-dot-encoded-dots": "%2e%2e/outside/nb.ipynb",
        "dot-dot-inside": "sub/../../outside/nb.ipynb",
        "absolute": str(outside),
        "sibling-prefix": str(sibling),
        "sibling-prefix-relative": f"../{jp_root_dir.name}2/nb.ipynb",
        "symlink-file": "link.ipynb",
        "symlink-dir": "linkdir/nb.ipynb",
        "file-url": outside.as_uri(),
        "file-url-short": f"file:{outside}",
        "http-url": "http://127.0.0.1:1/nb.ipynb",
        "s3-url": "s3://bucket/nb.ipynb",
        "home": "~/nb.ipynb",
    }


class TestNotebookPathsStayInTheRoot:
    @pytest.fixture
    def mlops_tracking_uri(self, mlops_server) -> str:
        return str(mlops_server.uri)

    @staticmethod
    def run_count(uri: str) -> int:
        from mlflow import MlflowClient

        client = MlflowClient(uri)
        experiments = [e.experiment_id for e in client.search_experiments()]
        return len(client.search_runs(experiments, max_results=50000)) if experiments else 0

    @pytest.mark.parametrize(
        "case",
        [
            "dot-dot",
            "dot-dot-encoded",
            "dot-dot-encoded-dots",
            "dot-dot-inside",
            "absolute",
            "sibling-prefix",
            "sibling-prefix-relative",
            "symlink-file",
            "symlink-dir",
            "file-url",
            "file-url-short",
            "http-url",
            "s3-url",
            "home",
        ],
    )
    async def test_refused_with_4xx_and_nothing_runs(
        self, jp_fetch, mlops_outside, mlops_tracking_uri, tmp_path, case
    ):
        path = mlops_outside[case]
        before = self.run_count(mlops_tracking_uri)
        outside_text = (tmp_path / "outside" / "nb.ipynb").read_text()

        calls: list[tuple[str, dict[str, Any]]] = [
            ("jobs", {"method": "POST", "body": json.dumps({"path": path, "parameters": {}})}),
            (
                "jobs",
                {"method": "POST", "body": json.dumps({"path": path, "sweep": {"x": [1, 2]}})},
            ),
            ("card", {"params": {"path": path}}),
            ("parameters", {"params": {"path": path}}),
            ("card", {"method": "PUT", "body": json.dumps({"path": path, "card": {"owner": "x"}})}),
        ]
        for endpoint, kwargs in calls:
            code, answer = await mlops_get_error(jp_fetch, "mlops", endpoint, **kwargs)
            assert code == 403, (endpoint, answer)
            assert answer["error"] == "PATH_OUTSIDE_ROOT"
            assert answer["message"].startswith(f"Refused notebook path {path!r}")
            assert "Traceback" not in answer["message"]

        assert self.run_count(mlops_tracking_uri) == before
        assert (tmp_path / "outside" / "nb.ipynb").read_text() == outside_text


def test_containment_is_by_path_not_by_string_prefix(tmp_path: Path):
    from jupyter_mlops.server.paths import PathOutsideRootError, resolve_notebook_path

    root = tmp_path / "work"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "work2").mkdir()
    (root / "sub" / "escape").symlink_to(tmp_path / "work2", target_is_directory=True)

    assert resolve_notebook_path(root, "sub/a.ipynb") == (root / "sub" / "a.ipynb").resolve()
    assert resolve_notebook_path(root, "sub/./a.ipynb") == (root / "sub" / "a.ipynb").resolve()
    with pytest.raises(PathOutsideRootError, match="resolves outside the server root"):
        resolve_notebook_path(root, "sub/escape/a.ipynb")
    with pytest.raises(PathOutsideRootError, match="absolute paths are not allowed"):
        resolve_notebook_path(root, str(tmp_path / "work2" / "a.ipynb"))
