"""The server extension application: configuration and route wiring."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode

from .handlers import HealthHandler, ModelsHandler


class MlopsApp(ExtensionApp):
    """Serves the jupyter-mlops REST API under ``{base_url}mlops/``.

    Configure it like any Jupyter server extension, e.g.
    ``jupyter lab --MlopsApp.tracking_uri=http://127.0.0.1:5000``.
    """

    name = "jupyter_mlops"
    load_other_extensions = True

    tracking_uri = Unicode(
        None,
        allow_none=True,
        config=True,
        help=(
            "MLflow tracking URI the server reads from. When unset, it is resolved from "
            "MLFLOW_TRACKING_URI, then [tool.jupyter-mlops] in pyproject.toml, then the "
            "embedded SQLite store in the server's working directory."
        ),
    )

    executor = Unicode(
        "local",
        config=True,
        help="Name of the job executor, an entry point in the 'jupyter_mlops.executors' group.",
    )

    def initialize_handlers(self) -> None:
        # ExtensionApp prefixes each pattern with the server's base_url.
        self.handlers.extend(
            [
                (r"mlops/models", ModelsHandler),
                (r"mlops/health", HealthHandler),
            ]
        )

    def resolved_tracking_uri(self) -> str:
        """The tracking URI in effect: the configured one, or the resolved default."""
        from ..config import resolve_tracking_uri

        return resolve_tracking_uri(self.tracking_uri)
