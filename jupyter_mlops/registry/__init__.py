"""The model registry: save a model in its native MLflow flavour, spool it, push it as a
LoggedModel and a model version carrying the notebook's card, and read the models back.

- :mod:`.flavors` picks the flavour and saves; :mod:`.serialization` chooses skops or
  cloudpickle for scikit-learn objects; :mod:`.requirements` pins what the model needs;
- :mod:`.registration` is the user's entry point; :mod:`.spool` keeps what is not pushed yet;
- :mod:`.push` writes to MLflow; :mod:`.listing` reads registered models back;
- :mod:`.best` picks (and registers) the best run of a sweep.
"""

from .best import register_best, select_best
from .flavors import SavedModel, choose_flavor, save_model
from .listing import describe_model, iter_models, list_models
from .push import SyncResult, push_entry, sync
from .registration import (
    Registration,
    SpooledRegistrationWarning,
    log_model,
    register,
    register_run,
)
from .requirements import pip_requirements_for

__all__ = [
    "Registration",
    "SavedModel",
    "SpooledRegistrationWarning",
    "SyncResult",
    "choose_flavor",
    "describe_model",
    "iter_models",
    "list_models",
    "log_model",
    "pip_requirements_for",
    "push_entry",
    "register",
    "register_best",
    "register_run",
    "save_model",
    "select_best",
    "sync",
]
