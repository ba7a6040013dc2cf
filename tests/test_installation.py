"""The installed package registers its server extension and its prebuilt labextension."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def _jupyter(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120
    )
    return re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)  # drop colour codes


def test_server_extension_is_enabled_and_ok():
    text = _jupyter("server", "extension", "list")
    assert re.search(r"jupyter_mlops\s+enabled", text), text
    assert re.search(r"jupyter_mlops\s+\S+\s+OK", text), text


def test_labextension_is_enabled_and_ok():
    text = _jupyter("labextension", "list")
    if "jupyter-mlops" not in text:
        pytest.fail(f"jupyter-mlops missing from `jupyter labextension list`:\n{text}")
    assert re.search(r"jupyter-mlops v\S+ enabled\s+OK", text), text
