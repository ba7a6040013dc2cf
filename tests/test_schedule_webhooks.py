"""MLflow registry webhooks: a real ``mlflow server`` signs its deliveries, the scheduler's
receiver verifies them and polls at once; a delivery with a bad signature is refused."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from conftest import MlflowServer, run_cli
from governance_support import make_model

from jupyter_mlops.jobs.request import JobRequest
from jupyter_mlops.schedules import service
from jupyter_mlops.schedules.scheduler import Scheduler
from jupyter_mlops.schedules.webhook import WebhookReceiver, signature
from jupyter_mlops.tracking import get_client

SECRET = "correct horse battery staple"


@pytest.fixture
def hooked_server(tmp_path, monkeypatch):
    """A server of its own that may deliver webhooks to http://127.0.0.1 (MLflow refuses
    private addresses and plain http unless told)."""
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "http,https")
    server = MlflowServer(tmp_path / "hooked").start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.uri)
    try:
        yield server.uri
    finally:
        server.stop()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_signed_delivery_from_mlflow_fires_the_trigger_without_waiting_for_the_poll(
    hooked_server, mlops_notebook
):
    notebook = mlops_notebook("print(rows)", params="rows: int = 1", name="on_new.ipynb")
    scheduler = Scheduler(poll=3600)  # only the webhook can make it look again within the test
    receiver = WebhookReceiver(scheduler.wake, SECRET).start()
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, args=(stop,))
    client = get_client(hooked_server)
    try:
        # before any version: the server caches who listens to an event (60 s by default)
        client.create_webhook("scheduler", receiver.url, ["model_version.created"], secret=SECRET)
        make_model(hooked_server, "churn-w", 1)
        service.create_schedule(JobRequest(notebook=notebook), trigger="version:churn-w")
        loop.start()
        deadline = time.monotonic() + 30
        while scheduler.polled_at is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler.polled_at is not None, "the scheduler never polled"
        client.create_model_version("churn-w", source="s3://nowhere/churn-w")
        deadline = time.monotonic() + 60
        while not service.fired_runs("on_new") and time.monotonic() < deadline:
            time.sleep(0.2)
        runs = service.fired_runs("on_new")
    finally:
        stop.set()
        if loop.ident is not None:
            loop.join(timeout=30)
        receiver.stop()
    assert receiver.accepted >= 1
    assert len(runs) == 1, runs
    tags = client.get_run(runs[0].run_id).data.tags
    assert tags["mlops.schedule.event"] == "version:churn-w=2"


def test_a_delivery_with_a_bad_signature_unsigned_or_replayed_is_refused():
    woken: list[str | None] = []
    now = float(int(time.time()))
    receiver = WebhookReceiver(woken.append, SECRET, clock=lambda: now).start()
    body = json.dumps({"entity": "model_version", "action": "created", "data": {"name": "m"}})
    good = {"X-MLflow-Delivery-Id": "d-1", "X-MLflow-Timestamp": str(int(now))}
    try:
        status, reply = post(
            receiver.url,
            body.encode(),
            {**good, "X-MLflow-Signature": signature("wrong", "d-1", str(int(now)), body.encode())},
        )
        assert (status, reply["error"]) == (
            401,
            "bad signature: the webhook's secret is not the scheduler's",
        )
        status, reply = post(receiver.url, body.encode(), good)
        assert status == 401 and reply["error"].startswith("unsigned delivery")
        old = str(int(now) - 3600)
        replayed = {
            "X-MLflow-Delivery-Id": "d-1",
            "X-MLflow-Timestamp": old,
            "X-MLflow-Signature": signature(SECRET, "d-1", old, body.encode()),
        }
        status, reply = post(receiver.url, body.encode(), replayed)
        assert status == 401 and "3600 s old" in reply["error"]
        tampered = body.replace('"m"', '"other"').encode()
        signed = signature(SECRET, "d-1", str(int(now)), body.encode())
        status, _ = post(receiver.url, tampered, {**good, "X-MLflow-Signature": signed})
        assert status == 401
        assert woken == [] and receiver.accepted == 0
        status, reply = post(receiver.url, body.encode(), {**good, "X-MLflow-Signature": signed})
        assert (status, reply) == (200, {"accepted": True, "model": "m"})
        assert woken == ["m"]
    finally:
        receiver.stop()


def test_the_scheduler_refuses_to_receive_webhooks_without_a_secret():
    ran = run_cli("scheduler", "--webhook-port", "0", timeout=60)
    assert ran.returncode == 2
    assert "JUPYTER_MLOPS_WEBHOOK_SECRET" in ran.stderr and "Traceback" not in ran.stderr
