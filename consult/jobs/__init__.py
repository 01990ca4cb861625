"""Background jobs: a kernel package every domain may use (never the reverse).

A domain registers plain functions in its ``init_app`` (``wiring.py``), with
:func:`~consult.jobs.runtime.register_job`::

    register_job(app, "analysis.refresh", refresh_job, tracked=True, exclusive=True,
                 key=lambda consultation_id: f"analysis:{consultation_id}", debounce=5)

and asks for runs with :func:`~consult.jobs.runtime.enqueue` (handed over after its transaction
commits). With ``REDIS_URL`` the runs go to Celery workers (``kenes worker``; ``kenes beat`` for
the periodic ones); without it they run in a thread pool of the web process, so ``make run``
needs nothing else. :mod:`~consult.jobs.runners` makes the choice, :mod:`~consult.jobs.runtime`
holds the guarantees, :mod:`~consult.jobs.wiring` plugs the package into the app, and
docs/deploy.md describes the operations.
"""
