#!/usr/bin/env bash
# scripts/demo.sh's NODEAGENT_DEMO_CONFIG_HOOK for the backup bench (bench/backup.sh): edits one node's rendered config.
# Usage: backup-config.sh <name> <config.yml>. u6 gets `nofailover: true` (the seed's step 7); every node gets
# create_replica_methods from BENCH_BACKUP_METHODS ("pgbackrest basebackup" by default) with a pgbackrest section as
# Patroni's documentation writes it, a restore_command (recovery_conf) fetching WAL from the repository, and its own
# pgBackRest config (pg1 = its data dir) for restore, archive-get and archive-push.
set -euo pipefail
name=$1 config=$2
state=${NODEAGENT_DEMO_DIR:-/var/tmp/node-agent-demo}
methods=${BENCH_BACKUP_METHODS:-pgbackrest basebackup}
pgbr=$state/pgbackrest
conf=$pgbr/$name.conf

grep -q '^postgresql:$' "$config" || { echo "backup-config: no top-level postgresql: in $config" >&2; exit 1; }
block="  create_replica_methods:"$'\n'
for m in $methods; do block+="  - $m"$'\n'; done
block+="  pgbackrest:
    command: /usr/bin/pgbackrest --config=$conf --stanza=demo --delta restore
    keep_data: true
    no_params: true
  recovery_conf:
    restore_command: /usr/bin/pgbackrest --config=$conf --stanza=demo archive-get %f \"%p\""
awk -v block="$block" '{ print } $0 == "postgresql:" { print block }' "$config" > "$config.new"
mv "$config.new" "$config"
[ "$name" != u6 ] || printf 'tags:\n  nofailover: true\n' >> "$config"

mkdir -p "$pgbr"/repo "$pgbr"/spool "$pgbr"/lock "$pgbr"/log
cat > "$conf" <<EOT
[global]
repo1-path=$pgbr/repo
spool-path=$pgbr/spool
lock-path=$pgbr/lock
log-path=$pgbr/log
log-level-console=warn
log-level-file=detail
compress-type=lz4
archive-mode-check=n
archive-timeout=60

[demo]
pg1-path=$state/$name/data
pg1-socket-path=$state/$name/run
pg1-port=5432
pg1-user=backup
pg1-database=postgres
EOT
chown -R postgres:postgres "$pgbr"
