"""Jobs: a job is an MLflow run, created SCHEDULED and owned by the process that runs it."""
