"""The parameters contract: parsing the tagged cell, validating and coercing values, sweeps."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_mlops.cli import main
from jupyter_mlops.errors import InvalidParameterError, NotebookError
from jupyter_mlops.params import (
    Parameter,
    ParametersContract,
    expand_grid,
    parse_parameters,
    parse_sweep,
    read_contract,
    read_parameters,
    validate,
)

CELL = """\
import os
from pathlib import Path

alpha = 0.5  # learning rate
epochs: int = 10  # passes over the data
label = "baseline"
verbose = True  # print progress
layers = [64, 32]
options = {"seed": 1}
threshold: float = 1  # decision cut-off
path = os.getcwd()  # where to write
nothing = None
a, b = 1, 2
x = y = 3
print("hello")
os.environ["A"] = "1"
counter += 1
declared_only: int
"""

TYPED = """\
n: int = 3
rate = 0.1
flag = False
items = [1]
cfg = {"a": 1}
text = "x"
anything = None
"""


@pytest.fixture
def mlops_notebook(tmp_path: Path):
    """Factory: write a notebook with nbformat, its parameters cell tagged unless ``tag=False``."""

    def make(params: str | None = CELL, *, tag: bool = True, name: str = "train.ipynb") -> Path:
        nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
        nb.cells.append(new_markdown_cell("# Training"))
        if params is not None:
            cell = new_code_cell(params)
            if tag:
                cell.metadata["tags"] = ["setup", "parameters"]
            nb.cells.append(cell)
        nb.cells.append(new_code_cell("print(alpha)"))
        folder = tmp_path / "notebooks"
        folder.mkdir(exist_ok=True)
        path = folder / name
        nbformat.write(nb, str(path))
        return path

    return make


def _contract(source: str) -> ParametersContract:
    return ParametersContract(parse_parameters(source), has_cell=True)


@pytest.fixture
def mlops_typed() -> ParametersContract:
    return _contract(TYPED)


# -- parsing the parameters cell ---------------------------------------------------------------
class TestParseParameters:
    def test_names_in_order(self):
        names = [p.name for p in parse_parameters(CELL)]
        assert names == [
            "alpha",
            "epochs",
            "label",
            "verbose",
            "layers",
            "options",
            "threshold",
            "path",
            "nothing",
        ]

    def test_types_defaults_and_help(self):
        found = {p.name: (p.type, p.default, p.help) for p in parse_parameters(CELL)}
        assert found == {
            "alpha": ("float", 0.5, "learning rate"),
            "epochs": ("int", 10, "passes over the data"),
            "label": ("str", "baseline", ""),
            "verbose": ("bool", True, "print progress"),
            "layers": ("list", [64, 32], ""),
            "options": ("dict", {"seed": 1}, ""),
            "threshold": ("float", 1, "decision cut-off"),
            "path": ("any", None, "where to write"),
            "nothing": ("any", None, ""),
        }

    @pytest.mark.parametrize(
        ("source", "kind"),
        [
            ("v: int = 0", "int"),
            ("v: float = 0", "float"),
            ("v: str = ''", "str"),
            ("v: bool = False", "bool"),
            ("v: list[int] = []", "list"),
            ("v: typing.List[int] = []", "list"),
            ("v: dict[str, int] = {}", "dict"),
            ("v: Dict[str, int] = {}", "dict"),
            ("v: Optional[int] = None", "any"),
            ("v: int | None = None", "any"),
            ("v: MyType = 1", "any"),
            ("v = 1", "int"),
            ("v = -1.5", "float"),
            ("v = 'a'", "str"),
            ("v = False", "bool"),
            ("v = [1]", "list"),
            ("v = {}", "dict"),
            ("v = (1, 2)", "any"),
            ("v = {1, 2}", "any"),
            ("v = b'x'", "any"),
            ("v = 1 + 2j", "any"),
            ("v = None", "any"),
        ],
    )
    def test_type(self, source, kind):
        (param,) = parse_parameters(source)
        assert param.type == kind

    @pytest.mark.parametrize(
        ("source", "kind", "default"),
        [
            ("path = os.getcwd()", "any", "os.getcwd()"),
            ("seed = random.randint(0, 9)", "any", "random.randint(0, 9)"),
            ("name = f'run-{1}'", "any", "f'run-{1}'"),
            ("total = a + b", "any", "a + b"),
            ("lookup = {[1]: 2}", "any", "{[1]: 2}"),
            ("folder: str = os.sep", "str", "os.sep"),
            ("n: int = len('abc')", "int", "len('abc')"),
        ],
    )
    def test_an_expression_default_is_computed_by_the_notebook_not_a_value(
        self, source, kind, default
    ):
        (param,) = parse_parameters(source)
        assert (param.type, param.expression, param.default) == (kind, default, None)
        contract = ParametersContract((param,), has_cell=True)
        assert param.name not in contract.defaults()  # never sent back as a string
        assert validate(contract, {}) == {}  # the notebook's own line decides

    def test_papermill_type_comments_and_help_read_as_papermill_reads_them(self, tmp_path):
        source = (
            "a = 1  # the count\n"
            "b = ['x']  # type: List[str] Nice list\n"
            "c = 0.5  # type: float\n"
            "d = a == 3  # computed\n"
        )
        kernelspec = {"name": "python3", "display_name": "P", "language": "python"}
        nb = new_notebook(metadata={"kernelspec": kernelspec})
        cell = new_code_cell(source)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
        path = tmp_path / "typed.ipynb"
        nbformat.write(nb, path)
        peer = papermill.inspect_notebook(str(path))

        ours = {p.name: p for p in parse_parameters(source)}

        for name, info in peer.items():
            assert ours[name].help == info["help"], name
        assert (ours["b"].type, ours["c"].type) == ("list", "float")
        assert peer["b"]["inferred_type_name"] == "List[str]"
        # papermill cannot read "d = a == 3" at all; here it is the expression it is
        assert (ours["d"].expression, ours["d"].default, ours["d"].help) == (
            "a == 3",
            None,
            "computed",
        )

    def test_help_from_the_last_line_of_a_multi_line_value(self):
        source = "# Model settings\nlayers = [\n    64,  # first\n    32,\n]  # hidden sizes\n"
        (param,) = parse_parameters(source)
        assert (param.default, param.help) == ([64, 32], "hidden sizes")

    def test_a_comment_above_is_not_help(self):
        (param,) = parse_parameters("# the rate\nalpha = 1\n")
        assert param.help == ""

    def test_help_strips_hashes_and_spaces(self):
        (param,) = parse_parameters("alpha = 1  ##   the rate  \n")
        assert param.help == "the rate"

    def test_a_hash_inside_a_string_is_not_help(self):
        (param,) = parse_parameters("color = '#fff'\n")
        assert (param.default, param.help) == ("#fff", "")

    def test_redefinition_keeps_the_last_value(self):
        params = parse_parameters("alpha = 1\nbeta = 2\nalpha = 0.5  # final\n")
        assert [(p.name, p.default, p.help) for p in params] == [
            ("alpha", 0.5, "final"),
            ("beta", 2, ""),
        ]

    def test_non_parameter_statements_are_ignored(self):
        source = (
            "import os\nfrom x import y\na, b = 1, 2\n[c, d] = [3, 4]\nx = y = 3\n"
            "print('hi')\nobj.attr = 1\nitems[0] = 1\ncounter += 1\nz: int\n"
            "def f():\n    inner = 1\nif True:\n    nested = 2\nfor i in range(3):\n    pass\n"
        )
        assert parse_parameters(source) == ()

    def test_empty_cell(self):
        assert parse_parameters("") == ()
        assert parse_parameters("# just a comment\n") == ()

    @pytest.mark.parametrize(
        ("source", "line"),
        [
            ("alpha = 0.5\nbeta = = 2\n", 2),
            ("alpha = (\n", 1),
            ("%matplotlib inline\nalpha = 1\n", 1),
            ("alpha = 1\n  beta = 2\n", 2),
        ],
    )
    def test_syntax_error_names_the_line(self, source, line):
        with pytest.raises(InvalidParameterError) as info:
            parse_parameters(source)
        assert info.value.message.startswith("The parameters cell is not valid Python")
        assert f"(line {line}:" in info.value.message
        assert info.value.message.endswith("Fix it first.")

    def test_parameter_to_dict(self):
        assert Parameter("a", "int", 1, "h").to_dict() == {
            "name": "a",
            "type": "int",
            "default": 1,
            "help": "h",
            "expression": None,
        }


# -- reading the contract from a notebook ------------------------------------------------------
class TestReadContract:
    def test_read_from_a_file(self, mlops_notebook):
        contract = read_parameters(str(mlops_notebook()))
        assert contract.has_cell is True
        assert contract.by_name()["alpha"] == Parameter("alpha", "float", 0.5, "learning rate")
        assert contract.defaults()["epochs"] == 10

    def test_source_as_a_string_or_a_list_of_lines(self):
        for source in ("alpha = 1\nbeta = 2\n", ["alpha = 1\n", "beta = 2\n"]):
            nb = {
                "cells": [
                    {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source}
                ]
            }
            assert read_contract(nb).defaults() == {"alpha": 1, "beta": 2}

    def test_no_tagged_cell(self, mlops_notebook):
        contract = read_parameters(str(mlops_notebook(tag=False)))
        assert contract.has_cell is False
        assert contract.parameters == ()
        assert contract.to_dict() == {"has_cell": False, "parameters": []}

    def test_a_tagged_markdown_cell_does_not_count(self):
        cell = new_markdown_cell("alpha = 1")
        cell.metadata["tags"] = ["parameters"]
        assert read_contract(new_notebook(cells=[cell])).has_cell is False

    def test_the_first_tagged_cell_is_used(self):
        first, second = new_code_cell("alpha = 1"), new_code_cell("beta = 2")
        first.metadata["tags"] = second.metadata["tags"] = ["parameters"]
        assert read_contract(new_notebook(cells=[first, second])).defaults() == {"alpha": 1}

    def test_tagged_but_empty_cell(self):
        contract = read_contract(
            {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ""}]}
        )
        assert (contract.has_cell, contract.parameters) == (True, ())

    def test_to_dict(self):
        assert _contract("alpha = 1  # rate").to_dict() == {
            "has_cell": True,
            "parameters": [
                {"name": "alpha", "type": "int", "default": 1, "help": "rate", "expression": None}
            ],
        }

    def test_missing_notebook(self, tmp_path):
        with pytest.raises(NotebookError, match="Notebook not found"):
            read_parameters(str(tmp_path / "nope.ipynb"))

    def test_values_without_parameters_cell(self, mlops_notebook):
        contract = read_parameters(str(mlops_notebook(tag=False)))
        with pytest.raises(InvalidParameterError) as info:
            validate(contract, {"alpha": "1"}, from_text=True)
        message = info.value.message
        assert "Parameter 'alpha' was given, but the notebook has no cell tagged 'parameters'" in (
            message
        )
        assert "Tag the cell holding the defaults with 'parameters'" in message
        assert info.value.details == {"parameter": "alpha"}

    def test_no_values_without_parameters_cell(self, mlops_notebook):
        contract = read_parameters(str(mlops_notebook(tag=False)))
        assert validate(contract, {}) == {}
        assert validate(contract, {}, from_text=True) == {}


# -- values from the command line --------------------------------------------------------------
class TestCoerceText:
    @pytest.mark.parametrize(
        ("name", "raw", "expected"),
        [
            ("n", "3", 3),
            ("n", " -7 ", -7),
            ("rate", "0.5", 0.5),
            ("rate", "2", 2.0),
            ("rate", "1e-3", 0.001),
            ("flag", "true", True),
            ("flag", "False", False),
            ("flag", "1", True),
            ("flag", "no", False),
            ("flag", " YES ", True),
            ("flag", "off", False),
            ("items", "[1, 2]", [1, 2]),
            ("items", "[]", []),
            ("cfg", '{"a": 1}', {"a": 1}),
            ("text", "3", "3"),
            ("text", "[1, 2]", "[1, 2]"),
            ("text", "", ""),
            ("anything", "3", 3),
            ("anything", "0.5", 0.5),
            ("anything", "[1, 2]", [1, 2]),
            ("anything", "true", True),
            ("anything", "null", None),
            ("anything", '"quoted"', "quoted"),
            ("anything", "hello", "hello"),
            ("anything", "True", "True"),
        ],
    )
    def test_coerced(self, mlops_typed, name, raw, expected):
        value = validate(mlops_typed, {name: raw}, from_text=True)[name]
        assert value == expected
        assert type(value) is type(expected)

    @pytest.mark.parametrize(
        ("name", "kind", "raw"),
        [
            ("n", "int", "abc"),
            ("n", "int", "2.5"),
            ("n", "int", ""),
            ("rate", "float", "abc"),
            ("rate", "float", "nan"),
            ("rate", "float", "inf"),
            ("rate", "float", "-Infinity"),
            ("flag", "bool", "maybe"),
            ("flag", "bool", ""),
            ("items", "list", '{"a":1}'),
            ("items", "list", "[1,"),
            ("items", "list", "1, 2"),
            ("cfg", "dict", "[1]"),
            ("cfg", "dict", "a=1"),
        ],
    )
    def test_bad_text(self, mlops_typed, name, kind, raw):
        with pytest.raises(InvalidParameterError) as info:
            validate(mlops_typed, {name: raw}, from_text=True)
        message = info.value.message
        assert message.startswith(f"Parameter {name!r} is declared {kind}; cannot read {raw!r}")
        assert info.value.details == {"parameter": name}

    @pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
    def test_any_typed_non_finite_is_refused(self, mlops_typed, raw):
        with pytest.raises(InvalidParameterError, match=r"'anything'.*cannot be stored as JSON"):
            validate(mlops_typed, {"anything": raw}, from_text=True)

    def test_typed_values_pass_through_from_text(self, mlops_typed):
        assert validate(mlops_typed, {"n": 4, "rate": 1}, from_text=True) == {"n": 4, "rate": 1.0}

    def test_several_values(self, mlops_typed):
        checked = validate(mlops_typed, {"n": "5", "flag": "on", "text": "hi"}, from_text=True)
        assert checked == {"n": 5, "flag": True, "text": "hi"}


# -- values from Python or a REST body ---------------------------------------------------------
class TestTypedValues:
    @pytest.mark.parametrize(
        ("name", "value", "expected"),
        [
            ("n", 3, 3),
            ("rate", 3, 3.0),
            ("rate", 0.25, 0.25),
            ("flag", True, True),
            ("items", [1, [2, 3], {"k": "v"}], [1, [2, 3], {"k": "v"}]),
            ("cfg", {"a": {"b": [1]}}, {"a": {"b": [1]}}),
            ("text", "hello", "hello"),
            ("anything", {"x": 1}, {"x": 1}),
            ("anything", 1.5, 1.5),
            ("n", None, None),
            ("text", None, None),
        ],
    )
    def test_accepted(self, mlops_typed, name, value, expected):
        result = validate(mlops_typed, {name: value})[name]
        assert result == expected
        assert type(result) is type(expected)

    @pytest.mark.parametrize(
        ("name", "value", "fragment"),
        [
            ("n", True, "is declared int, got bool True"),
            ("n", "3", "is declared int, got str '3'"),
            ("n", 3.0, "is declared int, got float 3.0"),
            ("rate", True, "is declared float, got bool True"),
            ("rate", "0.5", "is declared float, got str"),
            ("flag", 1, "is declared bool, got int 1"),
            ("text", 3, "is declared str, got int 3"),
            ("items", {"a": 1}, "is declared list, got dict"),
            ("cfg", [1], "is declared dict, got list"),
        ],
    )
    def test_wrong_type(self, mlops_typed, name, value, fragment):
        with pytest.raises(InvalidParameterError) as info:
            validate(mlops_typed, {name: value})
        assert info.value.message.startswith(f"Parameter {name!r} {fragment}")
        assert info.value.details == {"parameter": name}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("items", (1, 2)),
            ("anything", (1, 2)),
            ("items", [1, (2, 3)]),
            ("cfg", {1: "a"}),
            ("anything", {"a": {2: "b"}}),
        ],
    )
    def test_not_json_round_trippable(self, mlops_typed, name, value):
        with pytest.raises(InvalidParameterError) as info:
            validate(mlops_typed, {name: value})
        assert f"Parameter {name!r}" in info.value.message
        assert "does not survive a JSON round trip" in info.value.message

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("rate", float("nan")),
            ("rate", math.inf),
            ("anything", object()),
            ("anything", {1, 2}),
            ("items", [float("-inf")]),
            ("anything", b"bytes"),
        ],
    )
    def test_not_storable_as_json(self, mlops_typed, name, value):
        with pytest.raises(InvalidParameterError) as info:
            validate(mlops_typed, {name: value})
        assert f"Parameter {name!r}" in info.value.message
        assert "cannot be stored as JSON" in info.value.message


class TestNames:
    def test_unknown_name_with_hint(self):
        contract = _contract("alpha = 1\nbeta = 2\n")
        with pytest.raises(InvalidParameterError) as info:
            validate(contract, {"alpah": 0.1})
        assert info.value.message == (
            "Unknown parameter 'alpah'. Did you mean 'alpha'? Declared parameters: alpha, beta."
        )
        assert info.value.details == {"parameter": "alpah"}

    def test_unknown_name_without_close_match(self):
        with pytest.raises(InvalidParameterError) as info:
            validate(_contract("alpha = 1"), {"zzz": 1})
        assert info.value.message == "Unknown parameter 'zzz'. Declared parameters: alpha."

    def test_unknown_name_with_an_empty_cell(self):
        with pytest.raises(InvalidParameterError, match="Declared parameters: none"):
            validate(_contract(""), {"alpha": 1})

    @pytest.mark.parametrize(
        "name",
        ["a-b", "1x", "x; import os", "class", "None", "", "a b", "__import__('os')", 3],
    )
    @pytest.mark.parametrize("source", ["alpha = 1", None])
    def test_not_an_identifier(self, name, source):
        contract = _contract(source) if source else ParametersContract((), has_cell=False)
        with pytest.raises(InvalidParameterError) as info:
            validate(contract, {name: "1"}, from_text=True)
        assert info.value.message.startswith(f"Parameter name {name!r} is not a Python identifier")
        assert "names are injected as code" in info.value.message

    def test_unicode_identifier_is_a_name(self):
        assert validate(_contract("größe = 1"), {"größe": "2"}, from_text=True) == {"größe": 2}


# -- sweeps ------------------------------------------------------------------------------------
class TestParseSweep:
    @pytest.mark.parametrize(
        ("items", "expected"),
        [
            (["C=0.1,1,10"], {"C": ["0.1", "1", "10"]}),
            ([" C = 0.1 , 1 ,"], {"C": ["0.1", "1"]}),
            (["C=[1, 2]"], {"C": ["1", "2"]}),
            (['C=["a", "b,c"]'], {"C": ["a", "b,c"]}),
            (['C=[[1, 2], {"k": true}]'], {"C": ["[1, 2]", '{"k": true}']}),
            (["C=1", "depth=2,4"], {"C": ["1"], "depth": ["2", "4"]}),
            (["url=a=b,c"], {"url": ["a=b", "c"]}),
            ([], {}),
        ],
    )
    def test_parsed(self, items, expected):
        assert parse_sweep(items) == expected

    @pytest.mark.parametrize("item", ["C", "=1,2", "C=", "C=  ", " =1"])
    def test_malformed(self, item):
        with pytest.raises(InvalidParameterError) as info:
            parse_sweep([item])
        assert info.value.message == f"Expected --sweep NAME=V1,V2,..., got {item!r}."

    @pytest.mark.parametrize("item", ["C=,,", "C=[]", "C= , "])
    def test_no_values(self, item):
        with pytest.raises(InvalidParameterError, match=r"--sweep C has no values\."):
            parse_sweep([item])

    def test_invalid_json_list(self):
        with pytest.raises(InvalidParameterError, match="--sweep C: invalid JSON list"):
            parse_sweep(["C=[1, 2"])


class TestExpandGrid:
    @pytest.fixture
    def mlops_grid(self) -> ParametersContract:
        return _contract("alpha = 0.5\ndepth = 3\nseed = 0\nname = 'm'\n")

    def test_two_by_three(self, mlops_grid):
        points = expand_grid(
            mlops_grid,
            {"seed": "7", "name": "run"},
            parse_sweep(["alpha=0.1,1", "depth=2,4,8"]),
            from_text=True,
        )
        assert len(points) == 6
        assert all(p["seed"] == 7 and p["name"] == "run" for p in points)
        assert [(p["alpha"], p["depth"]) for p in points] == list(
            itertools.product([0.1, 1.0], [2, 4, 8])
        )
        for point in points:
            assert type(point["alpha"]) is float
            assert type(point["depth"]) is int
            assert set(point) == {"alpha", "depth", "seed", "name"}

    def test_typed_values(self, mlops_grid):
        points = expand_grid(mlops_grid, {}, {"alpha": [1, 0.5]})
        assert points == [{"alpha": 1.0}, {"alpha": 0.5}]
        assert type(points[0]["alpha"]) is float

    def test_sweep_wins_over_base(self, mlops_grid):
        points = expand_grid(mlops_grid, {"depth": 1}, {"depth": [5, 6]})
        assert points == [{"depth": 5}, {"depth": 6}]

    def test_no_sweep_is_one_point(self, mlops_grid):
        assert expand_grid(mlops_grid, {"seed": 1}, {}) == [{"seed": 1}]
        assert expand_grid(mlops_grid, {}, {}) == [{}]

    def test_invalid_sweep_value_raises(self, mlops_grid):
        with pytest.raises(InvalidParameterError) as info:
            expand_grid(
                mlops_grid,
                {},
                {"alpha": ["0.1", "1"], "depth": ["2", "deep"]},
                from_text=True,
            )
        assert info.value.message.startswith(
            "Parameter 'depth' is declared int; cannot read 'deep'"
        )

    def test_invalid_base_value_raises(self, mlops_grid):
        with pytest.raises(InvalidParameterError, match="Parameter 'seed' is declared int"):
            expand_grid(mlops_grid, {"seed": "x"}, {"alpha": ["1"]}, from_text=True)

    def test_unknown_sweep_name(self, mlops_grid):
        with pytest.raises(
            InvalidParameterError, match=r"Unknown parameter 'dept'\. Did you mean 'depth'"
        ):
            expand_grid(mlops_grid, {}, {"dept": [1, 2]})

    @pytest.mark.parametrize("values", [[], (1, 2), "1,2", None])
    def test_values_must_be_a_non_empty_list(self, mlops_grid, values):
        with pytest.raises(InvalidParameterError) as info:
            expand_grid(mlops_grid, {}, {"depth": values})
        assert info.value.message == "Sweep values for 'depth' must be a non-empty list."

    def test_sweep_without_parameters_cell(self):
        contract = ParametersContract((), has_cell=False)
        with pytest.raises(InvalidParameterError, match="no cell tagged 'parameters'"):
            expand_grid(contract, {}, {"alpha": [1, 2]})


# -- the params command ------------------------------------------------------------------------
class TestParamsCommand:
    def test_table(self, mlops_notebook, capsys):
        assert main(["params", str(mlops_notebook())]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].split() == ["NAME", "TYPE", "DEFAULT", "HELP"]
        rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
        assert rows["alpha"].split() == ["alpha", "float", "0.5", "learning", "rate"]
        assert rows["epochs"].split() == ["epochs", "int", "10", "passes", "over", "the", "data"]
        assert rows["label"].split() == ["label", "str", "'baseline'"]
        assert rows["path"].split() == [
            *["path", "any", "=", "os.getcwd()", "(computed)"],
            *["where", "to", "write"],
        ]
        assert set(rows) == {p.name for p in parse_parameters(CELL)}

    def test_json(self, mlops_notebook, capsys):
        assert main(["--json", "params", str(mlops_notebook())]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["has_cell"] is True
        assert data["parameters"][0] == {
            "name": "alpha",
            "type": "float",
            "default": 0.5,
            "help": "learning rate",
            "expression": None,
        }
        assert [p["name"] for p in data["parameters"]] == [p.name for p in parse_parameters(CELL)]

    def test_no_parameters_cell(self, mlops_notebook, capsys):
        path = mlops_notebook(tag=False)
        assert main(["params", str(path)]) == 0
        assert capsys.readouterr().out == (
            f"{path} has no cell tagged 'parameters': it runs with no parameters.\n"
        )
        assert main(["--json", "params", str(path)]) == 0
        assert json.loads(capsys.readouterr().out) == {"has_cell": False, "parameters": []}

    def test_syntax_error(self, mlops_notebook, capsys):
        assert main(["params", str(mlops_notebook("alpha = = 1\n"))]) == 2
        captured = capsys.readouterr()
        assert "error: The parameters cell is not valid Python (line 1:" in captured.err
        assert captured.out == ""

    def test_missing_notebook(self, tmp_path, capsys):
        assert main(["params", str(tmp_path / "nope.ipynb")]) == 2
        assert "Notebook not found" in capsys.readouterr().err
