"""Reproducibility: replay a run from its receipt and notebook snapshot, diff two runs.

``jupyter_mlops.replay`` lives in :mod:`.replay`, ``jupyter_mlops.diff`` in :mod:`.run_diff`;
both read runs through :mod:`.facts`.
"""
