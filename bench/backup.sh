# The backup step of docs/benchmarks.md (issue 18), sourced by scripts/bench.sh (BENCH_BACKUP=1 or only), which
# provides say, die, record, tool, wait_healthy, streaming, agent_pid, background and the other helpers used here.
# The seed's step 7 on the demo cluster: u6 tagged nofailover, archive_mode = always and a pgBackRest archive-push
# archive_command set with ALTER SYSTEM, a backup role; pgbench data of scale BENCH_BACKUP_SCALE. Then, BENCH_REPS times:
#   - write latency through HAProxy's primary port (bench tool `latency`: 4 clients, 25 updates/s each) for
#     BENCH_BACKUP_BASELINE_S seconds with no backup, then while a full pgBackRest backup runs from u6 (backup-standby);
#   - the replica that is neither leader nor u6 stopped, its data dir removed and its agent started again, once with
#     create_replica_methods [pgbackrest, basebackup] (a restore from the repository) and once with [basebackup]
#     (pg_basebackup from the leader); timed from the agent's start until the leader shows it streaming.
backup_scale=${BENCH_BACKUP_SCALE:-20}
backup_profile=${BENCH_BACKUP_PROFILE:-seed}
backup_baseline_s=${BENCH_BACKUP_BASELINE_S:-30}
backup_clients=4
backup_interval_ms=40
pgbr=$state/pgbackrest

backup_demo_up() { # methods: (re)starts what is not running; each node's config edited by bench/backup-config.sh
  NODEAGENT_DEMO_PROFILE=$backup_profile NODEAGENT_DEMO_CONFIG_HOOK=$repo/bench/backup-config.sh BENCH_BACKUP_METHODS=$1 \
    scripts/demo.sh up >>"$run/demo.log" 2>&1
}

backup_pgbackrest() { # args...: pgBackRest as postgres with the config that names all three nodes
  runuser -u postgres -- /usr/bin/pgbackrest --config="$pgbr/all.conf" --stanza=demo "$@"
}

backup_stop_node() { # node: the agent stops (it stops its postgres first), then its postmaster must be gone too
  local n=$1 pid pm deadline=$((SECONDS + 120))
  pid=$(agent_pid "$n") || die "no agent running for $n"
  pm=$(postmaster_pid "$n" 2>/dev/null || true)
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null || { [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; }; do
    [ $SECONDS -lt $deadline ] || die "$n: agent or postgres still running 120 s after SIGTERM"
    sleep 0.2
  done
}

backup_created() { # node method: how often the node's log says a replica was created using that method
  cat "$state/$1/log/agent.log" "$state/$1/log/node-agent.log" 2>/dev/null | grep -c "replica has been created using $2 " || true
}

backup_caught_up() { # leader_ip: both replicas have replayed what the leader had written when called
  local lsn ip deadline=$((SECONDS + 600))
  lsn=$(psql -h "$1" -U postgres -d postgres -Atqc "SELECT pg_current_wal_lsn()")
  for ip in $(others_of "$1" | tr , ' '); do
    until [ "$(psql -h "$ip" -U postgres -d postgres -Atqc "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)" = t ]; do
      [ $SECONDS -lt $deadline ] || die "$(name_of "$ip") has not replayed $lsn after 600 s"
      sleep 0.5
    done
  done
}

backup_setup() { # leader_ip: the seed's step 7 on u6, the data, the stanza
  local leader=$1 u6=127.0.1.86 pgbench=/usr/lib/postgresql/15/bin/pgbench
  psql -h "$leader" -U postgres -d postgres -qc "
    CREATE ROLE backup LOGIN REPLICATION PASSWORD 'secret';
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_start(text, boolean) TO backup;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_stop(boolean) TO backup;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal() TO backup;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point(text) TO backup;
    GRANT pg_read_all_settings, pg_checkpoint TO backup" >>"$run/backup.log" 2>&1 || die "creating the backup role failed"
  say "backup: pgbench -i scale $backup_scale on $(name_of "$leader")"
  "$pgbench" -h "$leader" -U postgres -i -q -s "$backup_scale" postgres >>"$run/backup.log" 2>&1 || die "pgbench -i failed"
  backup_caught_up "$leader"
  record "$backup_profile" backup "database size MB" 1 "$(psql -h "$leader" -U postgres -d postgres -Atqc "SELECT pg_database_size('postgres') / 1048576")"
  psql -h "$u6" -U postgres -d postgres -qc "ALTER SYSTEM SET archive_mode = 'always'" \
    -c "ALTER SYSTEM SET archive_command = '/usr/bin/pgbackrest --config=$pgbr/u6.conf --stanza=demo archive-push %p'" \
    >>"$run/backup.log" 2>&1 || die "ALTER SYSTEM on u6 failed"
  # archive_mode needs a restart: the agent brings postgres back with postgresql.auto.conf in force.
  backup_stop_node u6
  backup_demo_up "pgbackrest basebackup" || die "demo up after restarting u6 failed"
  wait_healthy 180 >/dev/null || die "not healthy after restarting u6"
  [ "$(psql -h "$u6" -U postgres -d postgres -Atqc "SHOW archive_mode")" = always ] || die "u6 does not run with archive_mode = always"
  [ "$(rest_code "$u6" master)" != 200 ] || die "u6 leads"
  local i k=0 pg=""
  for i in 6 4 5; do # pg1 is u6: with backup-standby pgBackRest copies from the first standby it finds
    k=$((k + 1))
    pg+="pg$k-path=$state/u$i/data"$'\n'"pg$k-socket-path=$state/u$i/run"$'\n'"pg$k-port=5432"$'\n'"pg$k-user=backup"$'\n'"pg$k-database=postgres"$'\n'
  done
  sed '/^\[demo\]$/,$d' "$pgbr/u6.conf" > "$pgbr/all.conf"
  printf 'start-fast=y\nbackup-standby=y\n\n[demo]\n%s' "$pg" >> "$pgbr/all.conf"
  chown postgres:postgres "$pgbr/all.conf"
  backup_pgbackrest stanza-create >>"$run/backup.log" 2>&1 || die "stanza-create failed; see $run/backup.log and $pgbr/log"
  backup_pgbackrest --no-archive-check check >>"$run/backup.log" 2>&1 || die "pgbackrest check failed; see $run/backup.log"
}

backup_latency() { # leader_ip: full backups from u6 under a steady write load, against the same load with no backup
  local lat=$run/latency-backup.log r t_a t_b t_c out client_pid stats
  background dotnet "$tool_dll" latency --target "$lb:5432" --log "$lat" --accounts $((backup_scale * 100000)) \
    --clients "$backup_clients" --interval-ms "$backup_interval_ms" 2>>"$run/writer.err"
  client_pid=$!
  wait_ack_after "$lat" "$(now_ms)" || die "the latency client cannot write through HAProxy"
  for r in $(seq 1 "$reps_default"); do
    backup_caught_up "$1"
    sleep 5 # past the client's start and the previous backup's tail
    t_a=$(now_ms); sleep "$backup_baseline_s"; t_b=$(now_ms)
    out=$(backup_pgbackrest --type=full --no-archive-check --log-level-console=info backup 2>&1) \
      || { echo "$out" >> "$run/backup.log"; die "the full backup failed; see $run/backup.log"; }
    t_c=$(now_ms)
    echo "$out" >> "$run/backup.log"
    grep -q 'replay on the standby reached' <<<"$out" || die "the backup did not copy from the standby; see $run/backup.log"
    record "$backup_profile" backup "full backup from u6 s" "$r" "$(secs $((t_c - t_b)))"
    stats=$(tool percentiles --log "$lat" --from "$t_a" --to "$t_b") || die "no writes in the window without backup"
    record "$backup_profile" backup "write p50 ms, no backup" "$r" "$(cut -d' ' -f2 <<<"$stats")"
    record "$backup_profile" backup "write p99 ms, no backup" "$r" "$(cut -d' ' -f3 <<<"$stats")"
    record "$backup_profile" backup "write max ms, no backup" "$r" "$(cut -d' ' -f4 <<<"$stats")"
    stats=$(tool percentiles --log "$lat" --from "$t_b" --to "$t_c") || die "no writes while the backup ran"
    record "$backup_profile" backup "write p50 ms, backup running" "$r" "$(cut -d' ' -f2 <<<"$stats")"
    record "$backup_profile" backup "write p99 ms, backup running" "$r" "$(cut -d' ' -f3 <<<"$stats")"
    record "$backup_profile" backup "write max ms, backup running" "$r" "$(cut -d' ' -f4 <<<"$stats")"
    record "$backup_profile" backup "load average (1 min)" "$r" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  stop_background "$client_pid"
  backup_pgbackrest info >> "$run/backup.log" 2>&1 || true
}

backup_replica() { # leader_ip method rep: the other failover replica made again from nothing with that method first
  local leader=$1 method=$2 r=$3 ip name t0 t1 before demo_pid deadline methods=basebackup
  [ "$method" = pgbackrest ] && methods="pgbackrest basebackup"
  ip=$(others_of "$leader" | tr , '\n' | grep -vx 127.0.1.86)
  name=$(name_of "$ip")
  before=$(backup_created "$name" "$method")
  backup_stop_node "$name"
  rm -rf "$state/$name/data"
  t0=$(now_ms)
  background env NODEAGENT_DEMO_PROFILE="$backup_profile" NODEAGENT_DEMO_CONFIG_HOOK="$repo/bench/backup-config.sh" \
    BENCH_BACKUP_METHODS="$methods" scripts/demo.sh up >>"$run/demo.log" 2>&1
  demo_pid=$!
  deadline=$((SECONDS + 1200))
  until [ "$(streaming "$leader" "$name")" = 1 ]; do
    [ $SECONDS -lt $deadline ] || die "$name does not stream from $(name_of "$leader") 1200 s after its start with $method"
    sleep 0.2
  done
  t1=$(now_ms)
  [ "$(backup_created "$name" "$method")" -gt "$before" ] || die "$name streams, but its log does not say it was created using $method"
  record "$backup_profile" backup "new replica, $method: agent start to streaming s" "$r" "$(secs $((t1 - t0)))"
  record "$backup_profile" backup "new replica, $method: load average (1 min)" "$r" "$(cut -d' ' -f1 /proc/loadavg)"
  # demo.sh up gives the cluster 120 s to be healthy; a slow restore may outlast that, so only the real check counts.
  wait "$demo_pid" || say "  note: demo.sh up after recreating $name returned non-zero; see $run/demo.log"
  wait_healthy 180 >/dev/null || die "not healthy after recreating $name"
}

backup_run() {
  local leader r m
  say "backup: profile $backup_profile, pgbench scale $backup_scale, $reps_default repetitions"
  keep_logs "before-backup"
  scripts/demo.sh down >>"$run/demo.log" 2>&1
  backup_demo_up "pgbackrest basebackup" || die "demo up (backup) failed; see $run/demo.log"
  leader=$(wait_healthy 120) || die "backup: replicas do not stream"
  backup_setup "$leader"
  leader=$(wait_healthy 120) || die "backup: not healthy after the setup"
  backup_latency "$leader"
  for r in $(seq 1 "$reps_default"); do
    for m in pgbackrest basebackup; do
      leader=$(wait_healthy 120) || die "backup: not healthy before recreating a replica"
      backup_replica "$leader" "$m" "$r"
    done
  done
  keep_logs "backup"
}
