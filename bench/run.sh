#!/usr/bin/env bash
# Benchmarks (make bench): fidelity vs Pol.is and red-dwarf, group identity across
# recomputations, speed vs red-dwarf, scale on synthetic conversations, the web tier under load,
# the thread page and the analysis job at national scale, and faults. Results: bench/results/*.json, summary in docs/benchmarks.md.
#
#   bash bench/run.sh                       # everything (scale: 10k, 100k, 1M participants)
#   SCALE_SIZES="10000 100000" bash bench/run.sh
#   POLIS_DATA=tests/data/polis POLIS_MATH_DATA=tests/data/polis-math bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
RD=bench/.venv-reddwarf

# red-dwarf is a bench-only dependency (it needs pandas, which debate/ must not use): its own venv.
if ! "$RD/bin/python" -c 'import reddwarf' 2>/dev/null; then
    python3 -m venv "$RD"
    "$RD/bin/python" -m pip install --quiet --upgrade pip
    "$RD/bin/python" -m pip install --quiet -r bench/requirements.txt
fi

DATA="${POLIS_DATA:-../shared/data/polis}"
if [ ! -d "$DATA" ]; then
    DATA=tests/data/polis  # the same six conversations, copied for the tests
fi
MATH="${POLIS_MATH_DATA:-../shared/data/polis-math}"
if [ ! -d "$MATH" ]; then
    MATH=tests/data/polis-math  # the same three conversations, copied for the tests
fi

echo "== fidelity (Pol.is's current math; the older exports' group-id) =="
"$PY" bench/fidelity.py --data "$DATA" --math "$MATH" --force
echo
echo "== group identity across recomputations (every 50 votes) =="
"$PY" bench/stability.py --data "$MATH" "$DATA"
echo
echo "== fidelity under older Pol.is conventions (inclusion, filling, scaling) =="
"$PY" bench/variants.py --data "$DATA"
echo
echo "== speed (whole analysis vs red-dwarf's pipeline) =="
"$PY" bench/speed.py --data "$DATA" "$MATH"
echo
echo "== scale (synthetic, planted groups; 5,000 statements, 30 votes each) =="
# shellcheck disable=SC2086
"$PY" bench/scale.py ${SCALE_SIZES:+--sizes $SCALE_SIZES}
echo
echo "== web tier under load (gunicorn + PostgreSQL vs a bare Flask hello, wrk, 32 connections) =="
# KENES_BENCH_DATABASE_URL (default: kenes_scale_bench on the local PostgreSQL, re-created) and
# KENES_BENCH_REDIS_URL (default: none) choose the services.
"$PY" bench/web.py --json bench/results/web.json --label "make bench"
echo
echo "== thread page of a large consultation (10,000 statements, 200,000 votes) =="
"$PY" bench/thread_page.py --json bench/results/thread_page.json
echo
echo "== national-scale analysis in a worker (100,000 statements, 20,000 people, 1M votes) =="
"$PY" bench/analysis_worker.py --json bench/results/analysis_worker.json
echo
echo "== faults under load (private PostgreSQL and Redis; workers killed mid-job and mid-analysis) =="
"$PY" bench/faults.py --json bench/results/faults.json
echo
echo "== API fuzzing (schemathesis over /api/v1/openapi.json, negative and positive, 0 5xx) =="
"$PY" bench/fuzz_api.py --cases "${FUZZ_CASES:-6000}"
