"""What a job may see of the environment it was started from, and what it may never store.

A job's process and its kernel get only the variables an allowlist names (what a Python
kernel, MLflow and the usual numeric libraries need), so the Jupyter server's token, cloud keys
and other secrets of whoever submitted it never reach a notebook that prints ``os.environ``.
Extend the list with ``JUPYTER_MLOPS_JOB_ENV`` (comma-separated names or ``fnmatch``
patterns), ``job_env = [...]`` in ``[tool.jupyter-mlops]``, or ``c.MlopsApp.job_env_allowlist``.

MLflow's own variables pass (a job logs to MLflow), credentials among them, as MLflow expects
them. Every value of a variable whose name says it is a secret is replaced by ``[secret]`` in
what a job stores: its executed notebook and its failure message.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Iterable, Mapping

ALLOWED = (
    # the process and its locale
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "LANG", "LANGUAGE", "LC_*",
    "TMPDIR", "TEMP", "TMP", "XDG_*",
    # Python, its environments, Jupyter's folders and this package
    "PYTHONPATH", "PYTHONHOME", "PYTHONUNBUFFERED", "PYTHONHASHSEED", "PYTHONWARNINGS",
    "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "CONDA_*", "IPYTHONDIR", "JUPYTER_PATH",
    "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
    "JUPYTER_PLATFORM_DIRS", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_MLOPS_*",
    # MLflow, certificates and proxies to reach it
    "MLFLOW_*", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    # numeric libraries, plotting and accelerators
    "LD_LIBRARY_PATH", "OMP_*", "MKL_*", "OPENBLAS_*", "NUMEXPR_*", "MPLBACKEND",
    "MPLCONFIGDIR", "CUDA_*", "NVIDIA_*", "HIP_VISIBLE_DEVICES",
)  # fmt: skip
"""Variables a job gets by default (``fnmatch`` patterns, case-sensitive)."""

SECRET_NAME = re.compile(
    r"TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH", re.I
)
"""A variable with such a name holds a secret: its value is never stored."""
MIN_SECRET_CHARS = 6  # shorter values ("1", "true") would blank out ordinary output
MASK = "[secret]"


def allowed_patterns() -> tuple[str, ...]:
    """The default allowlist plus the names this user or project added."""
    from ..config import project_config

    extra = [p.strip() for p in os.environ.get("JUPYTER_MLOPS_JOB_ENV", "").split(",")]
    table = project_config().get("job_env") or []
    if isinstance(table, str):
        table = [table]
    return (*ALLOWED, *(p for p in [*extra, *map(str, table)] if p))


def job_environment(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of ``source`` (default: this process's) that a job may see."""
    source = os.environ if source is None else source
    patterns = allowed_patterns()
    return {
        name: value
        for name, value in source.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }


def secret_values(source: Mapping[str, str] | None = None) -> list[str]:
    """Values of the variables named like secrets, longest first (so none is half-masked)."""
    source = os.environ if source is None else source
    found = {
        value
        for name, value in source.items()
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_CHARS
    }
    # as written, and as it reads inside a JSON string (a notebook's outputs)
    forms = found | {json.dumps(value)[1:-1] for value in found}
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by :data:`MASK`."""
    for value in secrets:
        text = text.replace(value, MASK)
    return text
