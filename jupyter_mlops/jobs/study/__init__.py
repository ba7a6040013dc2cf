"""Optuna studies of a notebook: a parent run, one child run per trial, driven by a process
that asks Optuna for each trial's parameters and tells it each trial's result.

- :mod:`.space` reads the search space, objective, sampler and pruner a user typed;
- :mod:`.plan` is the checked plan recorded on the study's run;
- :mod:`.trials` reads the trials MLflow has back as Optuna trials;
- :mod:`.driver` is the process (``python -m jupyter_mlops.jobs.study.driver``);
- :mod:`.launch` creates a study's run, starts its driver, and resumes one.
"""
