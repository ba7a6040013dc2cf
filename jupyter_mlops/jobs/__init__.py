"""Jobs: a job is an MLflow run, created SCHEDULED and owned by the process that runs it."""

import sys
import types
from typing import Any


class _JobsPackage(types.ModuleType):
    """``jupyter_mlops.jobs`` is this package and also the ``jobs()`` widget of the public API.

    Importing a submodule binds the package to ``jupyter_mlops.jobs``, replacing whatever the
    lazy API put there, so the package itself is made callable: ``mlops.jobs()`` always works.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from ..widgets import jobs

        return jobs(*args, **kwargs)


sys.modules[__name__].__class__ = _JobsPackage
