"""Jobs: a job is an MLflow run, created SCHEDULED and owned by the process that runs it.

Write side: :mod:`.request` (what to launch), :mod:`.submit` (the one write path),
:mod:`.snapshot` and :mod:`.runs` (the notebook read once; its runs made), :mod:`.sweeps`,
:mod:`.cancel`. Read side: :mod:`.query`. Running a job: :mod:`.runner` (the lifecycle),
:mod:`.watch` (heartbeat, cancel and progress), :mod:`.executors` (where it runs).
"""
