"""Exactly-once registration when the tracking server commits a version but its reply is lost:
a proxy in front of a real ``mlflow server`` forwards the create, then drops the answer, and
MLflow's client sends the create again."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mlops
from jupyter_mlops.tags import REGISTRATION_ID
from jupyter_mlops.tracking import get_client

CREATE = "/api/2.0/mlflow/model-versions/create"


class DropOneReply(ThreadingHTTPServer):
    """Forwards everything to ``upstream``; the reply to the first create is never sent."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.dropped: list[str] = []
        self.creates = 0
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: DropOneReply

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname, self.server.upstream.port, timeout=60
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        reply = upstream.getresponse()
        data = reply.read()
        upstream.close()
        if self.path.startswith(CREATE):
            self.server.creates += 1
            if not self.server.dropped:  # committed upstream; the answer is lost
                self.server.dropped.append(self.path)
                self.close_connection = True
                return
        self.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward


@pytest.fixture
def lossy(mlops_server):
    proxy = DropOneReply(str(mlops_server.uri))
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()
    thread.join(10)


def test_a_lost_reply_to_create_leaves_exactly_one_version(lossy, mlops_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=300).fit(X, y)
    name = "lost-reply-model"

    reg = jupyter_mlops.register(model, name, alias="champion", tracking_uri=lossy.uri)

    assert lossy.dropped and lossy.creates == 2  # the client did send the create twice
    client = get_client(str(mlops_server.uri))
    versions = client.search_model_versions(f"name='{name}'")
    assert [str(v.version) for v in versions] == ["1"]
    assert (reg.status, reg.version) == ("registered", "1")
    assert versions[0].tags[REGISTRATION_ID]
    assert str(client.get_model_version_by_alias(name, "champion").version) == "1"

    # the good case: the next registration is a new version (MLflow never reuses the
    # number the deleted duplicate took), and nothing is deleted
    other = LogisticRegression(max_iter=500).fit(X, y)
    again = jupyter_mlops.register(other, name, tracking_uri=lossy.uri)
    assert again.version == "3" and lossy.creates == 3
    listed = client.search_model_versions(f"name='{name}'")
    assert sorted(str(v.version) for v in listed) == ["1", "3"]
