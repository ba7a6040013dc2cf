"""Exactly-once registration when the tracking server commits a version but its reply is lost.

A proxy in front of a real ``mlflow server`` forwards everything. In the first test it drops
the reply to the first create: whether MLflow's client then sends the create again (a second
version appears upstream) or gives up (the registration is spooled and synced), exactly one
version is left. In the second test the proxy itself sends the first create upstream twice,
as a retry whose first reply was lost would, so the duplicate is always there to be removed.
"""

from __future__ import annotations

import http.client
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlops
from jupyter_mlops.registry import sync
from jupyter_mlops.tags import REGISTRATION_ID
from jupyter_mlops.tracking import get_client

CREATE = "/api/2.0/mlflow/model-versions/create"


class LossyProxy(ThreadingHTTPServer):
    """Forwards everything to ``upstream``; the first create is dropped or sent twice."""

    daemon_threads = True

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode  # "drop": its reply is never sent; "twice": it is sent upstream twice
        self.creates = 0  # creates the upstream answered
        self.errors: list[str] = []  # what went wrong forwarding, shown when a test fails
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: LossyProxy

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send_upstream(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname, self.server.upstream.port, timeout=60
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            reply = upstream.getresponse()
            return reply, reply.read()
        finally:
            upstream.close()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            reply, data = self._send_upstream(body)
            if self.path.startswith(CREATE):
                self.server.creates += 1
                first = self.server.creates == 1
                if first and self.server.mode == "twice":
                    reply, data = self._send_upstream(body)
                    self.server.creates += 1
                elif first:  # committed upstream; the answer is lost
                    self.close_connection = True
                    return
        except Exception as exc:
            self.server.errors.append(f"{self.command} {self.path}: {exc!r}")
            raise
        self.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward


def _proxy(upstream: str, mode: str):
    proxy = LossyProxy(upstream, mode)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(10)


@pytest.fixture
def dropping(mlops_server):
    yield from _proxy(str(mlops_server.uri), "drop")


@pytest.fixture
def doubling(mlops_server):
    yield from _proxy(str(mlops_server.uri), "twice")


def _iris_model(max_iter: int) -> LogisticRegression:
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=max_iter).fit(X, y)


def _only_version(uri: str, name: str) -> None:
    client = get_client(uri)
    versions = client.search_model_versions(f"name='{name}'")
    assert [str(v.version) for v in versions] == ["1"]
    assert versions[0].tags[REGISTRATION_ID]
    assert str(client.get_model_version_by_alias(name, "champion").version) == "1"


def test_a_lost_reply_to_create_leaves_exactly_one_version(dropping, mlops_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    name = "lost-reply-model"

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reg = jupyter_mlops.register(
            _iris_model(300), name, alias="champion", tracking_uri=dropping.uri
        )
    spooled = [w for w in seen if type(w.message).__name__ == "SpooledRegistrationWarning"]

    if reg.status == "spooled":  # the client gave up after the lost reply: nothing was retried
        assert spooled and dropping.creates == 1, dropping.errors
        result = sync()
        assert [p["version"] for p in result.pushed] == ["1"], result
        assert result.still_pending == []
    else:  # the client sent the create again: the store made a second version, now deleted
        assert (reg.status, reg.version) == ("registered", "1")
        assert not spooled and dropping.creates == 2, dropping.errors
    assert dropping.creates <= 2, dropping.errors  # the sync did not create a third
    _only_version(str(mlops_server.uri), name)


def test_a_create_sent_twice_leaves_one_version_and_the_next_is_new(doubling, mlops_server):
    name = "sent-twice-model"

    reg = jupyter_mlops.register(
        _iris_model(300), name, alias="champion", tracking_uri=doubling.uri
    )

    assert doubling.creates == 2, doubling.errors  # the store did make a duplicate
    assert (reg.status, reg.version) == ("registered", "1")
    _only_version(str(mlops_server.uri), name)

    # the next registration is a new version (MLflow never reuses the number the deleted
    # duplicate took), and nothing is deleted
    again = jupyter_mlops.register(_iris_model(500), name, tracking_uri=doubling.uri)
    assert again.version == "3" and doubling.creates == 3
    listed = get_client(str(mlops_server.uri)).search_model_versions(f"name='{name}'")
    assert sorted(str(v.version) for v in listed) == ["1", "3"]
