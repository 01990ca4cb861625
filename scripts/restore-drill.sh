#!/usr/bin/env bash
# Restore drill: back up a Kenes database with scripts/backup.sh, restore the dump into a new
# database, and check that the copy is whole (same tables, same rows, same migration, the
# app reads it). Run it against production's backups regularly; CI runs it on a demo database.
#
#   bash scripts/restore-drill.sh                          # a demo database on the local server
#   KENES_DRILL_SOURCE_URL=postgresql://kenes@db/kenes bash scripts/restore-drill.sh
#   KENES_DRILL_DUMP=/var/backups/kenes/kenes-....dump bash scripts/restore-drill.sh
#
# KENES_DRILL_SERVER_URL: where the scratch databases go (default the local PostgreSQL);
# KENES_DRILL_PREFIX: the start of their names (default kenes_drill).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
server="${KENES_DRILL_SERVER_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
server="${server/postgresql+psycopg:/postgresql:}"
base="${server%/*}"
tag="$(date +%s)_$$"
prefix="${KENES_DRILL_PREFIX:-kenes_drill}"
work="$(mktemp -d)"
created=()
cleanup() {
  for db in "${created[@]}"; do
    psql "$server" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "restore-drill: $*"; }
export KENES_SECRET_KEY="${KENES_SECRET_KEY:-restore-drill}" KENES_REDIS_URL="" KENES_LOG_FORMAT=text
export KENES_ANALYSIS_ID_KEY="${KENES_ANALYSIS_ID_KEY:-restore-drill}"
export KENES_LOG_REQUESTS=false

source_url="${KENES_DRILL_SOURCE_URL:-}"
dump="${KENES_DRILL_DUMP:-}"
if [ -z "$source_url" ] && [ -z "$dump" ]; then
  db="${prefix}_src_$tag"
  psql "$server" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$db\""
  created+=("$db")
  source_url="$base/$db"
  step "seeding a demo database $db"
  KENES_DATABASE_URL="$source_url" $BIN/kenes db upgrade >/dev/null 2>&1
  KENES_DATABASE_URL="$source_url" $BIN/kenes seed-demo --abuse >/dev/null
fi
source_url="${source_url/postgresql+psycopg:/postgresql:}"

if [ -z "$dump" ]; then
  step "backing up with scripts/backup.sh"
  dump="$(KENES_DATABASE_URL="$source_url" KENES_BACKUP_DIR="$work" bash scripts/backup.sh)"
fi
step "dump $(du -h "$dump" | cut -f1) $dump"

target="${prefix}_dst_$tag"
psql "$server" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$target\""
created+=("$target")
target_url="$base/$target"
step "restoring into $target"
SECONDS=0
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$target_url" "$dump"
step "restored in ${SECONDS} s"

# Every table's row count and a checksum of its rows, in one query per database.
fingerprint() {
  psql "$1" -XAtq -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE drill_fp (name text, rows bigint, digest text);
DO $$
DECLARE t record; n bigint; d text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename LOOP
    EXECUTE format('SELECT count(*), md5(coalesce(string_agg(md5(x::text), '''' ORDER BY md5(x::text)), '''')) FROM %I x', t.tablename) INTO n, d;
    INSERT INTO drill_fp VALUES (t.tablename, n, d);
  END LOOP;
END $$;
SELECT name || ' ' || rows || ' ' || digest FROM drill_fp ORDER BY name;
SQL
}
if [ -n "$source_url" ]; then
  fingerprint "$source_url" > "$work/source.txt"
  fingerprint "$target_url" > "$work/target.txt"
  if ! diff -u "$work/source.txt" "$work/target.txt"; then
    echo "restore-drill: FAILED: the restored database differs from its source" >&2
    exit 1
  fi
  step "$(wc -l < "$work/target.txt") tables, $(awk '{s+=$2} END {print s}' "$work/target.txt") rows identical"
fi

# The app runs on the copy: at the newest migration, and it reads it.
export KENES_DATABASE_URL="$target_url"
current="$($BIN/kenes db current 2>/dev/null | tail -1)"
heads="$($BIN/kenes db heads 2>/dev/null | tail -1)"
if [ "${current%% *}" != "${heads%% *}" ]; then
  echo "restore-drill: FAILED: migration $current, expected $heads" >&2
  exit 1
fi
$BIN/python - <<'PY'
from consult import create_app
from consult.extensions import db
from sqlalchemy import text

app = create_app()
with app.app_context():
    users = db.session.scalar(text("SELECT count(*) FROM users"))
    client = app.test_client()
    for path in ("/readyz", "/", "/api/v1/consultations"):
        status = client.get(path).status_code
        assert status == 200, f"{path} answered {status} on the restored database"
print(f"restore-drill: the app serves the restored database ({users} accounts)")
PY
step "OK"
