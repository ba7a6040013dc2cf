"""The model zoo: one small fitted model of every family and library register() takes.

``build()`` returns ``{name: (model, features, flavour, library)}``. Interactively this module
is imported; in a job its source is a notebook cell, so ``ClippedScaler`` is a class defined
in the notebook (``__main__``), as a data scientist would write it.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier


class ClippedScaler(BaseEstimator, TransformerMixin):
    """A transformer written in the notebook: centres and clips each column."""

    def __init__(self, limit=3.0):
        self.limit = limit

    def fit(self, X, y=None):
        self.mean_ = np.asarray(X, dtype=float).mean(axis=0)
        return self

    def transform(self, X):
        return np.clip(np.asarray(X, dtype=float) - self.mean_, -self.limit, self.limit)


def build():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in X.columns]
    shops = pd.DataFrame(
        {
            "size": X["sepal_length"],
            "region": np.where(X["petal_width"] > 1.0, "north", "south"),
        }
    )
    mixed = ColumnTransformer(
        [("num", StandardScaler(), ["size"]), ("cat", OneHotEncoder(), ["region"])]
    )
    zoo = {
        "tree": (DecisionTreeClassifier(max_depth=3, random_state=0), X, "sklearn", "scikit-learn"),
        "forest": (
            RandomForestClassifier(n_estimators=5, random_state=0),
            X,
            "sklearn",
            "scikit-learn",
        ),
        "gbm": (
            GradientBoostingClassifier(n_estimators=5, random_state=0),
            X,
            "sklearn",
            "scikit-learn",
        ),
        "hgb": (
            HistGradientBoostingClassifier(max_iter=5, random_state=0),
            X,
            "sklearn",
            "scikit-learn",
        ),
        "knn": (KNeighborsClassifier(), X, "sklearn", "scikit-learn"),
        "svm": (SVC(), X, "sklearn", "scikit-learn"),
        "linear": (LogisticRegression(max_iter=300), X, "sklearn", "scikit-learn"),
        "mixed-pipeline": (
            make_pipeline(mixed, LogisticRegression()),
            shops,
            "sklearn",
            "scikit-learn",
        ),
        "custom-pipeline": (
            make_pipeline(ClippedScaler(), LogisticRegression(max_iter=300)),
            X,
            "sklearn",
            "scikit-learn",
        ),
    }
    fitted = {name: (m.fit(data, y), data, fl, lib) for name, (m, data, fl, lib) in zoo.items()}
    fitted.update(_boosters(X, y))
    import statsmodels.api as sm

    design = sm.add_constant(X)
    fitted["ols"] = (sm.OLS(y.astype(float), design).fit(), design, "statsmodels", "statsmodels")
    return fitted


def _boosters(X, y):
    import catboost
    import lightgbm
    import xgboost

    xgb_booster = xgboost.train({"max_depth": 2}, xgboost.DMatrix(X, label=y), 5)
    lgb_booster = lightgbm.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1}, lightgbm.Dataset(X, y), 5
    )
    return {
        "xgb": (xgboost.XGBClassifier(n_estimators=5).fit(X, y), X, "xgboost", "xgboost"),
        "xgb-booster": (xgb_booster, X, "xgboost", "xgboost"),
        "lgbm": (
            lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y),
            X,
            "lightgbm",
            "lightgbm",
        ),
        "lgbm-booster": (lgb_booster, X, "lightgbm", "lightgbm"),
        "catboost": (
            catboost.CatBoostClassifier(
                iterations=5, random_seed=0, verbose=0, allow_writing_files=False
            ).fit(X, y),
            X,
            "catboost",
            "catboost",
        ),
    }
