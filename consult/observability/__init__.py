"""Operations: request ids and JSON logs, Prometheus metrics, health checks, proxy headers.

Sits with the web helpers at the bottom of the layers: it imports no domain and no kernel
package. What the higher layers want reported they hand over through their ``init_app``
(:func:`~consult.observability.health.use_check` for ``/readyz``,
:func:`~consult.observability.metrics.use_collector` for ``/metrics``). ``create_app`` calls
:func:`consult.observability.wiring.init_app` first, so that every later step logs with request
ids.
"""
