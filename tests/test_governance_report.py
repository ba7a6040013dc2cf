"""``jupyter mlops report``: one self-contained HTML page with the RAG table and charts."""

from __future__ import annotations

import re

from conftest import run_cli
from governance_support import make_model

from jupyter_mlops.config import get_settings


def test_report_is_one_self_contained_page(mlops_env):
    uri = get_settings().tracking_uri
    make_model(uri, "alpha", 1, {"champion": 1}, owner="ana", risk_tier="high", stage="production")
    make_model(uri, "beta", 2, owner="bo", risk_tier="low", use_case="ads")
    make_model(uri, "gamma", 1, risk_tier="medium")
    result = run_cli("report", "-o", "inventory.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote inventory.html"
    html = (mlops_env / "inventory.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # no script or stylesheet is fetched: every <script> is inline, plotly included
    assert re.findall(r"<script[^>]*\bsrc=", html) == [] and "<link" not in html
    assert html.count("* plotly.js v") == 1 and "Plotly.newPlot(" in html
    assert "3 models: 2 red, 0 amber, 1 green." in html
    assert "Models by risk tier and stage" in html
    rows = re.findall(r"<tr><td>(\w+)</td>", html)
    assert rows == ["alpha", "beta", "gamma"]
    alpha = html[html.index("<tr><td>alpha</td>") :].split("</tr>")[0]
    assert "RED" in alpha and "production model without validation sign-off" in alpha
    # no evaluation yet: no trend chart
    assert "over time" not in html


def test_report_and_inventory_to_an_unwritable_place_fail_clearly(mlops_env):
    for command in (["report"], ["inventory", "--format", "csv"]):
        result = run_cli(*command, "-o", str(mlops_env / "missing" / "out.html"))
        assert result.returncode == 2, result.stderr
        assert f"error: Cannot write {mlops_env / 'missing' / 'out.html'}: No such file" in (
            result.stderr
        )
