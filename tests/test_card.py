"""The model card: schema, validation, notebook storage, MLflow tags and the ``card`` command."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pydantic
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from jupyter_mlops.card import (
    CARD_PREFIX,
    METADATA_KEY,
    SCHEMA_VERSION,
    ModelCard,
    apply_updates,
    card_json_schema,
    parse_card,
    read_card,
    write_card,
)
from jupyter_mlops.cli import main
from jupyter_mlops.errors import InvalidCardError, NotebookError

PUBLIC_FIELDS = {
    "monitoring",
    "name",
    "owner",
    "description",
    "use_case",
    "risk_tier",
    "materiality",
    "stage",
    "documentation_url",
    "documentation_status",
    "validation_status",
    "inputs",
    "tags",
    "alerts",
    "smoke_parameters",
}

FULL_CARD: dict[str, Any] = {
    "name": "churn-model_v1.2",
    "owner": "Ana Pérez",
    "description": "Predicts churn — monthly.",
    "use_case": "retention offers",
    "risk_tier": "high",
    "materiality": "medium",
    "stage": "staging",
    "documentation_url": "https://docs.example.com/churn?v=1",
    "documentation_status": "draft",
    "validation_status": "in_progress",
    "inputs": ["data/train.csv", "data/holdout.parquet"],
    "tags": {"team": "risk", "region": "eu"},
    "alerts": [
        {"metric": "auc", "threshold": 0.8},
        {"metric": "log_loss", "direction": "lower_is_better", "max_drop_pct": 5},
    ],
    "smoke_parameters": {"n_rows": 500, "fast": True},
    "monitoring": {"notebook": "monitor.ipynb", "cron": "0 6 * * 1-5", "timezone": "Europe/London"},
}


def _jupyter_text(data: dict[str, Any]) -> str:
    """A notebook dict serialised the way Jupyter writes notebooks."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _without_card(data: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    data["metadata"].pop(METADATA_KEY, None)
    return data


@pytest.fixture
def mlops_notebook(tmp_path: Path):
    """Factory: write a realistic notebook with nbformat and return its path."""

    def make(name: str = "model.ipynb", *, card: dict[str, Any] | None = None) -> Path:
        nb = new_notebook(
            metadata={
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": "3.11.7"},
                "zz_custom": {"reviewed_by": "Zoë", "score": 0.93, "flags": [1, 2]},
            }
        )
        params = new_code_cell("alpha = 0.5  # learning rate\nepochs = 3\n", execution_count=1)
        params.metadata["tags"] = ["parameters"]
        nb.cells = [
            new_markdown_cell("# Churn model\n\nScores customers — weekly."),
            params,
            new_code_cell(
                "print('training')\n1 + 1",
                execution_count=2,
                outputs=[
                    new_output("stream", name="stdout", text="training\nepoch 1\n"),
                    new_output("execute_result", data={"text/plain": "2"}, execution_count=2),
                ],
            ),
            new_code_cell(
                "display(chart)",
                execution_count=3,
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/html": "<b>auc</b>\n<i>0.91</i>", "text/plain": "<chart>"},
                        metadata={"isolated": True},
                    ),
                    new_output("error", ename="ValueError", evalue="bad", traceback=["tb 1"]),
                ],
            ),
            new_raw_cell("raw text"),
        ]
        if card is not None:
            nb.metadata[METADATA_KEY] = {"schema_version": SCHEMA_VERSION, "card": card}
        folder = tmp_path / "notebooks"
        folder.mkdir(exist_ok=True)
        path = folder / name
        nbformat.write(nb, str(path))
        return path

    return make


# -- storage in the notebook -------------------------------------------------------------------
class TestRoundTrip:
    def test_card_reads_back_equal(self, mlops_notebook):
        path = mlops_notebook()
        written = write_card(path, FULL_CARD)
        assert read_card(path) == written
        auc = {"metric": "auc", "direction": "higher_is_better", "threshold": 0.8}
        loss = {"metric": "log_loss", "direction": "lower_is_better", "max_drop_pct": 5.0}
        assert read_card(path).model_dump(mode="json") == {
            **FULL_CARD,
            "alerts": [{**auc, "max_drop_pct": None}, {**loss, "threshold": None}],
        }

    def test_card_is_stored_under_its_metadata_key_with_schema_version(self, mlops_notebook):
        path = mlops_notebook()
        write_card(path, {"name": "churn"})
        block = json.loads(path.read_text(encoding="utf-8"))["metadata"][METADATA_KEY]
        assert block["schema_version"] == SCHEMA_VERSION == 1
        assert block["card"]["name"] == "churn"
        assert set(block["card"]) == PUBLIC_FIELDS

    def test_everything_else_in_the_notebook_is_unchanged(self, mlops_notebook):
        path = mlops_notebook()
        before = json.loads(path.read_text(encoding="utf-8"))
        write_card(path, FULL_CARD)
        after = json.loads(path.read_text(encoding="utf-8"))
        assert METADATA_KEY in after["metadata"]
        assert _without_card(after) == before
        assert after["metadata"]["zz_custom"] == {
            "reviewed_by": "Zoë",
            "score": 0.93,
            "flags": [1, 2],
        }

    def test_nbformat_text_outside_the_card_is_byte_identical(self, mlops_notebook):
        path = mlops_notebook()
        original = path.read_text(encoding="utf-8")
        write_card(path, FULL_CARD)
        updated = path.read_text(encoding="utf-8")
        assert _jupyter_text(_without_card(json.loads(updated))) == original
        removed = [
            line
            for line in difflib.ndiff(original.splitlines(), updated.splitlines())
            if line.startswith("- ")
        ]
        assert removed == []
        assert "Zoë" in updated and "\\u00eb" not in updated  # non-ASCII kept as is

    def test_writing_twice_is_byte_identical(self, mlops_notebook):
        path = mlops_notebook()
        write_card(path, FULL_CARD)
        first = path.read_bytes()
        write_card(path, FULL_CARD)
        assert path.read_bytes() == first
        write_card(path, read_card(path))
        assert path.read_bytes() == first

    def test_rewriting_replaces_the_previous_card(self, mlops_notebook):
        path = mlops_notebook(card={"name": "old", "owner": "bob"})
        write_card(path, ModelCard(name="new"))
        card = read_card(path)
        assert card.name == "new"
        assert card.owner is None

    def test_an_existing_card_is_read(self, mlops_notebook):
        path = mlops_notebook(card={"name": "churn", "risk_tier": "low"})
        card = read_card(path)
        assert (card.name, card.risk_tier, card.stage) == ("churn", "low", "experimental")

    def test_notebook_without_metadata_gets_one(self, tmp_path):
        path = tmp_path / "bare.ipynb"
        path.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5}))
        write_card(path, {"owner": "ana"})
        assert read_card(path).owner == "ana"

    def test_file_mode_is_kept_and_no_temp_file_is_left(self, mlops_notebook):
        path = mlops_notebook()
        os.chmod(path, 0o640)
        write_card(path, FULL_CARD)
        assert path.stat().st_mode & 0o777 == 0o640
        assert sorted(p.name for p in path.parent.iterdir()) == ["model.ipynb"]

    def test_failing_write_leaves_the_file_untouched(self, mlops_notebook):
        path = mlops_notebook(card={"name": "churn"})
        before = path.read_bytes()
        with pytest.raises(InvalidCardError, match="allowed values: low, medium, high"):
            write_card(path, {"name": "churn", "risk_tier": "extreme"})
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) == ["model.ipynb"]

    def test_write_to_a_missing_notebook_creates_nothing(self, tmp_path):
        path = tmp_path / "missing.ipynb"
        with pytest.raises(NotebookError, match="Notebook not found"):
            write_card(path, {"name": "churn"})
        assert not path.exists()
        assert not list(tmp_path.glob("*missing*"))


class TestReadCard:
    def test_notebook_without_card_is_none(self, mlops_notebook):
        assert read_card(mlops_notebook()) is None

    def test_metadata_block_without_card_is_none(self, tmp_path):
        path = tmp_path / "nb.ipynb"
        path.write_text(json.dumps({"cells": [], "metadata": {METADATA_KEY: {"other": 1}}}))
        assert read_card(path) is None

    def test_missing_file(self, tmp_path):
        with pytest.raises(NotebookError, match=r"Notebook not found: .*nope\.ipynb\. Check"):
            read_card(tmp_path / "nope.ipynb")

    def test_not_a_notebook_path(self, tmp_path):
        path = tmp_path / "model.py"
        path.write_text("x = 1\n")
        with pytest.raises(NotebookError, match=r"model\.py is not a notebook: expected a \.ipynb"):
            read_card(path)

    def test_invalid_json(self, tmp_path):
        path = tmp_path / "broken.ipynb"
        path.write_text('{"cells": [')
        with pytest.raises(NotebookError, match=r"Cannot read notebook .*broken\.ipynb"):
            read_card(path)

    def test_not_utf8(self, tmp_path):
        path = tmp_path / "latin.ipynb"
        path.write_bytes(b'\xff\xfe{"cells": []}')
        with pytest.raises(NotebookError, match=r"Cannot read notebook .*latin\.ipynb"):
            read_card(path)

    def test_a_directory(self, tmp_path):
        (tmp_path / "folder.ipynb").mkdir()
        with pytest.raises(NotebookError, match="Cannot read notebook"):
            read_card(tmp_path / "folder.ipynb")

    @pytest.mark.parametrize("content", ["[1, 2]", '{"metadata": {}}', '"text"'])
    def test_json_that_is_not_a_notebook(self, tmp_path, content):
        path = tmp_path / "odd.ipynb"
        path.write_text(content)
        with pytest.raises(NotebookError, match=r"is not a valid notebook \(no 'cells'\)"):
            read_card(path)

    def test_invalid_stored_card(self, mlops_notebook):
        path = mlops_notebook(card={"risk_tier": "extreme"})
        with pytest.raises(InvalidCardError, match="card field 'risk_tier'"):
            read_card(path)

    def test_stored_card_that_is_not_a_mapping(self, mlops_notebook):
        path = mlops_notebook(card=["name", "churn"])
        with pytest.raises(InvalidCardError, match="must be a mapping of fields, got list"):
            read_card(path)


# -- validation --------------------------------------------------------------------------------
class TestValidation:
    def test_defaults(self):
        card = parse_card({})
        assert card.stage == "experimental"
        assert card.documentation_status == "missing"
        assert card.validation_status == "not_started"
        assert (card.name, card.owner, card.risk_tier, card.description) == (None, None, None, "")
        assert (card.inputs, card.tags, card.alerts) == ([], {}, [])

    @pytest.mark.parametrize(
        ("field", "value", "allowed"),
        [
            ("risk_tier", "extreme", "low, medium, high"),
            ("materiality", "huge", "low, medium, high"),
            ("stage", "prod", "experimental, development, staging, production, retired"),
            ("documentation_status", "done", "missing, draft, complete, approved"),
            (
                "validation_status",
                "ok",
                "not_started, in_progress, passed, failed, waived",
            ),
        ],
    )
    def test_enum_field_names_field_and_allowed_values(self, field, value, allowed):
        with pytest.raises(InvalidCardError) as info:
            parse_card({field: value})
        message = info.value.message
        assert f"card field '{field}': '{value}' is not allowed" in message
        assert f"allowed values: {allowed}." in message
        assert info.value.details == {"fields": [field]}
        assert info.value.to_dict()["error"] == "INVALID_CARD"

    @pytest.mark.parametrize("field", ["risk_tier", "materiality"])
    def test_enum_values_are_case_sensitive(self, field):
        with pytest.raises(InvalidCardError, match="allowed values: low, medium, high"):
            parse_card({field: "High"})

    @pytest.mark.parametrize("name", ["-lead", ".hidden", "has space", "a/b", "", "x" * 257, "ü"])
    def test_invalid_name(self, name):
        with pytest.raises(InvalidCardError, match="is not a valid model name; use letters"):
            parse_card({"name": name})

    @pytest.mark.parametrize("name", ["churn", "A", "9lives", "churn-model_v1.2", "x" * 256])
    def test_valid_name(self, name):
        assert parse_card({"name": name}).name == name

    def test_unknown_field_with_hint(self):
        with pytest.raises(InvalidCardError) as info:
            parse_card({"ownr": "ana"})
        assert "unknown card field 'ownr'. Did you mean 'owner'?" in info.value.message
        assert "Fields: name, owner, description," in info.value.message
        assert info.value.details == {"fields": ["ownr"]}

    def test_unknown_field_without_close_match(self):
        with pytest.raises(InvalidCardError, match=r"unknown card field 'zzzz'\. Fields: ") as info:
            parse_card({"zzzz": 1})
        assert "Did you mean" not in info.value.message

    def test_unknown_key_in_an_alert_rule_hints_the_rule_fields(self):
        with pytest.raises(InvalidCardError) as info:
            parse_card({"alerts": [{"metric": "auc", "thresold": 0.8}]})
        message = info.value.message
        assert "unknown card field 'alerts.0.thresold'. Did you mean 'threshold'?" in message
        assert "Fields: metric, direction, threshold, max_drop_pct." in message

    def test_alert_rule_needs_a_limit(self):
        with pytest.raises(InvalidCardError) as info:
            parse_card({"alerts": [{"metric": "auc"}]})
        assert "card field 'alerts.0'" in info.value.message
        assert "needs 'threshold' or 'max_drop_pct'" in info.value.message
        assert info.value.details == {"fields": ["alerts"]}

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (0, "greater than 0"),
            (-5, "greater than 0"),
            (100.5, "less than or equal to 100"),
            (150, "less than or equal to 100"),
        ],
    )
    def test_max_drop_pct_out_of_range(self, value, fragment):
        with pytest.raises(InvalidCardError) as info:
            parse_card({"alerts": [{"metric": "auc", "max_drop_pct": value}]})
        assert "card field 'alerts.0.max_drop_pct'" in info.value.message
        assert fragment in info.value.message

    @pytest.mark.parametrize("value", [0.01, 50, 100])
    def test_max_drop_pct_in_range(self, value):
        card = parse_card({"alerts": [{"metric": "auc", "max_drop_pct": value}]})
        assert card.alerts[0].max_drop_pct == value
        assert card.alerts[0].direction == "higher_is_better"

    def test_alert_direction(self):
        with pytest.raises(InvalidCardError, match=r"'alerts\.1\.direction'.*higher_is_better"):
            parse_card(
                {
                    "alerts": [
                        {"metric": "auc", "threshold": 0.8},
                        {"metric": "loss", "threshold": 1, "direction": "down"},
                    ]
                }
            )

    def test_alert_metric_must_not_be_empty(self):
        with pytest.raises(InvalidCardError, match=r"card field 'alerts\.0\.metric'"):
            parse_card({"alerts": [{"metric": "", "threshold": 1}]})

    def test_tag_values_must_be_strings(self):
        with pytest.raises(InvalidCardError, match=r"card field 'tags\.team'.*valid string"):
            parse_card({"tags": {"team": 1}})

    def test_several_errors_are_all_reported(self):
        with pytest.raises(InvalidCardError) as info:
            parse_card({"risk_tier": "x", "stage": "y"})
        assert "card field 'risk_tier'" in info.value.message
        assert "card field 'stage'" in info.value.message
        assert info.value.details == {"fields": ["risk_tier", "stage"]}

    @pytest.mark.parametrize("data", [["name"], "churn", None, 3])
    def test_non_dict_card(self, data):
        with pytest.raises(InvalidCardError) as info:
            parse_card(data)
        assert info.value.message == (
            f"A model card must be a mapping of fields, got {type(data).__name__}."
        )

    def test_write_card_refuses_a_non_dict(self, mlops_notebook):
        path = mlops_notebook()
        before = path.read_bytes()
        with pytest.raises(InvalidCardError, match="must be a mapping of fields, got str"):
            write_card(path, "churn")
        assert path.read_bytes() == before

    @pytest.mark.parametrize("field", ["owner", "use_case", "documentation_url"])
    def test_blank_text_fields_become_none(self, field):
        assert getattr(parse_card({field: "   "}), field) is None
        assert getattr(parse_card({field: " x "}), field) == "x"

    def test_assignment_is_validated(self):
        card = ModelCard()
        with pytest.raises(pydantic.ValidationError, match="risk_tier"):
            card.risk_tier = "extreme"


# -- FIELD=VALUE updates -----------------------------------------------------------------------
class TestApplyUpdates:
    def test_scalar_fields(self):
        card = apply_updates(
            None,
            [
                "name=churn",
                "owner=ana",
                "risk_tier=high",
                "stage=production",
                "documentation_url=https://docs.example.com/x?a=b",
            ],
        )
        assert card.name == "churn"
        assert card.owner == "ana"
        assert card.risk_tier == "high"
        assert card.stage == "production"
        assert card.documentation_url == "https://docs.example.com/x?a=b"

    def test_keeps_the_other_fields(self):
        start = parse_card(FULL_CARD)
        card = apply_updates(start, ["owner=bob"])
        assert card.owner == "bob"
        assert card.model_dump(exclude={"owner"}) == start.model_dump(exclude={"owner"})
        assert start.owner == "Ana Pérez"  # the input card is not modified

    def test_inputs_comma_list(self):
        assert apply_updates(None, ["inputs=a.csv, b.csv,,"]).inputs == ["a.csv", "b.csv"]

    def test_inputs_json_list(self):
        card = apply_updates(None, ['inputs=["a,1.csv", "b.csv"]'])
        assert card.inputs == ["a,1.csv", "b.csv"]

    def test_inputs_empty_clears(self):
        assert apply_updates(parse_card({"inputs": ["a.csv"]}), ["inputs="]).inputs == []

    def test_one_tag(self):
        start = parse_card({"tags": {"region": "eu"}})
        card = apply_updates(start, ["tags.team=risk", "tags.note=a=b"])
        assert card.tags == {"region": "eu", "team": "risk", "note": "a=b"}

    def test_tags_json(self):
        assert apply_updates(None, ['tags={"team": "risk"}']).tags == {"team": "risk"}

    def test_tags_not_json(self):
        with pytest.raises(InvalidCardError, match=r"card field 'tags' takes JSON, e\.g\. tags="):
            apply_updates(None, ["tags=team"])

    def test_alerts_json(self):
        card = apply_updates(None, ['alerts=[{"metric": "auc", "threshold": 0.8}]'])
        assert len(card.alerts) == 1
        assert card.alerts[0].metric == "auc"
        assert card.alerts[0].threshold == 0.8

    def test_alerts_invalid_json(self):
        with pytest.raises(InvalidCardError, match="card field 'alerts': invalid JSON"):
            apply_updates(None, ['alerts=[{"metric": '])

    def test_alerts_invalid_rule(self):
        with pytest.raises(InvalidCardError, match="needs 'threshold' or 'max_drop_pct'"):
            apply_updates(None, ['alerts=[{"metric": "auc"}]'])

    @pytest.mark.parametrize("raw", ["none", "None", "NULL", "", "  "])
    def test_none_clears(self, raw):
        card = apply_updates(parse_card({"owner": "ana", "risk_tier": "low"}), [f"owner={raw}"])
        assert card.owner is None
        assert card.risk_tier == "low"

    def test_description_clears_to_empty(self):
        card = apply_updates(parse_card({"description": "old"}), ["description="])
        assert card.description == ""

    @pytest.mark.parametrize("item", ["owner", "", "=ana", "  =ana"])
    def test_missing_equals_or_field(self, item):
        with pytest.raises(InvalidCardError, match="Expected FIELD=VALUE, got"):
            apply_updates(None, [item])

    def test_unknown_field_with_hint(self):
        with pytest.raises(InvalidCardError) as info:
            apply_updates(None, ["ownr=ana"])
        assert "unknown card field 'ownr'. Did you mean 'owner'?" in info.value.message

    def test_invalid_value(self):
        with pytest.raises(InvalidCardError, match="allowed values: low, medium, high"):
            apply_updates(None, ["risk_tier=extreme"])

    def test_clearing_a_required_enum_names_the_allowed_values(self):
        with pytest.raises(InvalidCardError, match="card field 'stage': None is not allowed"):
            apply_updates(None, ["stage=none"])


# -- JSON Schema -------------------------------------------------------------------------------
def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        found = [node["enum"]] if "enum" in node else []
        return found + [e for v in node.values() for e in _enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


class TestJsonSchema:
    def test_has_every_public_field(self):
        schema = card_json_schema()
        assert set(schema["properties"]) == PUBLIC_FIELDS
        assert schema["additionalProperties"] is False

    def test_is_versioned(self):
        schema = card_json_schema()
        assert schema["x-schema-version"] == SCHEMA_VERSION
        assert schema["$id"].endswith(f"/card/v{SCHEMA_VERSION}.json")

    def test_enums(self):
        schema = card_json_schema()
        assert ["low", "medium", "high"] in _enums(schema["properties"]["risk_tier"])
        assert _enums(schema["properties"]["stage"]) == [
            ["experimental", "development", "staging", "production", "retired"]
        ]

    def test_is_a_valid_schema(self):
        jsonschema.Draft202012Validator.check_schema(card_json_schema())

    def test_accepts_good_cards(self):
        schema = card_json_schema()
        jsonschema.validate(FULL_CARD, schema)
        jsonschema.validate(parse_card(FULL_CARD).model_dump(mode="json"), schema)
        jsonschema.validate({}, schema)

    @pytest.mark.parametrize(
        ("bad", "fragment"),
        [
            ({"risk_tier": "extreme"}, "extreme"),
            ({"name": "-lead"}, "does not match"),
            ({"ownr": "ana"}, "ownr"),
            ({"inputs": "a.csv"}, "is not of type 'array'"),
            ({"alerts": [{"metric": "auc", "max_drop_pct": 150}]}, "150"),
        ],
    )
    def test_rejects_bad_cards(self, bad, fragment):
        with pytest.raises(jsonschema.ValidationError, match=fragment):
            jsonschema.validate(bad, card_json_schema())


# -- MLflow tags -------------------------------------------------------------------------------
class TestTags:
    def test_flattened_tags(self):
        tags = parse_card(FULL_CARD).to_tags()
        assert tags[f"{CARD_PREFIX}schema_version"] == "1"
        assert tags[f"{CARD_PREFIX}name"] == "churn-model_v1.2"
        assert tags[f"{CARD_PREFIX}risk_tier"] == "high"
        assert json.loads(tags[f"{CARD_PREFIX}inputs"]) == FULL_CARD["inputs"]
        assert json.loads(tags[f"{CARD_PREFIX}tags"]) == FULL_CARD["tags"]
        assert json.loads(tags[f"{CARD_PREFIX}alerts"])[1]["max_drop_pct"] == 5
        assert all(k.startswith(CARD_PREFIX) and isinstance(v, str) for k, v in tags.items())

    def test_empty_values_are_left_out(self):
        tags = ModelCard().to_tags()
        for field in ("name", "owner", "use_case", "risk_tier", "inputs", "tags", "alerts"):
            assert CARD_PREFIX + field not in tags
        assert tags[f"{CARD_PREFIX}stage"] == "experimental"

    @pytest.mark.parametrize("data", [FULL_CARD, {}, {"owner": "ana", "inputs": ["x.csv"]}])
    def test_round_trip(self, data):
        card = parse_card(data)
        assert ModelCard.from_tags(card.to_tags()) == card

    def test_from_tags_ignores_unknown_and_foreign_keys(self):
        card = parse_card(FULL_CARD)
        tags = {
            **card.to_tags(),
            f"{CARD_PREFIX}future_field": "x",
            f"{CARD_PREFIX}another": "[1, 2]",
            "mlflow.user": "ana",
            "team": "other",
        }
        assert ModelCard.from_tags(tags) == card

    def test_from_tags_validates(self):
        with pytest.raises(InvalidCardError, match="allowed values: low, medium, high"):
            ModelCard.from_tags({f"{CARD_PREFIX}risk_tier": "extreme"})


# -- the card command --------------------------------------------------------------------------
class TestCardCommand:
    def test_invalid_value_exits_2_and_leaves_the_file(self, mlops_notebook, capsys):
        path = mlops_notebook(card={"name": "churn"})
        before = path.read_bytes()
        assert main(["card", str(path), "--set", "risk_tier=extreme"]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith("error: Invalid model card:")
        assert "risk_tier" in captured.err
        assert "low, medium, high" in captured.err
        assert captured.out == ""
        assert path.read_bytes() == before

    def test_invalid_value_as_json(self, mlops_notebook, capsys):
        path = mlops_notebook()
        assert main(["--json", "card", str(path), "--set", "ownr=ana"]) == 2
        captured = capsys.readouterr()
        error = json.loads(captured.out)
        assert error["error"] == "INVALID_CARD"
        assert "Did you mean 'owner'?" in error["message"]
        assert "Did you mean 'owner'?" in captured.err

    def test_set_fields(self, mlops_notebook, capsys):
        path = mlops_notebook()
        assert main(["card", str(path), "--set", "owner=ana", "--set", "risk_tier=high"]) == 0
        card = read_card(path)
        assert (card.owner, card.risk_tier) == ("ana", "high")
        lines = capsys.readouterr().out.splitlines()
        assert "owner                  ana" in lines
        assert "risk_tier              high" in lines

    def test_set_keeps_the_rest_of_the_notebook(self, mlops_notebook, capsys):
        path = mlops_notebook()
        before = json.loads(path.read_text(encoding="utf-8"))
        assert main(["card", str(path), "--set", "tags.team=risk"]) == 0
        after = json.loads(path.read_text(encoding="utf-8"))
        assert _without_card(after) == before
        assert read_card(path).tags == {"team": "risk"}
        assert 'tags                   {"team": "risk"}' in capsys.readouterr().out

    def test_json_output(self, mlops_notebook, capsys):
        path = mlops_notebook(card=FULL_CARD)
        assert main(["--json", "card", str(path)]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data == read_card(path).model_dump(mode="json")
        assert data["owner"] == "Ana Pérez"

    def test_notebook_without_card(self, mlops_notebook, capsys):
        path = mlops_notebook()
        assert main(["card", str(path)]) == 0
        assert "has no model card yet; add one with --set name=" in capsys.readouterr().out
        assert main(["--json", "card", str(path)]) == 0
        assert json.loads(capsys.readouterr().out) is None

    def test_schema(self, capsys):
        assert main(["card", "--schema"]) == 0
        assert json.loads(capsys.readouterr().out) == card_json_schema()
        assert main(["--json", "card", "--schema"]) == 0
        assert set(json.loads(capsys.readouterr().out)["properties"]) == PUBLIC_FIELDS

    def test_no_notebook(self, capsys):
        assert main(["card"]) == 2
        assert "Give a notebook: jupyter mlops card NOTEBOOK" in capsys.readouterr().err

    def test_missing_notebook(self, tmp_path, capsys):
        assert main(["card", str(tmp_path / "nope.ipynb"), "--set", "owner=ana"]) == 2
        assert "Notebook not found" in capsys.readouterr().err
        assert not list(tmp_path.glob("*nope*"))


def test_monitoring_names_a_notebook_and_a_valid_cron():
    from jupyter_mlops.card import parse_card

    card = parse_card({"monitoring": {"notebook": "watch.ipynb", "cron": " 0 6 * * * "}})
    assert card.monitoring is not None and card.monitoring.cron == "0 6 * * *"
    assert json.loads(card.to_tags()["mlops.card.monitoring"])["notebook"] == "watch.ipynb"
    with pytest.raises(InvalidCardError, match="'daily' is not a cron expression"):
        parse_card({"monitoring": {"notebook": "watch.ipynb", "cron": "daily"}})
    with pytest.raises(InvalidCardError, match="Did you mean 'notebook'"):
        parse_card({"monitoring": {"notebok": "watch.ipynb", "cron": "0 6 * * *"}})
