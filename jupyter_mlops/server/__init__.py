"""Jupyter server extension: the REST API under ``{base_url}mlops/`` used by the lab panel."""
