#!/usr/bin/env bash
# Back up the Kenes PostgreSQL database with pg_dump (custom format: compressed, restorable
# table by table with pg_restore). Keeps the newest KENES_BACKUP_KEEP dumps.
#
#   KENES_DATABASE_URL=postgresql://kenes@db/kenes KENES_BACKUP_DIR=/var/backups/kenes \
#     bash scripts/backup.sh            # prints the path of the new dump
set -euo pipefail
url="${KENES_DATABASE_URL:?set KENES_DATABASE_URL (PostgreSQL)}"
url="${url/postgresql+psycopg:/postgresql:}"
case "$url" in postgres://*|postgresql://*) ;; *) echo "backup: not a PostgreSQL URL" >&2; exit 2;; esac
dir="${KENES_BACKUP_DIR:-instance/backups}"
keep="${KENES_BACKUP_KEEP:-14}"
mkdir -p "$dir"
umask 077
file="$dir/kenes-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial" "$url"
mv "$file.partial" "$file"
# Oldest first beyond the newest $keep.
ls -1t "$dir"/kenes-*.dump 2>/dev/null | tail -n +"$((keep + 1))" | xargs -r rm -f
echo "$file"
