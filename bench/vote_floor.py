"""The app of wsgi.py plus the floors of a vote (bench/floors.py), served by bench/web.py.

Their throughput is the most a vote can reach on the same stack, served by the same gunicorn
configuration as the app and the bare hello.
"""

from __future__ import annotations

from floors import add_floor_routes

from wsgi import app

add_floor_routes(app)
