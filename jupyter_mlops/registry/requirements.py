"""Pinned pip requirements of a model, read from the objects themselves.

MLflow infers requirements by loading the saved model in a subprocess (4-5 s a model). The
model's object graph already tells which libraries it needs: the module of every estimator,
function and class in it, and, for classes written in the notebook or in a local module,
the modules their methods use.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

# Modules that are part of the model's environment but never a requirement of their own.
_NOT_REQUIREMENTS = {"builtins", "__main__", "jupyter_mlops", "typing", "abc", "functools"}
_MAX_OBJECTS = 2000  # bounds the walk on huge graphs (a forest of estimators)


@lru_cache(maxsize=1)
def _module_dists() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    return dict(packages_distributions())


def _pinned(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{dist}=={version(dist)}"
    except PackageNotFoundError:
        return None


def is_installed_module(module: str) -> bool:
    """Whether the top-level ``module`` comes from an installed distribution."""
    return module.split(".")[0] in _module_dists()


def _root(module: str | None) -> str:
    return (module or "builtins").split(".")[0]


def _children(obj: Any) -> Iterator[Any]:
    get_params = getattr(obj, "get_params", None)
    if callable(get_params) and not isinstance(obj, type):
        try:
            yield from get_params(deep=False).values()
        except Exception:  # noqa: BLE001 - a half-built estimator: its type still counts
            return
    elif isinstance(obj, (list, tuple)):
        yield from obj
    elif isinstance(obj, dict):
        yield from obj.values()


def model_objects(model: Any) -> Iterator[Any]:
    """The model and every estimator, function or class reachable through its parameters."""
    seen: set[int] = set()
    stack = [model]
    while stack and len(seen) < _MAX_OBJECTS:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        seen.add(id(obj))
        yield obj
        stack.extend(_children(obj))


def _code_modules(cls: type) -> set[str]:
    """Modules that the methods of a class written outside any package refer to."""
    found: set[str] = set()
    for func in vars(cls).values():
        func = getattr(func, "__func__", func)
        code = getattr(func, "__code__", None)
        scope = getattr(func, "__globals__", None)
        if code is None or scope is None:
            continue
        for name in code.co_names:
            value = scope.get(name)
            if isinstance(value, types.ModuleType):
                found.add(_root(value.__name__))
            elif value is not None and hasattr(value, "__module__"):
                found.add(_root(value.__module__))
    return found


def model_modules(model: Any) -> set[str]:
    """Top-level modules the model's objects (and local classes' code) come from."""
    modules: set[str] = set()
    for obj in model_objects(model):
        kinds = [obj] if inspect.isfunction(obj) or isinstance(obj, type) else [type(obj)]
        for kind in kinds:
            modules.add(_root(getattr(kind, "__module__", None)))
            if not isinstance(kind, type):
                continue
            # The bases' libraries are needed to unpickle or rebuild the class (an
            # XGBClassifier is a scikit-learn estimator too).
            for base in kind.__mro__:
                modules.add(_root(base.__module__))
                if not is_installed_module(_root(base.__module__)):
                    modules |= _code_modules(base)
    return modules


def pin(modules: Iterable[str]) -> list[str]:
    """``dist==version`` for each top-level module that an installed distribution provides."""
    dists: set[str] = set()
    for module in set(modules) - _NOT_REQUIREMENTS:
        if module in sys.stdlib_module_names:
            continue
        candidates = _module_dists().get(module, [])
        # One import name can ship in several distributions (mlflow, mlflow-skinny...):
        # the one named like the module is the one users install.
        same = [d for d in candidates if d.lower().replace("_", "-") == module.lower()]
        dists.update(same or candidates[:1])
    pins = {_pinned(d) for d in dists}
    return sorted(p for p in pins if p)


def pip_requirements_for(model: Any, extra_modules: Iterable[str] = ()) -> list[str]:
    """Pinned requirements of the packages the model's classes come from, and its flavour's."""
    return pin(model_modules(model) | {"mlflow", "numpy", *extra_modules})
