"""The lab extension's unit tests (vitest, ``requestAPI`` mocked), run from the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"


def test_sidebar_model_unit_tests_pass():
    jlpm = shutil.which(
        "jlpm", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    vitest = LABEXTENSION / "node_modules" / ".bin" / "vitest"
    if jlpm is None or not vitest.exists():
        reason = "labextension/node_modules is missing: run `jlpm install` in labextension/"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI is set, so the front-end tests must run.", pytrace=False)
        pytest.skip(reason)

    result = subprocess.run(
        [jlpm, "test"],
        cwd=LABEXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true", "FORCE_COLOR": "0"},
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
