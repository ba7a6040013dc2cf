"""Pick a model's native MLflow flavour from its type and save it with MLflow's own module.

The flavour is the one a user would choose by hand (``mlflow.xgboost.log_model`` for an
XGBoost model, ...): the first entry of ``FLAVORS`` whose library one of the model's classes
comes from. Objects of no known library are saved as pyfunc. Saving itself is always
MLflow's ``mlflow.<flavor>.save_model``; what is ours is the choice, the requirements and the
serialization of scikit-learn objects (see :mod:`.serialization`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RegistrationError
from .requirements import pip_requirements_for
from .serialization import by_value, choose_format, is_sklearn_object


def _classes(module: str, *names: str) -> Callable[[], tuple[type, ...]]:
    def load() -> tuple[type, ...]:
        lib = importlib.import_module(module)
        return tuple(getattr(lib, name) for name in names)

    return load


@dataclass(frozen=True)
class Flavor:
    """An MLflow flavour, the libraries whose models it saves, and what it needs to load."""

    name: str  # the MLflow module: mlflow.<name>
    libraries: tuple[str, ...]  # top-level modules of the model classes it takes
    accepts: Callable[[], tuple[type, ...]]  # those classes, imported only when needed
    what: str  # how the error for a wrong object of that library names what to pass
    requires: tuple[str, ...] = ()  # modules to pin beyond the model's own
    sklearn_format: bool = False  # serialised as scikit-learn objects (skops or cloudpickle)


FLAVORS: tuple[Flavor, ...] = (
    Flavor(
        "xgboost",
        ("xgboost",),
        _classes("xgboost", "Booster", "XGBModel"),
        "an xgboost.Booster or a fitted XGBClassifier/XGBRegressor/XGBRanker",
    ),
    Flavor(
        "lightgbm",
        ("lightgbm",),
        _classes("lightgbm", "Booster", "LGBMModel"),
        "a lightgbm.Booster or a fitted LGBMClassifier/LGBMRegressor/LGBMRanker",
        sklearn_format=True,
    ),
    Flavor(
        "catboost",
        ("catboost",),
        _classes("catboost", "CatBoost"),
        "a fitted CatBoost, CatBoostClassifier or CatBoostRegressor",
    ),
    Flavor(
        "statsmodels",
        ("statsmodels",),
        _classes("statsmodels.base.wrapper", "ResultsWrapper"),
        "the fitted results (what model.fit() returns), not the unfitted model",
    ),
    Flavor(
        "pytorch",
        ("torch",),
        _classes("torch.nn", "Module"),
        "a torch.nn.Module",
        requires=("cloudpickle",),
    ),
    Flavor(
        "tensorflow",
        ("tensorflow", "tf_keras"),
        _classes("tensorflow", "Module"),
        "a tf.keras.Model or a tf.Module",
    ),
    Flavor("keras", ("keras",), _classes("keras", "Model"), "a keras.Model"),
    Flavor(
        "sklearn",
        ("sklearn",),
        _classes("sklearn.base", "BaseEstimator"),
        "a scikit-learn estimator or Pipeline",
        requires=("scipy",),
        sklearn_format=True,
    ),
)


@dataclass(frozen=True)
class SavedModel:
    """What was saved: the MLflow flavour and, where there is a choice, the serialization."""

    flavor: str
    serialization: str | None = None


def _roots(model: Any) -> set[str]:
    return {(c.__module__ or "").split(".")[0] for c in type(model).__mro__}


def _import_flavor(flavor: Flavor, model: Any) -> Any:
    try:
        accepted = flavor.accepts()
        module = importlib.import_module(f"mlflow.{flavor.name}")
    except ImportError as exc:
        raise RegistrationError(
            f"Cannot register a {type(model).__qualname__}: it is a {flavor.libraries[0]} model, "
            f"saved with MLflow's {flavor.name!r} flavour, but that cannot be imported here "
            f"({exc}). Install {flavor.libraries[0]} in this environment, or wrap the model "
            "in an mlflow.pyfunc.PythonModel."
        ) from exc
    if not isinstance(model, accepted):
        raise RegistrationError(
            f"Cannot register a {type(model).__qualname__} from {flavor.libraries[0]}: MLflow's "
            f"{flavor.name!r} flavour saves {flavor.what}. Pass that instead."
        )
    return module


def choose_flavor(model: Any) -> Flavor | None:
    """The native flavour for ``model``, or None when it is no known library's model."""
    roots = _roots(model)
    for flavor in FLAVORS:
        if roots & set(flavor.libraries):
            return flavor
    return None


def _signature(model: Any, input_example: Any) -> Any:
    """Inferred from ``model.predict(input_example)``, failing clearly on a bad example."""
    from mlflow.models import infer_signature

    try:
        return infer_signature(input_example, model.predict(input_example))
    except Exception as exc:
        raise RegistrationError(
            f"Could not infer a signature: model.predict(input_example) failed ({exc}). "
            "Pass an input example the model accepts."
        ) from exc


def save_model(
    model: Any,
    path: Path,
    *,
    input_example: Any = None,
    pip_requirements: list[str] | None = None,
    reference: Any = None,
) -> SavedModel:
    """Save ``model`` in its native MLflow flavour (else pyfunc) at ``path``.

    With ``reference`` (the training features), a drift reference profile is saved beside it.
    """
    saved = _save_flavor(model, path, input_example, pip_requirements)
    if reference is not None:
        from ..governance.drift import save_profile

        save_profile(path, reference)
    return saved


def _save_flavor(
    model: Any, path: Path, input_example: Any, pip_requirements: list[str] | None
) -> SavedModel:
    import mlflow.pyfunc

    flavor = choose_flavor(model)
    module = _import_flavor(flavor, model) if flavor else mlflow.pyfunc
    is_python_model = isinstance(model, mlflow.pyfunc.PythonModel)
    if flavor is None and not is_python_model and not callable(getattr(model, "predict", None)):
        raise RegistrationError(
            f"Cannot register a {type(model).__qualname__}: it is not a model of a library "
            "MLflow has a flavour for (scikit-learn, XGBoost, LightGBM, CatBoost, statsmodels, "
            "PyTorch, Keras/TensorFlow), an mlflow.pyfunc.PythonModel, nor an object with a "
            "predict() method. Pass the fitted model, or wrap it in an mlflow.pyfunc.PythonModel."
        )
    options: dict[str, Any] = {}
    serialization = None
    if flavor and flavor.sklearn_format and is_sklearn_object(model):
        serialization, trusted = choose_format(model)
        options = {"serialization_format": serialization, "skops_trusted_types": trusted}
    elif flavor is None:
        serialization = "cloudpickle"
    extra = {*(flavor.requires if flavor else ("cloudpickle",))}
    if serialization:
        extra.add(serialization)
    if type(input_example).__module__.startswith("pandas"):
        extra.add("pandas")
    reqs = pip_requirements or pip_requirements_for(model, extra)
    common: dict[str, Any] = {"pip_requirements": reqs}
    if input_example is not None:
        common["input_example"] = input_example
        # A native flavour's own save infers it through its pyfunc loader (which knows a
        # Booster wants a DMatrix); a wrapped object is asked directly.
        if flavor is None and not is_python_model:
            common["signature"] = _signature(model, input_example)
    with by_value(model):
        if flavor is not None:
            module.save_model(model, str(path), **common, **options)
        else:
            python_model = model if is_python_model else _wrap(model)
            mlflow.pyfunc.save_model(str(path), python_model=python_model, **common)
    return SavedModel(flavor.name if flavor else "pyfunc", serialization)


def _wrap(model: Any) -> Any:
    from .._pyfunc import PredictWrapper

    return PredictWrapper(model)
