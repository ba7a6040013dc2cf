"""REST handler for what the server is configured to do with jobs, so the UI offers only that."""

from __future__ import annotations

from .base import MlopsHandler, guarded
from .models import DescribeConfig


class ConfigHandler(MlopsHandler):
    """``GET mlops/config``: the executor jobs go to and the features it supports."""

    @guarded()
    async def get(self) -> None:
        app = self.mlops_app
        uri = await self.call(app.resolved_tracking_uri)
        self.write_model(await self.call(describe_config, app.job_executor(), uri))


def describe_config(executor: str, tracking_uri: str) -> DescribeConfig:
    """The answer of ``GET mlops/config`` for the executor ``executor`` (``dask://ADDRESS`` too).

    Parameters
    ----------
    executor
        The executor jobs are submitted to, as :meth:`MlopsApp.job_executor` names it.
    tracking_uri
        The tracking URI in effect; only whether it is remote is told, never the URI.
    """
    from ..jobs.executors import get_executor
    from ..tracking.client import is_remote

    # The address of a Dask scheduler is infrastructure, not something the UI needs.
    name = executor.partition("://")[0]
    return DescribeConfig(
        executor=name,
        features=dict(get_executor(executor).supported_features()),
        tracking_uri_is_remote=is_remote(tracking_uri),
    )
