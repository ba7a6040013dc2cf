"""How scikit-learn objects are serialized: skops where it can, cloudpickle where it cannot.

MLflow saves scikit-learn models with skops and refuses to save one whose types it does not
already trust (every tree, forest, boosting or kNN model). The model being saved was made in
this very process, so the types it holds are the ones to declare trusted: exactly those,
recorded in the ``MLmodel`` file that MLflow's loader reads. Classes written in the notebook
(``__main__``) or in a local module that no installed package provides cannot be loaded by
name elsewhere, so such models are saved with cloudpickle, which carries those classes by
value.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Iterator
from typing import Any

from .requirements import is_installed_module, model_objects

SKOPS = "skops"
CLOUDPICKLE = "cloudpickle"


def is_sklearn_object(model: Any) -> bool:
    if "sklearn" not in sys.modules:
        return False
    from sklearn.base import BaseEstimator

    return isinstance(model, BaseEstimator)


def _is_local(module: str) -> bool:
    """Code that only this environment has: the notebook, or a module beside it."""
    root = module.split(".")[0]
    return root == "__main__" or not (root in sys.stdlib_module_names or is_installed_module(root))


def _local_modules(model: Any) -> set[str]:
    """Top-level modules of the model's classes and functions that are local code."""
    found = set()
    for obj in model_objects(model):
        owner = obj if isinstance(obj, type) or inspect.isfunction(obj) else type(obj)
        root = (getattr(owner, "__module__", None) or "builtins").split(".")[0]
        if _is_local(root):
            found.add(root)
    return found


def choose_format(model: Any) -> tuple[str, list[str] | None]:
    """``("skops", trusted types)`` for a model skops represents, else ``("cloudpickle", None)``."""
    if _local_modules(model):
        return CLOUDPICKLE, None
    try:
        import skops.io
    except ImportError:
        return CLOUDPICKLE, None
    try:
        untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    except Exception:  # noqa: BLE001 - a type skops cannot represent (a lambda, a C object...)
        return CLOUDPICKLE, None
    if any(_is_local(name.rsplit(".", 1)[0]) for name in untrusted):
        return CLOUDPICKLE, None
    return SKOPS, sorted(untrusted) or None


@contextlib.contextmanager
def by_value(model: Any) -> Iterator[None]:
    """While saving, cloudpickle carries the model's local modules by value, not by name."""
    import cloudpickle

    modules = [
        sys.modules[name]
        for name in _local_modules(model)
        if name != "__main__" and name in sys.modules
    ]
    for module in modules:
        cloudpickle.register_pickle_by_value(module)
    try:
        yield
    finally:
        for module in modules:
            cloudpickle.unregister_pickle_by_value(module)
