"""The lab extension's unit tests (vitest, ``requestAPI`` mocked), run from the test suite.

The card form is also checked against the card schema the server serves, written here from
the Python card model, so a change to the card that the sidebar cannot show fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlops.card import card_json_schema

LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"
SOURCES = LABEXTENSION / "src"

SPLIT_MODULES = (
    "observable",
    "launchPlan",
    "cardSchema",
    "jobsModel",
    "modelsModel",
    "serverConfig",
)
"""The sidebar's modules free of React, each with its own unit tests."""

MAX_MODULE_LINES = 350


@pytest.fixture(scope="module")
def mlops_vitest_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``vitest run`` with the server's card schema at hand; its JSON report."""
    jlpm = shutil.which(
        "jlpm", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    vitest = LABEXTENSION / "node_modules" / ".bin" / "vitest"
    if jlpm is None or not vitest.exists():
        reason = "labextension/node_modules is missing: run `jlpm install` in labextension/"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI is set, so the front-end tests must run.", pytrace=False)
        pytest.skip(reason)

    folder = tmp_path_factory.mktemp("vitest")
    schema = folder / "card-schema.json"
    schema.write_text(json.dumps(card_json_schema()), encoding="utf-8")
    report = folder / "report.json"
    result = subprocess.run(
        [jlpm, "test", "--reporter=json", f"--outputFile={report}"],
        cwd=LABEXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true", "FORCE_COLOR": "0", "MLOPS_CARD_SCHEMA": str(schema)},
    )
    assert report.exists(), result.stdout[-4000:] + result.stderr[-2000:]
    body: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    body["returncode"] = result.returncode
    return body


def failures(report: dict[str, Any]) -> list[str]:
    found = []
    for suite in report["testResults"]:
        if suite["status"] != "passed" and not suite["assertionResults"]:
            found.append(f"{suite['name']}: {suite['message']}")
        for case in suite["assertionResults"]:
            if case["status"] == "failed":
                found.append(f"{case['fullName']}: {' '.join(case['failureMessages'])[:800]}")
    return found


def passed_in(report: dict[str, Any], test_file: str) -> list[str]:
    """Names of the passed tests of ``test/<test_file>``."""
    return [
        case["fullName"]
        for suite in report["testResults"]
        if Path(suite["name"]).name == test_file
        for case in suite["assertionResults"]
        if case["status"] == "passed"
    ]


def test_sidebar_unit_tests_pass(mlops_vitest_report):
    report = mlops_vitest_report

    assert failures(report) == []
    assert report["returncode"] == 0
    assert report["numPassedTests"] > 0
    assert report["numPendingTests"] == 0  # nothing skipped: the schema checks ran too


@pytest.mark.parametrize("module", SPLIT_MODULES)
def test_each_sidebar_module_has_passing_unit_tests(mlops_vitest_report, module):
    assert (SOURCES / f"{module}.ts").exists()

    assert len(passed_in(mlops_vitest_report, f"{module}.test.ts")) >= 3


def test_card_form_is_checked_against_the_served_card_schema(mlops_vitest_report):
    served = [
        name
        for name in passed_in(mlops_vitest_report, "cardSchema.test.ts")
        if name.startswith("the server's card schema")
    ]

    assert len(served) == 4


def card_enum_values(schema: dict[str, Any]) -> set[str]:
    """Every value an enum of the card schema allows, nested ones too."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(v for v in node.get("enum", []) if isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def test_no_sidebar_source_spells_out_a_card_enum_value():
    values = card_enum_values(card_json_schema())
    assert {"low", "high", "staging"} <= values  # the walk finds the card's enums
    alternatives = "|".join(map(re.escape, sorted(values)))
    literal = re.compile(rf"""(['"`])({alternatives})\1""")

    hard_coded = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(SOURCES.glob("*.ts*"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]

    assert hard_coded == []


def test_sidebar_sources_stay_small():
    sizes = {path.name: len(path.read_text().splitlines()) for path in SOURCES.glob("*.ts*")}

    assert {name: n for name, n in sizes.items() if n >= MAX_MODULE_LINES} == {}
