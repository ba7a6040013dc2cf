"""What a job takes with it: included files and folders, and the resources it needs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError
from . import spec


def parse_resources(value: str | Mapping[str, Any] | None) -> dict[str, float]:
    """``"GPU=1,MEMORY=8e9"`` (or a mapping) as ``{"GPU": 1.0, "MEMORY": 8e9}``.

    Names are Dask worker resource names; amounts are positive numbers.
    """
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs: list[tuple[str, Any]] = []
        for item in value.split(","):
            name, sep, amount = item.partition("=")
            if not sep or not name.strip() or not amount.strip():
                raise InvalidParameterError(
                    f"Expected --resources NAME=AMOUNT[,NAME=AMOUNT...], got {value!r}."
                )
            pairs.append((name.strip(), amount.strip()))
    else:
        pairs = list(value.items())
    resources: dict[str, float] = {}
    for name, amount in pairs:
        if not str(name).replace("_", "").replace("-", "").isalnum():
            raise InvalidParameterError(
                f"Resource name {name!r} must be letters, digits, '_' or '-'.", resource=name
            )
        try:
            number = float(amount)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(amount, bool) or not math.isfinite(number) or number <= 0:
            raise InvalidParameterError(
                f"Resource {name} needs a positive number, got {amount!r}.", resource=name
            )
        resources[str(name)] = number
    return resources


def check_includes(paths: Sequence[str | Path] | None, notebook: Path) -> list[Path]:
    """Resolve ``--include`` paths; each must exist and land under a distinct name."""
    found: list[Path] = []
    names = {notebook.name}
    for raw in paths or []:
        path = Path(raw).expanduser().resolve()
        if not path.exists():
            raise InvalidParameterError(f"--include {raw}: no such file or folder.", path=str(raw))
        if path.name in names:
            raise InvalidParameterError(
                f"--include {raw}: another input is already named {path.name!r}; each included "
                "file or folder is placed beside the notebook under its own name.",
                path=str(raw),
            )
        names.add(path.name)
        found.append(path)
    return found


def upload_includes(client: Any, run_id: str, paths: Sequence[Path]) -> None:
    """Attach each file or folder to the run under ``input/``, beside the notebook."""
    for path in paths:
        if path.is_dir():
            client.log_artifacts(run_id, str(path), f"{spec.INPUT_DIR}/{path.name}")
        else:
            client.log_artifact(run_id, str(path), spec.INPUT_DIR)
