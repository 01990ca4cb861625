"""The app of wsgi.py plus the cheapest authenticated write: the floor of a vote (bench/web.py).

``PUT /bench/floor`` goes through everything a vote goes through before its own work — the
app's request hooks, the bearer token's lookup (one query, with the owner's standing), the
vote's rate limit (one Redis round trip), the transaction's commit and a JSON answer — and does
nothing else. Its throughput is the most any vote can reach on the same stack; served by the
same gunicorn configuration as the app and the bare hello.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import login_required_json
from consult.extensions import csrf, db, limiter
from consult.ratelimits import limit_value, rate_limit_key
from wsgi import app


@login_required_json
def floor() -> Any:
    """Answer the signed-in caller's id."""
    user_id = current_user.id
    db.session.commit()
    return jsonify({"user": user_id})


# Like the API's endpoints: a bearer token, no browser session, hence no CSRF token.
app.add_url_rule(
    "/bench/floor",
    "bench_floor",
    csrf.exempt(
        limiter.shared_limit(limit_value("vote"), scope="vote", key_func=rate_limit_key)(floor)
    ),
    methods=["PUT"],
)
