#!/usr/bin/env bash
# Build and test times (docs/architecture.md, "Build and test times"), in one command:
#
#   bash bench/build_times.sh [REF]          # REF: a commit of this repository (default HEAD)
#
# 1. clones the repository at REF into a new directory and times `make run` from the fresh clone
#    (virtualenv, dependencies, translations, migrations, demo seed) to its first page answering
#    200 (curl every half second);
# 2. in the same clone, times `make test` (lint and the whole suite) and reads pytest's own time.
#
# Environment: BUILD_TIMES_PORT (default 5102) for `make run`, BUILD_TIMES_SKIP_TEST=1 to time the
# first page only, BUILD_TIMES_KEEP=1 to keep the clone. The machine's other load and pip's cache
# (~/.cache/pip) change the numbers: report them with the load average printed below.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-HEAD}"
port="${BUILD_TIMES_PORT:-5102}"
commit="$(git -C "$src" rev-parse --short "$ref")"
work="$(mktemp -d /tmp/kenes-build-times.XXXXXX)"
run_pid=""

cleanup() {
    if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
        kill -- "-$run_pid" 2>/dev/null || true
        wait "$run_pid" 2>/dev/null || true
    fi
    if [ "${BUILD_TIMES_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "build-times: commit $commit, clone in $work/kenes, load average $(cut -d' ' -f1-3 /proc/loadavg)"
git clone -q "$src" "$work/kenes"
git -C "$work/kenes" checkout -q "$commit"
cd "$work/kenes"

# Fresh clone -> first page of `make run`.
start="$(now)"
setsid make run PORT="$port" >"$work/run.log" 2>&1 &
run_pid=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
    if ! kill -0 "$run_pid" 2>/dev/null; then
        echo "build-times: make run stopped before serving a page; its log:" >&2
        tail -n 30 "$work/run.log" >&2
        exit 1
    fi
    sleep 0.5
done
first_page="$(elapsed "$start" "$(now)")"
kill -- "-$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true
run_pid=""
echo "build-times: fresh clone to first page of make run: ${first_page} s"

if [ "${BUILD_TIMES_SKIP_TEST:-0}" = 1 ]; then
    exit 0
fi

# `make test` in the same clone (its virtualenv is already installed by `make run`). On a shared
# machine the wall time follows the load; the CPU time (user + sys of every process) much less.
start="$(now)"
status=0
TIMEFORMAT='%U %S'
cpu="$({ time make test >"$work/test.log" 2>&1; } 2>&1)" || status=$?
wall="$(elapsed "$start" "$(now)")"
cpu="$(awk -v u="${cpu% *}" -v s="${cpu#* }" 'BEGIN { printf "%.1f", u + s }')"
if grep -qE '^make: \*\*\*' "$work/test.log"; then
    status=2
fi
summary="$(grep -E '[0-9]+ (passed|failed)' "$work/test.log" | tail -n 1 || true)"
echo "build-times: make test wall time: ${wall} s, CPU time ${cpu} s (exit $status)"
echo "build-times: pytest: ${summary:-no summary line}"
echo "build-times: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$status" != 0 ]; then
    tail -n 40 "$work/test.log" >&2
fi
exit "$status"
