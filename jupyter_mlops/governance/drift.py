"""Reference profiles saved at registration, and per-feature drift (PSI and KS) against them.

A profile holds, per numeric feature, decile bin edges with the reference share in each bin
(for PSI) and a sorted sample of up to 500 values (for the two-sample KS statistic). It is a
small JSON file saved beside the model, so registering with a profile costs no extra request.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

PROFILE_FILE = "reference_profile.json"
SAMPLE_SIZE = 500
BINS = 10
_EPS = 1e-4  # share given to an empty bin, so PSI stays finite


def build_profile(data: Any) -> dict[str, Any]:
    """The reference profile of a table's numeric columns (a pandas DataFrame or array)."""
    import numpy as np
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
    features: dict[str, Any] = {}
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy(dtype=float)
        if values.size == 0:
            continue
        edges = np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1)))
        shares = _shares(values, edges)
        step = max(1, values.size // SAMPLE_SIZE)
        sample = np.sort(values)[::step][:SAMPLE_SIZE]
        features[str(column)] = {
            "edges": edges.tolist(),
            "shares": shares,
            "sample": sample.tolist(),
            "count": int(values.size),
        }
    return {"version": 1, "features": features}


def _shares(values: Any, edges: Any) -> list[float]:
    import numpy as np

    # inner edges only: values beyond the reference range fall into the outer bins
    index = np.searchsorted(edges[1:-1], values, side="right")
    counts = np.bincount(index, minlength=max(1, len(edges) - 1))
    return [float(share) for share in counts / max(1, values.size)]


def psi(expected: list[float], actual: list[float]) -> float:
    """Population stability index between two lists of bin shares."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, _EPS), max(a, _EPS)
        total += (a - e) * math.log(a / e)
    return total


def feature_drift(profile: dict[str, Any], data: Any) -> list[dict[str, Any]]:
    """PSI and KS statistic of each profiled feature present in ``data``, worst PSI first."""
    import numpy as np
    import pandas as pd
    from scipy.stats import ks_2samp

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
    frame.columns = [str(c) for c in frame.columns]
    rows = []
    for feature, ref in profile.get("features", {}).items():
        if feature not in frame.columns:
            continue
        values = pd.to_numeric(frame[feature], errors="coerce").dropna().to_numpy(dtype=float)
        if values.size == 0:
            continue
        edges = np.asarray(ref["edges"], dtype=float)
        rows.append(
            {
                "feature": feature,
                "psi": psi(ref["shares"], _shares(values, edges)),
                "ks": float(ks_2samp(np.asarray(ref["sample"]), values).statistic),
            }
        )
    return sorted(rows, key=lambda r: -r["psi"])


def save_profile(folder: Path, data: Any) -> None:
    """Write the profile of ``data`` into a saved model's folder."""
    (folder / PROFILE_FILE).write_text(json.dumps(build_profile(data)), encoding="utf-8")


def load_profile(folder: Path) -> dict[str, Any] | None:
    """The profile saved with a model, or None when it was registered without one."""
    path = folder / PROFILE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
