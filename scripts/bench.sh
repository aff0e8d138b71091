#!/usr/bin/env bash
# Benchmarks of docs/benchmarks.md on the seed topology on loopback (scripts/demo.sh: 3 etcd, 3 agents,
# HAProxy checking with 'inter 1s fall 2 rise 1'), for the DCS timer profiles seed (ttl 30, loop_wait 10,
# retry_timeout 10) and fast (10/2/3). A client (bench/NodeAgent.Bench) writes one row every 20 ms through
# HAProxy's primary port and logs every acknowledged write; the scenarios are timed against that log and
# against postgres directly. Raw results: out/bench/<run>/results.tsv; summary: out/bench/<run>/summary.tsv.
# Knobs: BENCH_PROFILES ("seed fast"), BENCH_REPS (3), BENCH_SEED_REPS (3), BENCH_HEALTH_PROFILE (seed),
# BENCH_SCENARIOS ("footprint switchover hard_loss pg_crash"; with BENCH_SYNC=1 also "sync_stop"),
# BENCH_BOOTSTRAP_REPS (BENCH_REPS), BENCH_WRITE_INTERVAL_MS (20; 1 is the writer at full rate),
# BENCH_SYNC (0; 1: synchronous_mode true after bootstrap; quorum: synchronous_mode quorum; either way pgbench's
# throughput and latency through HAProxy asynchronous, synchronous and quorum first unless BENCH_PGBENCH=0),
# BENCH_ASYNC_REPS (0: hard losses with synchronous_mode still off before it is turned on, the asynchronous
# figure of the same run), BENCH_BACKUP (0; 1: after the profiles also the backup step of issue 18,
# bench/backup.sh; only: that alone) with BENCH_BACKUP_SCALE (20), BENCH_BACKUP_PROFILE (seed) and
# BENCH_BACKUP_BASELINE_S (30), BENCH_HAPROXY_CHECK ('inter 1s fall 2 rise 1'; 'inter 3s fall 3 rise 2' is the
# seed's own), BENCH_PUSH (0; 1: the routing push, HAProxy's admin socket named in each agent's haproxy_runtime),
# BENCH_AGENT (node-agent; patroni: Patroni 3.0.2 on the same configs), BENCH_FOOTPRINT_SETTLE_S (30: idle before the
# footprint minute), BENCH_FOOTPRINT_MINUTES (1: the idle minutes the footprint's CPU is read over). Each switchover
# and hard loss records the 1-minute load average before it and starts after a random
# 0-3 s pause (HAProxy's check phase); HAProxy's state changes are kept with timestamps in haproxy-events-<profile>.log.
# Run as root; it stops and removes the demo cluster on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
profiles=${BENCH_PROFILES:-seed fast}
reps_default=${BENCH_REPS:-3}
reps_seed=${BENCH_SEED_REPS:-$reps_default}
health_profile=${BENCH_HEALTH_PROFILE:-seed}
scenarios=" ${BENCH_SCENARIOS:-footprint switchover hard_loss pg_crash} "
sync=${BENCH_SYNC:-0}
backup=${BENCH_BACKUP:-0}
async_reps=${BENCH_ASYNC_REPS:-0}
bootstrap_reps=${BENCH_BOOTSTRAP_REPS:-}
write_interval=${BENCH_WRITE_INTERVAL_MS:-20}
pgbench_cost=${BENCH_PGBENCH:-1}
run=${BENCH_OUT:-$repo/out/bench/$(date +%Y%m%d-%H%M%S)}
export NODEAGENT_DEMO_DIR=${NODEAGENT_DEMO_DIR:-/var/tmp/node-agent-demo}
export NODEAGENT_DEMO_HAPROXY_CHECK=${BENCH_HAPROXY_CHECK:-inter 1s fall 2 rise 1}
export NODEAGENT_DEMO_HAPROXY_RUNTIME=${BENCH_PUSH:-0}
export NODEAGENT_DEMO_AGENT=${BENCH_AGENT:-node-agent}
export NODEAGENT_DEMO_BUILD=0
export PGPASSWORD=secret PGCONNECT_TIMEOUT=2 ETCDCTL_API=3
state=$NODEAGENT_DEMO_DIR
node_ips=(127.0.1.84 127.0.1.85 127.0.1.86)
nodes=(u4 u5 u6)
lb=127.0.1.87
etcd_endpoints=127.0.1.81:2379,127.0.1.82:2379,127.0.1.83:2379
leader_key=/service/PGC1/leader
tool_dll=$repo/bench/NodeAgent.Bench/bin/Release/net10.0/NodeAgent.Bench.dll
bg_pids=()

say() { printf '%s bench: %s\n' "$(date +%T)" "$*" | tee -a "$run/bench.log" >&2; }
die() { say "FAILED: $*"; exit 1; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
tool() { dotnet "$tool_dll" "$@"; }
record() { # profile scenario metric rep value
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$run/results.tsv"
  say "  $1 $2 #$4: $3 = $5"
}

keep_logs() { # label: the agents' logs outlive demo.sh down
  local n
  [ -d "$state" ] || return 0
  mkdir -p "$run/logs/$1"
  for n in "${nodes[@]}"; do
    cp "$state/$n/log/agent.log" "$run/logs/$1/$n-agent.log" 2>/dev/null || true
    cat "$state/$n"/log/node-agent.log* "$state/$n"/log/patroni.log* >> "$run/logs/$1/$n-agent.log" 2>/dev/null || true
    cat "$state/$n"/data/log/*.log > "$run/logs/$1/$n-postgres.log" 2>/dev/null || true
  done
  cp "$state/haproxy/haproxy.log" "$run/logs/$1/haproxy.log" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  for pid in "${bg_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  keep_logs "last"
  scripts/demo.sh down >>"$run/demo.log" 2>&1 || true
  [ $rc = 0 ] || say "exit $rc; cluster removed; logs in $run"
}

background() { # command...: in its own process group, so cleanup can end it with its children
  setsid "$@" &
  bg_pids+=($!)
}

stop_background() { # pid: TERM, then KILL after 10 s (run10: the writer hung in its shutdown for minutes)
  local i
  kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

name_of() { local i; for i in 0 1 2; do if [ "${node_ips[$i]}" = "$1" ]; then echo "${nodes[$i]}"; fi; done; }
others_of() { local ip out=(); for ip in "${node_ips[@]}"; do [ "$ip" = "$1" ] || out+=("$ip"); done; local IFS=,; echo "${out[*]}"; }
rest_code() { curl -s -m 2 -o /dev/null -w '%{http_code}' -X OPTIONS "http://$1:8008/$2" || true; }

leader_ip() { # the one node answering OPTIONS /master with 200, if exactly one does
  local ip found=()
  for ip in "${node_ips[@]}"; do [ "$(rest_code "$ip" master)" = 200 ] && found+=("$ip"); done
  [ ${#found[@]} = 1 ] && echo "${found[0]}"
}

streaming() { # leader_ip [member]: how many replicas stream from the leader (only that member, if given)
  local where="state = 'streaming'"
  [ -n "${2:-}" ] && where+=" AND application_name = '$2'"
  psql -h "$1" -U postgres -d postgres -Atqc "SELECT count(*) FROM pg_stat_replication WHERE $where" 2>/dev/null || echo 0
}

wait_healthy() { # deadline_s: one leader, two replicas that stream from it; prints the leader's ip
  local deadline=$((SECONDS + $1)) leader replicas ip
  while [ $SECONDS -lt $deadline ]; do
    leader=$(leader_ip || true)
    if [ -n "$leader" ]; then
      replicas=0
      for ip in "${node_ips[@]}"; do [ "$(rest_code "$ip" replica)" = 200 ] && replicas=$((replicas + 1)); done
      if [ $replicas = 2 ] && [ "$(streaming "$leader")" = 2 ]; then echo "$leader"; return 0; fi
    fi
    sleep 0.1
  done
  return 1
}

wait_ack_after() { # log ms: the writer acknowledged a write after ms (so a gap has an end)
  local deadline=$((SECONDS + 60)) last
  while [ $SECONDS -lt $deadline ]; do
    last=$(tail -n 1 "$1" 2>/dev/null | cut -d' ' -f1)
    [ -n "$last" ] && [ "$last" -gt "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

agent_pid() { # node: the pid file names the agent (Patroni: its process; an older demo recorded runuser, the agent its child)
  local pid; pid=$(cat "$state/$1/pid")
  case "$(cat "/proc/$pid/comm" 2>/dev/null)" in node-agent|patroni) echo "$pid" ;; *) pgrep -P "$pid" -x node-agent ;; esac
}
postmaster_pid() { head -n 1 "$state/$1/data/postmaster.pid"; }

start_wait() { # go_file hosts probe: a probe that starts polling once go_file exists; pid in $wait_pid
  rm -f "$1"
  background bash -c 'while [ ! -e "$0" ]; do sleep 0.005; done; exec dotnet "$1" wait --hosts "$2" --probe "$3" --timeout-ms 240000' \
    "$1" "$tool_dll" "$2" "$3" > "$run/wait.out"
  wait_pid=$!
  sleep 3 # the probe's JIT start must not be part of what it measures
}

gap_and_loss() { # profile scenario rep from_ms to_ms leader_ip: client gap and lost acknowledged writes
  local gap lost
  gap=$(tool gap --log "$writes" --from "$4" --to "$5") || die "no writes around the incident"
  record "$1" "$2" "client gap s" "$3" "$(secs "${gap%% *}")"
  lost=$(tool lost --log "$writes" --host "$6" --from "$(( $4 - 10000 ))" --to "$5")
  record "$1" "$2" "acknowledged writes lost" "$3" "$(echo "$lost" | cut -d' ' -f2)"
  [ "$(echo "$lost" | cut -d' ' -f2)" = 0 ] || say "  lost ids (first 20): $(echo "$lost" | cut -d' ' -f3)"
  # Failed attempts in the window, and of those the writes a read-only server refused (SQLSTATE 25006).
  record "$1" "$2" "failed writes" "$3" "$(awk -v f="$4" -v t="$5" '$1 >= f && $1 <= t' "$write_errors" | wc -l)"
  record "$1" "$2" "read-only errors" "$3" "$(awk -v f="$4" -v t="$5" '$1 >= f && $1 <= t && $2 == "25006"' "$write_errors" | wc -l)"
}

bootstrap() { # profile rep
  keep_logs "before-$1-bootstrap-$2"
  scripts/demo.sh down >>"$run/demo.log" 2>&1
  NODEAGENT_DEMO_PROFILE=$1 scripts/demo.sh up >>"$run/demo.log" 2>&1 || die "demo up ($1) failed; see $run/demo.log"
  local leader started healthy done_ms
  leader=$(wait_healthy 120) || die "bootstrap: replicas do not stream"
  done_ms=$(now_ms)
  started=$(awk '$1 == "nodes_started" { print $2; exit }' "$state/timing")
  healthy=$(awk '$1 == "healthy" { print $2; exit }' "$state/timing")
  # demo.sh saw 1 leader + 2 replicas; if streaming came later, that later moment counts.
  local end; end=$(awk -v h="$healthy" -v d="$done_ms" 'BEGIN { d /= 1000; printf "%.3f", (d - h > 0.5 ? d : h) }')
  record "$1" bootstrap "to healthy s" "$2" "$(awk -v s="$started" -v e="$end" 'BEGIN { printf "%.2f", e - s }')"
}

fence_pid() { # node: NodeAgent's fence process (`node-agent --fence`, a child of the agent), if it runs
  local c; for c in $(pgrep -P "$1" -x node-agent 2>/dev/null); do grep -qa -- --fence "/proc/$c/cmdline" && echo "$c"; done
}

private_mb() { # pid: memory no other process shares (RSS counts the binary's pages that the agents and the fence share)
  awk '/^Private_(Clean|Dirty)/ { kb += $2 } END { printf "%.1f", kb / 1024 }' "/proc/$1/smaps_rollup"
}

footprint() { # profile: RSS after 60 s idle and CPU over that minute, per agent (agent process only), the leader
  # apart from the replicas: the leader renews the lock, writes its status and keeps the slots, the replicas do not.
  # The machine's load average is recorded beside them: on a shared machine the CPU figures are only indicative.
  # BENCH_FOOTPRINT_SETTLE_S (30): idle time after bootstrap before the minute starts (the checkpoint after
  # bootstrap, the first slot and status writes are not idle work). NodeAgent's fence process (its own process,
  # armed on the leader; Patroni has none without a watchdog device) is recorded apart. BENCH_FOOTPRINT_MINUTES (1):
  # CPU is read over that many idle minutes and given per minute to 3 decimals (one minute resolves only 0.01 s).
  local n pid fpid tck role leader minutes=${BENCH_FOOTPRINT_MINUTES:-1} digits=2; tck=$(getconf CLK_TCK)
  [ "$minutes" -gt 1 ] && digits=3
  sleep "${BENCH_FOOTPRINT_SETTLE_S:-30}"
  leader=$(name_of "$(leader_ip || true)")
  [ -n "$leader" ] || die "footprint: no single leader"
  declare -A cpu0 fcpu0 fpids
  record "$1" footprint "load average (1 min) at the start" 1 "$(cut -d' ' -f1 /proc/loadavg)"
  for n in "${nodes[@]}"; do
    pid=$(agent_pid "$n"); cpu0[$n]=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    fpids[$n]=$(fence_pid "$pid" | head -n 1)
    [ -n "${fpids[$n]}" ] && fcpu0[$n]=$(awk '{ print $14 + $15 }' "/proc/${fpids[$n]}/stat")
  done
  sleep $((60 * minutes))
  record "$1" footprint "load average (1 min) at the end" 1 "$(cut -d' ' -f1 /proc/loadavg)"
  for n in "${nodes[@]}"; do
    pid=$(agent_pid "$n")
    role=replica; [ "$n" = "$leader" ] && role=leader
    record "$1" footprint "$role agent RSS MB" "$n" "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")"
    record "$1" footprint "$role agent private MB" "$n" "$(private_mb "$pid")"
    record "$1" footprint "$role agent CPU s per idle min" "$n" \
      "$(awk -v a="${cpu0[$n]}" -v t="$tck" -v m="$minutes" -v d="$digits" '{ printf "%.*f", d, ($14 + $15 - a) / t / m }' "/proc/$pid/stat")"
    fpid=${fpids[$n]}
    if [ -n "$fpid" ] && [ -r "/proc/$fpid/stat" ]; then
      record "$1" footprint "$role fence process RSS MB" "$n" "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$fpid/status")"
      record "$1" footprint "$role fence process private MB" "$n" "$(private_mb "$fpid")"
      record "$1" footprint "$role fence process CPU s per idle min" "$n" \
        "$(awk -v a="${fcpu0[$n]}" -v t="$tck" -v m="$minutes" -v d="$digits" '{ printf "%.*f", d, ($14 + $15 - a) / t / m }' "/proc/$fpid/stat")"
    fi
  done
}

wrk_ms() { # wrk latency text (e.g. 512.00us, 3.2ms, 1.1s) -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; else if (v ~ /m$/) n *= 60000; printf "%.2f", n }'
}

health() { # profile leader_ip
  command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  printf 'wrk.method = "OPTIONS"\n' > "$run/options.lua"
  local role ip target text n
  for role in leader replica; do
    if [ $role = leader ]; then ip=$2; else ip=$(others_of "$2" | cut -d, -f1); fi
    n=$(name_of "$ip")
    for target in "OPTIONS /master" "GET /patroni"; do
      local args=(-t2 -c16 -d10s --latency)
      [ "${target%% *}" = OPTIONS ] && args+=(-s "$run/options.lua")
      text=$(wrk "${args[@]}" "http://$ip:8008${target#* }") || die "wrk $target on $ip failed: $text"
      echo "== $role $n $target"$'\n'"$text" >> "$run/wrk.txt"
      record "$1" health "$target on $role req/s" 1 "$(echo "$text" | awk '/^Requests\/sec/ { printf "%.0f", $2 }')"
      record "$1" health "$target on $role p99 ms" 1 "$(wrk_ms "$(echo "$text" | awk '$1 == "99%" { print $2 }')")"
      record "$1" health "agent RSS MB after $target on $role" 1 "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$(agent_pid "$n")/status")"
    done
  done
  health_floor "$1"
}

health_floor() { # profile: what this machine allows at all. HAProxy answering a fixed 200 itself (C, one
  # event loop, no work per request), measured with the same wrk command while the cluster runs.
  local dir=$run/floor text
  mkdir -p "$dir"
  printf 'global\n  maxconn 1000\ndefaults\n  mode http\n  timeout client 10s\n  timeout connect 1s\n  timeout server 10s\nfrontend floor\n  bind 127.0.1.88:8008\n  http-request return status 200 content-type text/plain string ok\n' > "$dir/haproxy.cfg"
  haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" || die "the floor HAProxy did not start"
  text=$(wrk -t2 -c16 -d10s --latency -s "$run/options.lua" "http://127.0.1.88:8008/master") || text=
  kill "$(cat "$dir/haproxy.pid")" 2>/dev/null || true
  [ -n "$text" ] || die "wrk on the floor HAProxy failed"
  echo "== floor haproxy http-request return 200"$'\n'"$text" >> "$run/wrk.txt"
  record "$1" health "floor: HAProxy fixed 200 req/s" 1 "$(echo "$text" | awk '/^Requests\/sec/ { printf "%.0f", $2 }')"
  record "$1" health "floor: HAProxy fixed 200 p99 ms" 1 "$(wrk_ms "$(echo "$text" | awk '$1 == "99%" { print $2 }')")"
}

jitter() { # a random 0-3 s pause before a repetition: repetitions a fixed time apart would meet HAProxy's 3 s checks
  # at the same phase each time, and the rise/fall wait would be one sample taken three times
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", r % 3000 / 1000 }')"
}

switchover() { # profile rep
  local leader name t0 t_cmd t_up new leader_after
  leader=$(wait_healthy 120) || die "switchover: cluster not healthy before"
  jitter
  name=$(name_of "$leader")
  record "$1" switchover "load average (1 min) before" "$2" "$(cut -d' ' -f1 /proc/loadavg)"
  start_wait "$run/go" "$(others_of "$leader")" writable
  touch "$run/go"; t0=$(now_ms)
  curl -s -m 120 -X POST "http://$leader:8008/switchover" -d "{\"leader\":\"$name\"}" >> "$run/switchover.out" || true
  t_cmd=$(now_ms); echo >> "$run/switchover.out"
  wait "$wait_pid" || die "switchover: no other node became writable"
  read -r new t_up < "$run/wait.out"
  record "$1" switchover "POST /switchover returned s" "$2" "$(secs $((t_cmd - t0)))"
  record "$1" switchover "POST to new primary writable s" "$2" "$(secs $((t_up - t0)))"
  leader_after=$(wait_healthy 180) || die "switchover: cluster not healthy after"
  [ "$leader_after" = "$new" ] || say "  note: leader after switchover is $(name_of "$leader_after"), first writable was $(name_of "$new")"
  local t_end; t_end=$(now_ms)
  wait_ack_after "$writes" "$t_end" || die "switchover: the client writes nothing after recovery"
  gap_and_loss "$1" switchover "$2" $((t0 - 1000)) "$(now_ms)" "$leader_after"
}

victims_of() { # node: the agent with its fence process, the postmaster with its backends and walsenders. The agent
  # comes first: kill(1) signals one pid after the other, and on a loaded machine it can be descheduled between two of
  # them; an agent still alive after its postmaster's SIGKILL starts a new postmaster as primary (it holds the lock)
  # that no list names (push run of 21:53, fast #3: that orphan took writes for 5 s until HAProxy's checks dropped it).
  local agent pm; agent=$(agent_pid "$1"); pm=$(postmaster_pid "$1")
  printf '%s\n' "$agent" $(pgrep -P "$agent") "$pm" $(pgrep -P "$pm") | awk 'NF && !seen[$0]++'
}
# Found before the clock starts (pgrep takes a while on a loaded machine); one of them may already be gone when
# its parent died first.
kill_all() { kill -KILL "$@" 2>/dev/null || true; }

hard_loss() { # profile rep [scenario label]
  local label=${3:-hard node loss}
  local leader name t0 t_up t_del new t_restart t_stream watch_pid demo_pid
  leader=$(wait_healthy 120) || die "hard loss: cluster not healthy before"
  # In synchronous mode a leader killed while the sync key names no standby (just after the previous failover, until
  # the rejoined replica is confirmed) has no candidate to fail over to, as in Patroni: wait for one first.
  if [[ $label == *"sync="* ]]; then wait_sync_standby 120 || die "hard loss: the sync key names no standby"; fi
  jitter
  name=$(name_of "$leader")
  record "$1" "$label" "load average (1 min) before" "$2" "$(cut -d' ' -f1 /proc/loadavg)"
  background bash -c 'etcdctl --endpoints="$0" watch "$1" | while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done' \
    "$etcd_endpoints" "$leader_key" > "$run/watch-$1-${label// /_}-$2.out"
  watch_pid=$!
  start_wait "$run/go" "$(others_of "$leader")" writable
  # The node is gone at once: the agent with its fence process, the postmaster with its backends and walsenders.
  # Killing the postmaster alone leaves its children running for a moment, and a backend can then acknowledge
  # a commit that no walsender sends any more (run8: two such writes, acknowledged 10-23 ms after the kill).
  local victims; victims=$(victims_of "$name")
  touch "$run/go"; t0=$(now_ms)
  kill_all $victims
  wait "$wait_pid" || die "hard loss: no other node became writable"
  read -r new t_up < "$run/wait.out"
  stop_background "$watch_pid"
  t_del=$(awk '$2 == "DELETE" { printf "%.0f", $1 * 1000; exit }' "$run/watch-$1-${label// /_}-$2.out")
  record "$1" "$label" "kill to new primary writable s" "$2" "$(secs $((t_up - t0)))"
  if [ -n "$t_del" ]; then
    record "$1" "$label" "kill to leader key DELETE s" "$2" "$(secs $((t_del - t0)))"
    record "$1" "$label" "leader key DELETE to new primary writable s" "$2" "$(secs $((t_up - t_del)))"
  else
    say "  no DELETE of $leader_key seen (the key was taken over another way); see $run/watch-$1-${label// /_}-$2.out"
  fi
  wait_ack_after "$writes" "$t_up" || die "hard loss: the client writes nothing after failover"
  # Restart the lost node as an operator would (demo.sh up starts only what is not running).
  t_restart=$(now_ms)
  background env NODEAGENT_DEMO_PROFILE="$1" scripts/demo.sh up >>"$run/demo.log" 2>&1
  demo_pid=$!
  local deadline=$((SECONDS + 180))
  until [ "$(streaming "$new" "$name")" = 1 ]; do
    [ $SECONDS -lt $deadline ] || die "hard loss: $name does not stream from $(name_of "$new") 180 s after its restart"
    sleep 0.1
  done
  t_stream=$(now_ms)
  record "$1" "$label" "restart to old primary streaming s" "$2" "$(secs $((t_stream - t_restart)))"
  wait "$demo_pid" || die "hard loss: demo.sh up after the restart failed"
  local leader_after; leader_after=$(wait_healthy 180) || die "hard loss: cluster not healthy after"
  gap_and_loss "$1" "$label" "$2" $((t0 - 1000)) "$(now_ms)" "$leader_after"
  if [ -n "$t_del" ]; then # what HAProxy adds: the first write the client got through after the DELETE
    local first; first=$(awk -v d="$t_del" '$1 > d { print $1; exit }' "$writes")
    record "$1" "$label" "leader key DELETE to first client write s" "$2" "$(secs $((first - t_del)))"
  fi
}

pg_crash() { # profile rep
  local leader name t0 t_back leader_after pm
  leader=$(wait_healthy 120) || die "postgres crash: cluster not healthy before"
  name=$(name_of "$leader")
  start_wait "$run/go" "$leader" ready
  pm=$(postmaster_pid "$name")
  t0=$(now_ms); kill -KILL "$pm"
  touch "$run/go" # after the kill: the probe must not reach the old postmaster
  wait "$wait_pid" || die "postgres crash: postgres on $name did not come back"
  read -r _ t_back < "$run/wait.out"
  record "$1" "postgres crash" "kill to postmaster accepting s" "$2" "$(secs $((t_back - t0)))"
  leader_after=$(wait_healthy 180) || die "postgres crash: cluster not healthy after"
  [ "$leader_after" = "$leader" ] || say "  note: leadership moved from $name to $(name_of "$leader_after")"
  local t_end; t_end=$(now_ms)
  wait_ack_after "$writes" "$t_end" || die "postgres crash: the client writes nothing after recovery"
  gap_and_loss "$1" "postgres crash" "$2" $((t0 - 1000)) "$(now_ms)" "$leader_after"
}

sync_key() { etcdctl --endpoints="$etcd_endpoints" get /service/PGC1/sync --print-value-only 2>/dev/null || true; }

wait_sync_standby() { # deadline_s: the sync key names at least one standby
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    [[ $(sync_key) =~ \"sync_standby\":\ ?\"[^\"]+\" ]] && return 0
    sleep 0.2
  done
  return 1
}
ssn() { psql -h "$1" -U postgres -d postgres -Atqc "SHOW synchronous_standby_names" 2>/dev/null || echo '?'; }

set_sync() { # leader_ip off|on|quorum [strict true|false]: synchronous_mode through PATCH /config, then wait until the
  # leader runs it: off, synchronous_standby_names empty; on, the sync key names a standby and the leader runs FIRST;
  # quorum, the key has its quorum field and the leader runs ANY.
  local value=false; [ "$2" = on ] && value=true; [ "$2" = quorum ] && value='"quorum"'
  local body="{\"synchronous_mode\": $value, \"synchronous_node_count\": 1"
  [ -n "${3:-}" ] && body+=", \"synchronous_mode_strict\": $3"
  curl -s -m 5 -X PATCH -d "$body}" "http://$1:8008/config" >/dev/null || die "PATCH /config $body} failed"
  local deadline=$((SECONDS + 60)) names key
  while :; do
    names=$(ssn "$1"); key=$(sync_key)
    case $2 in
      off) [ -z "$names" ] && break ;;
      on) [[ $key == *'"sync_standby":"'* && $key != *'"quorum"'* && -n "$names" && $names != ANY* && $names != '?' ]] && break ;;
      quorum) [[ $key == *'"quorum":'* && $key == *'"sync_standby":"'* && $names == ANY* ]] && break ;;
    esac
    [ $SECONDS -lt $deadline ] || die "synchronous_mode $2 not in effect 60 s after PATCH (synchronous_standby_names '$names', sync key $key)"
    sleep 0.2
  done
  say "  synchronous_mode $2${3:+ strict $3}: synchronous_standby_names '$names', sync key $key"
}

sync_cost() { # profile leader_ip: pgbench (10 clients, 20 s, simple updates) through HAProxy: asynchronous, synchronous, quorum
  local mode out pgbench=/usr/lib/postgresql/15/bin/pgbench
  PGPASSWORD=secret "$pgbench" -h "$lb" -p 5432 -U postgres -i -q -s 4 postgres >>"$run/pgbench.log" 2>&1 || die "pgbench -i failed"
  for mode in off on quorum; do
    set_sync "$2" "$mode"
    rm -f "$run"/pgb-"$mode".*
    record "$1" "pgbench sync=$mode" "load average (1 min) before" 1 "$(cut -d' ' -f1 /proc/loadavg)"
    out=$(cd "$run" && PGPASSWORD=secret "$pgbench" -h "$lb" -p 5432 -U postgres -c 10 -j 2 -T 20 -N -l --log-prefix="pgb-$mode" postgres 2>&1) \
      || { echo "$out" >> "$run/pgbench.log"; die "pgbench failed"; }
    echo "$out" >> "$run/pgbench.log"
    record "$1" "pgbench sync=$mode" "tps" 1 "$(echo "$out" | awk '/^tps/ { printf "%.0f", $3; exit }')"
    # Per-transaction log: the third column is the latency in microseconds.
    cat "$run"/pgb-"$mode".* | awk '{ print $3 }' | sort -n > "$run/pgb-$mode.sorted"
    record "$1" "pgbench sync=$mode" "latency p50 ms" 1 "$(awk '{ a[NR] = $1 } END { printf "%.2f", a[int(NR * 0.50) + 1] / 1000 }' "$run/pgb-$mode.sorted")"
    record "$1" "pgbench sync=$mode" "latency p99 ms" 1 "$(awk '{ a[NR] = $1 } END { printf "%.2f", a[int(NR * 0.99) + 1] / 1000 }' "$run/pgb-$mode.sorted")"
  done
}

acks_after() { awk -v t="$1" '$1 > t' "$writes" | wc -l; } # ms: acknowledged writes after ms

replicas_gone() { # leader_ip deadline_s: both replicas' walsenders gone from the leader
  local deadline=$((SECONDS + $2))
  until [ "$(psql -h "$1" -U postgres -d postgres -Atqc "SELECT count(*) FROM pg_stat_replication" 2>/dev/null)" = 0 ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

restart_replicas() { # profile label: demo.sh up starts what is not running; then one leader and two streaming replicas
  NODEAGENT_DEMO_PROFILE="$1" scripts/demo.sh up >>"$run/demo.log" 2>&1 || die "$2: demo.sh up after stopping the replicas failed"
  wait_healthy 180 >/dev/null || die "$2: cluster not healthy after restarting the replicas"
}

sync_stop() { # profile: both replicas killed with synchronous_mode on, strict and then not strict
  local leader name r t0 t_gone held=15 hold_end acks code loop_wait victims
  loop_wait=2; [ "$1" = seed ] && loop_wait=10

  # Strict: the leader keeps naming a standby; a commit (the bench writer's through HAProxy, one of our own on the
  # leader) does not return, so nothing is acknowledged while no standby can confirm it.
  leader=$(wait_healthy 120) || die "sync stop: cluster not healthy before"
  name=$(name_of "$leader")
  set_sync "$leader" on true
  victims=$(for r in $(others_of "$leader" | tr , ' '); do victims_of "$(name_of "$r")"; done)
  t0=$(now_ms)
  kill_all $victims
  replicas_gone "$leader" 30 || die "sync stop (strict): walsenders still on $name 30 s after the kill"
  t_gone=$(now_ms)
  record "$1" "sync stop strict" "kill to both walsenders gone s" 1 "$(secs $((t_gone - t0)))"
  code=0; timeout "$held" psql -h "$leader" -U postgres -d postgres -Atqc "INSERT INTO bench_writes (id) VALUES (-$t_gone)" >/dev/null 2>&1 || code=$?
  hold_end=$(now_ms)
  # timeout's 124: the commit was still waiting when it was stopped.
  record "$1" "sync stop strict" "direct commit on the leader returned within ${held} s (0 = no)" 1 "$([ "$code" = 124 ] && echo 0 || echo 1)"
  acks=$(acks_after "$t_gone")
  record "$1" "sync stop strict" "writes acknowledged with both replicas gone" 1 "$acks"
  # The writer's command timeout cancels each waiting commit; PostgreSQL then returns it with a WARNING that it may not
  # be replicated. Counted apart: the database itself says it promised nothing.
  record "$1" "sync stop strict" "commits returned after a cancelled sync wait (WARNING, not acknowledged)" 1 \
    "$(awk -v t="$t_gone" '$1 > t' "$writes.unreplicated" 2>/dev/null | wc -l)"
  record "$1" "sync stop strict" "synchronous_standby_names on the leader" 1 "'$(ssn "$leader")'"
  say "  strict: sync key $(sync_key); held $(secs $((hold_end - t_gone))) s"
  restart_replicas "$1" "sync stop (strict)"
  wait_ack_after "$writes" "$(now_ms)" || die "sync stop (strict): the client writes nothing after the replicas returned"
  record "$1" "sync stop strict" "kill to first write acknowledged (replicas restarted) s" 1 \
    "$(secs $(( $(awk -v t="$t_gone" '$1 > t { print $1; exit }' "$writes") - t0 )))"

  # Not strict: the leader drops the standby it can no longer reach and commits go on, within loop_wait + 1 s.
  leader=$(wait_healthy 120) || die "sync stop: cluster not healthy before the non-strict part"
  set_sync "$leader" on false
  wait_ack_after "$writes" "$(now_ms)" || die "sync stop (non-strict): the client writes nothing before the kill"
  victims=$(for r in $(others_of "$leader" | tr , ' '); do victims_of "$(name_of "$r")"; done)
  t0=$(now_ms)
  kill_all $victims
  replicas_gone "$leader" 30 || die "sync stop (non-strict): walsenders still on the leader 30 s after the kill"
  t_gone=$(now_ms)
  local t_key="" deadline=$((SECONDS + 60))
  until [ -n "$t_key" ]; do
    [[ $(sync_key) == *'"sync_standby":null'* ]] && t_key=$(now_ms)
    [ $SECONDS -lt $deadline ] || die "sync stop (non-strict): the sync key still names a standby 60 s after the kill: $(sync_key)"
    [ -n "$t_key" ] || sleep 0.05
  done
  wait_ack_after "$writes" "$t_key" || die "sync stop (non-strict): commits do not continue"
  local gap; gap=$(tool gap --log "$writes" --from $((t0 - 1000)) --to "$(now_ms)") || die "sync stop (non-strict): no writes around the kill"
  record "$1" "sync stop non-strict" "loop_wait s" 1 "$loop_wait"
  record "$1" "sync stop non-strict" "kill to both walsenders gone s" 1 "$(secs $((t_gone - t0)))"
  record "$1" "sync stop non-strict" "kill to sync key naming no standby s" 1 "$(secs $((t_key - t0)))"
  record "$1" "sync stop non-strict" "client gap (commits held) s" 1 "$(secs "${gap%% *}")"
  record "$1" "sync stop non-strict" "commits returned after a cancelled sync wait (WARNING, not acknowledged)" 1 \
    "$(awk -v t="$t0" '$1 > t' "$writes.unreplicated" 2>/dev/null | wc -l)"
  record "$1" "sync stop non-strict" "synchronous_standby_names on the leader" 1 "'$(ssn "$leader")'"
  say "  non-strict: sync key $(sync_key)"
  restart_replicas "$1" "sync stop (non-strict)"
  set_sync "$(wait_healthy 60)" on
}

profile_run() { # profile
  local p=$1 reps=$reps_default r leader writer_pid
  [ "$p" = seed ] && reps=$reps_seed
  say "profile $p: $reps repetitions"
  for r in $(seq 1 "${bootstrap_reps:-$reps}"); do bootstrap "$p" "$r"; done
  [[ $scenarios == *" footprint "* ]] && footprint "$p"
  leader=$(wait_healthy 60) || die "not healthy after idling"
  [ "$p" = "$health_profile" ] && [[ $scenarios == *" footprint "* ]] && health "$p" "$leader"
  if [ "$sync" != 0 ] && [ "$pgbench_cost" = 1 ]; then sync_cost "$p" "$leader"; set_sync "$leader" off; fi
  writes=$run/writes-$p.log
  # HAProxy's server state changes (its log has no time of its own in -db mode), stamped as they are written.
  background bash -c 'tail -n 0 -F "$0" 2>/dev/null | while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done' \
    "$state/haproxy/haproxy.log" > "$run/haproxy-events-$p.log"
  local haproxy_watch=$!
  local retry=0; [ "$write_interval" -lt 20 ] && retry=20
  write_errors=$run/write-errors-$p.log
  touch "$write_errors"
  background dotnet "$tool_dll" write --target "$lb:5432" --log "$writes" --interval-ms "$write_interval" --retry-ms "$retry" --errors "$write_errors" 2>>"$run/writer.err"
  writer_pid=$!
  wait_ack_after "$writes" "$(now_ms)" || die "the writer cannot write through HAProxy"
  local loss_label="hard node loss"
  if [ "$sync" != 0 ]; then
    if [[ $scenarios == *" hard_loss "* ]]; then for r in $(seq 1 "$async_reps"); do hard_loss "$p" "$r" "hard node loss async"; done; fi
    local mode=on; [ "$sync" = quorum ] && mode=quorum
    set_sync "$(wait_healthy 120)" "$mode"
    loss_label="hard node loss sync=$mode"
    say "profile $p: synchronous_mode $mode"
  fi
  [[ $scenarios == *" switchover "* ]] && for r in $(seq 1 "$reps"); do switchover "$p" "$r"; done
  [[ $scenarios == *" hard_loss "* ]] && for r in $(seq 1 "$reps"); do hard_loss "$p" "$r" "$loss_label"; done
  [[ $scenarios == *" pg_crash "* ]] && for r in $(seq 1 "$reps"); do pg_crash "$p" "$r"; done
  [ "$sync" = 1 ] && [[ $scenarios == *" sync_stop "* ]] && sync_stop "$p"
  stop_background "$writer_pid"
  stop_background "$haproxy_watch"
  leader=$(wait_healthy 60) || die "not healthy at the end"
  local all; all=$(tool lost --log "$writes" --host "$leader" --from 0 --to "$(now_ms)")
  record "$p" "whole run" "acknowledged writes" 1 "$(echo "$all" | cut -d' ' -f1)"
  record "$p" "whole run" "acknowledged writes missing on the final leader" 1 "$(echo "$all" | cut -d' ' -f2)"
}

[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root (like scripts/demo.sh)" >&2; exit 1; }
mkdir -p "$run"
trap cleanup EXIT
say "results in $run; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
say "HAProxy checks '$NODEAGENT_DEMO_HAPROXY_CHECK', routing push $([ "$NODEAGENT_DEMO_HAPROXY_RUNTIME" = 1 ] && echo on || echo off)"
[ -x out/bin/node-agent ] || scripts/build.sh >>"$run/build.log"
dotnet build bench/NodeAgent.Bench -c Release -nologo -v:q >>"$run/build.log" || die "building bench/NodeAgent.Bench"
[ "$backup" = only ] || for p in $profiles; do profile_run "$p"; done
if [ "$backup" != 0 ]; then
  source bench/backup.sh
  backup_run
fi
tool summary --results "$run/results.tsv" | tee "$run/summary.tsv"
say "done; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
