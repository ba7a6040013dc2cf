"""Governance and monitoring: policy, inventory with RAG status, gated promotion with an audit
trail, zombies, notebook checks, evaluation with drift and alerts, reports.

Core code: no Tornado, IPython display or ipywidgets here; MLflow and pandas load on first use.
"""
