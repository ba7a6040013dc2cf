"""The parameters contract: papermill's ``parameters`` cell read as typed, documented inputs.

The cell is parsed with :mod:`ast` (no kernel, no papermill import): each top-level
``name = literal`` or ``name: type = literal`` is a parameter, its trailing comment the help.
"""

from __future__ import annotations

import ast
import difflib
import io
import itertools
import json
import keyword
import math
import re
import tokenize
from dataclasses import asdict, dataclass
from typing import Any

from .errors import InvalidParameterError

TYPES = ("int", "float", "str", "bool", "list", "dict", "any")
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    help: str = ""
    expression: str | None = None
    """The default's source when it is an expression the notebook computes (``a == 3``):
    then ``default`` is None, and the notebook's own line decides unless a value is sent."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ParametersContract:
    """The declared parameters of one notebook; ``has_cell`` is False without a parameters cell."""

    parameters: tuple[Parameter, ...]
    has_cell: bool

    def by_name(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters}

    def defaults(self) -> dict[str, Any]:
        """The literal defaults; a computed one is the notebook's to compute, not a value."""
        return {p.name: p.default for p in self.parameters if p.expression is None}

    def to_dict(self) -> dict[str, Any]:
        return {"has_cell": self.has_cell, "parameters": [p.to_dict() for p in self.parameters]}


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def find_parameters_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            return dict(cell)
    return None


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return comments


def _type_of(annotation: ast.expr | None, default: Any) -> str:
    if annotation is not None:
        text = ast.unparse(annotation)
        base = text.split("[", 1)[0].replace("typing.", "").lower()
        aliases = {"list": "list", "dict": "dict", "int": "int", "float": "float", "str": "str"}
        return aliases.get(base, "bool" if base == "bool" else "any")
    if default is None:
        return "any"
    return type(default).__name__ if type(default).__name__ in _PY_TYPES else "any"


def parse_parameters(source: str) -> tuple[Parameter, ...]:
    """Parameters declared in the source of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InvalidParameterError(
            f"The parameters cell is not valid Python (line {exc.lineno}: {exc.msg}). Fix it first."
        ) from None
    comments = _comments_by_line(source)
    found: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation, value = node.targets[0], None, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation, value = node.target, node.annotation, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        comment = comments.get(node.end_lineno or node.lineno, "")
        help_text = comment
        if typed := TYPE_COMMENT.match(comment):  # papermill's "# type: List[str] Some help"
            help_text = typed.group("help").strip()
            if annotation is None:
                annotation = _annotation(typed.group("type"))
        expression = None
        try:
            default = ast.literal_eval(value)
        except (ValueError, TypeError):  # TypeError: e.g. {[1]: 2}, an unhashable key
            default, expression = None, ast.unparse(value)  # computed by the notebook
            kind = _type_of(annotation, None) if annotation is not None else "any"
        else:
            kind = _type_of(annotation, default)
        found[target.id] = Parameter(target.id, kind, default, help_text, expression)
    return tuple(found.values())


TYPE_COMMENT = re.compile(r"^type:\s*(?P<type>\S*)\s*(?P<help>.*)$")


def _annotation(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def read_contract(nb: dict[str, Any]) -> ParametersContract:
    cell = find_parameters_cell(nb)
    if cell is None:
        return ParametersContract((), has_cell=False)
    return ParametersContract(parse_parameters(_source(cell)), has_cell=True)


def read_parameters(path: str) -> ParametersContract:
    """The parameters contract of the notebook at ``path``."""
    from .card import load_notebook_json

    return read_contract(load_notebook_json(path))


def _check_name(name: str, contract: ParametersContract) -> Parameter:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidParameterError(
            f"Parameter name {name!r} is not a Python identifier; names are injected as code, "
            "so only letters, digits and '_' (not starting with a digit) are allowed.",
            parameter=name,
        )
    declared = contract.by_name()
    if not contract.has_cell:
        raise InvalidParameterError(
            f"Parameter {name!r} was given, but the notebook has no cell tagged 'parameters'. "
            "Tag the cell holding the defaults with 'parameters' (JupyterLab: property inspector "
            "> cell tags), or run without parameters.",
            parameter=name,
        )
    if name not in declared:
        hint = difflib.get_close_matches(name, list(declared), n=1)
        tip = f" Did you mean {hint[0]!r}?" if hint else ""
        known = ", ".join(declared) or "none"
        raise InvalidParameterError(
            f"Unknown parameter {name!r}.{tip} Declared parameters: {known}.", parameter=name
        )
    return declared[name]


def _check_json(name: str, value: Any) -> None:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"Parameter {name!r}: value {value!r} cannot be stored as JSON ({exc}); use numbers, "
            "strings, booleans, lists and dicts with string keys.",
            parameter=name,
        ) from None
    if json.loads(text) != value:
        raise InvalidParameterError(
            f"Parameter {name!r}: value {value!r} does not survive a JSON round trip "
            "(tuples become lists, non-string keys become strings); pass a list or a dict "
            "with string keys.",
            parameter=name,
        )


def coerce_text(param: Parameter, raw: str) -> Any:
    """Turn a command-line string into a value of the declared type."""
    kind = param.type
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            value = float(raw)
            if math.isnan(value) or math.isinf(value):
                raise ValueError("not a finite number")
            return value
        if kind == "bool":
            lowered = raw.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if kind in ("list", "dict"):
            value = json.loads(raw)
            if not isinstance(value, list if kind == "list" else dict):
                raise ValueError(f"expected a JSON {kind}")
            return value
        if kind == "str":
            return raw
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(
            f"Parameter {param.name!r} is declared {kind}; cannot read {raw!r} as {kind} ({exc}).",
            parameter=param.name,
        ) from None
    try:  # "any": a JSON literal if it parses, the text otherwise
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def check_value(param: Parameter, value: Any) -> Any:
    """Validate an already-typed value (from Python or a REST body) against the declared type."""
    _check_json(param.name, value)
    if param.type == "any" or value is None:
        return value
    expected = _PY_TYPES[param.type]
    wrong_bool = isinstance(value, bool) and param.type in ("int", "float")
    if wrong_bool or not isinstance(value, expected):
        raise InvalidParameterError(
            f"Parameter {param.name!r} is declared {param.type}, got {type(value).__name__} "
            f"{value!r}.",
            parameter=param.name,
        )
    return float(value) if param.type == "float" and isinstance(value, int | float) else value


def validate(
    contract: ParametersContract, values: dict[str, Any], *, from_text: bool = False
) -> dict[str, Any]:
    """Validate (and with ``from_text``, coerce) ``values`` against the contract."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        param = _check_name(name, contract)
        if from_text and isinstance(value, str):
            value = coerce_text(param, value)
        checked[name] = check_value(param, value)
    return checked


def parse_sweep(items: list[str]) -> dict[str, list[str]]:
    """``NAME=V1,V2`` strings into ``{NAME: [V1, V2]}``; a value ``[...]`` is a JSON list."""
    sweep: dict[str, list[str]] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip() or not raw.strip():
            raise InvalidParameterError(f"Expected --sweep NAME=V1,V2,..., got {item!r}.")
        raw = raw.strip()
        if raw.startswith("["):
            try:
                values = [v if isinstance(v, str) else json.dumps(v) for v in json.loads(raw)]
            except json.JSONDecodeError as exc:
                raise InvalidParameterError(
                    f"--sweep {name}: invalid JSON list ({exc.msg})."
                ) from None
        else:
            values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise InvalidParameterError(f"--sweep {name} has no values.")
        sweep[name.strip()] = values
    return sweep


def expand_grid(
    contract: ParametersContract,
    base: dict[str, Any],
    sweep: dict[str, list[Any]],
    *,
    from_text: bool = False,
) -> list[dict[str, Any]]:
    """The grid of parameter sets: ``base`` overlaid with every combination of ``sweep``."""
    fixed = validate(contract, base, from_text=from_text)
    axes: dict[str, list[Any]] = {}
    for name, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise InvalidParameterError(f"Sweep values for {name!r} must be a non-empty list.")
        axes[name] = [validate(contract, {name: v}, from_text=from_text)[name] for v in values]
    points = []
    for combo in itertools.product(*axes.values()):
        points.append({**fixed, **dict(zip(axes, combo, strict=True))})
    return points or [fixed]
