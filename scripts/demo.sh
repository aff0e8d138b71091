#!/usr/bin/env bash
# The seed cluster on one machine, on loopback: etcd u1-u3 on 127.0.1.81-83, node-agents u4-u6 on
# 127.0.1.84-86 (postgres 5432, REST 8008), HAProxy on 127.0.1.87 (5432 primary, 5433 replicas,
# 7000 stats). Usage: scripts/demo.sh [up|down|status]. Run as root on Debian 12.
# Knobs (scripts/bench.sh uses them; unset = the seed as shipped):
#   NODEAGENT_DEMO_PROFILE=seed|fast   fast: ttl 10, loop_wait 2, retry_timeout 3 (seed: 30/10/10)
#   NODEAGENT_DEMO_HAPROXY_CHECK='inter 1s fall 2 rise 1'   replaces the seed's 'inter 3s fall 3 rise 2'
#   NODEAGENT_DEMO_BUILD=0             use out/bin as it is (no scripts/build.sh)
#   NODEAGENT_DEMO_CONFIG_HOOK=path    run as `path <name> <config.yml>` after a node's config is rendered, to edit
#                                      it (bench/backup-config.sh: nofailover on u6, create_replica_methods)
#   NODEAGENT_DEMO_AGENT=patroni       run Patroni 3.0.2 (/usr/bin/patroni) on the same configs instead of node-agent,
#                                      for side-by-side numbers (scripts/bench.sh BENCH_AGENT=patroni)
#   NODEAGENT_DEMO_HAPROXY_RUNTIME=1   the routing push: HAProxy gets an admin stats socket ($state/haproxy/admin.sock,
#                                      group postgres) and each agent's config names it in haproxy_runtime
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
state=${NODEAGENT_DEMO_DIR:-/var/tmp/node-agent-demo}
pgbin=/usr/lib/postgresql/15/bin
etcd_ips=(127.0.1.81 127.0.1.82 127.0.1.83)
node_ips=(127.0.1.84 127.0.1.85 127.0.1.86)
nodes=(u4 u5 u6)
lb_ip=127.0.1.87
profile=${NODEAGENT_DEMO_PROFILE:-seed}
haproxy_check=${NODEAGENT_DEMO_HAPROXY_CHECK:-inter 3s fall 3 rise 2}
haproxy_runtime=${NODEAGENT_DEMO_HAPROXY_RUNTIME:-0}
agent_bin=$repo/out/bin/node-agent
case "${NODEAGENT_DEMO_AGENT:-node-agent}" in
  node-agent) ;;
  patroni) agent_bin=$(command -v patroni) || { printf 'demo: patroni is not installed\n' >&2; exit 1; } ;;
  *) printf 'demo: NODEAGENT_DEMO_AGENT must be node-agent or patroni\n' >&2; exit 1 ;;
esac
haproxy_socket=$state/haproxy/admin.sock
case "$profile" in
  seed) dcs_timers=(30 10 10) ;;
  fast) dcs_timers=(10 2 3) ;;
  *) printf 'demo: NODEAGENT_DEMO_PROFILE must be seed or fast\n' >&2; exit 1 ;;
esac

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_missing() {
  [ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts postgres as user postgres)"
  local want=()
  command -v etcd >/dev/null || want+=(etcd-server)
  command -v etcdctl >/dev/null || want+=(etcd-client)
  command -v haproxy >/dev/null || want+=(haproxy)
  [ -x "$pgbin/postgres" ] || want+=(postgresql-15)
  command -v psql >/dev/null || want+=(postgresql-client-15)
  command -v gcc >/dev/null || want+=(gcc zlib1g-dev)
  if [ ${#want[@]} -gt 0 ]; then
    say "installing ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
  fi
  # The packaged services would compete for resources; the demo runs its own.
  for svc in etcd haproxy postgresql; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
  done
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is needed to build; install it and re-run"
}

start_etcd() {
  local cluster="" i
  for i in 0 1 2; do cluster+="u$((i+1))=http://${etcd_ips[$i]}:2380,"; done
  for i in 0 1 2; do
    local name="u$((i+1))" dir="$state/etcd/u$((i+1))"
    alive "$dir/pid" && continue
    mkdir -p "$dir"
    local cs=new; [ -d "$dir/data/member" ] && cs=existing
    setsid etcd --name "$name" --data-dir "$dir/data" \
      --listen-peer-urls "http://${etcd_ips[$i]}:2380" --initial-advertise-peer-urls "http://${etcd_ips[$i]}:2380" \
      --listen-client-urls "http://${etcd_ips[$i]}:2379" --advertise-client-urls "http://${etcd_ips[$i]}:2379" \
      --initial-cluster "${cluster%,}" --initial-cluster-token etcd-cluster-1 --initial-cluster-state "$cs" \
      >"$dir/etcd.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
  done
  local deadline=$((SECONDS + 60))
  until ETCDCTL_API=3 etcdctl --endpoints="${etcd_ips[0]}:2379,${etcd_ips[1]}:2379,${etcd_ips[2]}:2379" endpoint health >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "etcd did not become healthy; see $state/etcd/*/etcd.log"
    sleep 0.5
  done
  say "etcd healthy on ${etcd_ips[*]}"
}

start_nodes() {
  local i
  # Bootstrap timing for scripts/bench.sh: when the agents were started (append: a restart adds a line).
  echo "nodes_started $EPOCHREALTIME" >> "$state/timing"
  for i in 0 1 2; do
    local name=${nodes[$i]} ip=${node_ips[$i]} dir="$state/${nodes[$i]}"
    alive "$dir/pid" && continue
    install -d -o postgres -g postgres -m 0750 "$dir" "$dir/log" "$dir/run"
    render_config "$name" "$ip" > "$dir/config.yml"
    if [ -n "${NODEAGENT_DEMO_CONFIG_HOOK:-}" ]; then
      "$NODEAGENT_DEMO_CONFIG_HOOK" "$name" "$dir/config.yml" || die "config hook failed for $name"
    fi
    chown postgres:postgres "$dir/config.yml"
    "$repo/out/bin/node-agent" --validate-config "$dir/config.yml" >/dev/null 2>&1 || die "config for $name does not validate"
    # Patroni's pgpass goes beside its config, not into the seed's /tmp.
    [ "$agent_bin" = "$repo/out/bin/node-agent" ] || sed -i "s|^postgresql:\$|postgresql:\n  pgpass: $dir/pgpass|" "$dir/config.yml"
    # The pid file names the agent itself, as systemd's MAINPID does: runuser stays in between as the
    # agent's parent, so $! would be runuser's PID and `kill -HUP $(cat pid)` would never reach the agent.
    rm -f "$dir/pid"
    setsid runuser -u postgres -- sh -c 'echo $$ > "$1"; exec "$2" "$3"' sh "$dir/pid" "$agent_bin" "$dir/config.yml" \
      >"$dir/log/agent.log" 2>&1 < /dev/null &
    local deadline=$((SECONDS + 10))
    until [ -s "$dir/pid" ] || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
    [ -s "$dir/pid" ] || die "agent $name did not start (see $dir/log/agent.log)"
  done
}

render_config() { # name ip: the seed's config (packaging/deb keeps it with comments), made local
  local name=$1 ip=$2 dir="$state/$1"
  sed -e "s/^name: u4 .*/name: $name/" \
      -e "s/192\.168\.0\.84/$ip/g" \
      -e "s/192\.168\.0\.8\([123]\)/127.0.1.8\1/g" \
      -e "s|listen: 0\.0\.0\.0:8008 .*|listen: $ip:8008|" \
      -e "s|listen: 0\.0\.0\.0:5432|listen: $ip:5432|" \
      -e "s#dir: /var/log/\(patroni\|node-agent\) #dir: $dir/log #" \
      -e "s|data_dir: /pgsql/pg_data .*|data_dir: $dir/data|" \
      -e "s|bin_dir: /usr/lib/postgresql/16/bin .*|bin_dir: $pgbin|" \
      -e "s|unix_socket_directories: '/tmp'|unix_socket_directories: '$dir/run'|" \
      -e "s/^    ttl: 30\$/    ttl: ${dcs_timers[0]}/" \
      -e "s/^    loop_wait: 10\$/    loop_wait: ${dcs_timers[1]}/" \
      -e "s/^    retry_timeout: 10\$/    retry_timeout: ${dcs_timers[2]}/" \
      "$repo/packaging/deb/config.yml.example"
  if [ "$haproxy_runtime" = 1 ]; then
    printf 'haproxy_runtime:\n  address: %s\n' "$haproxy_socket"
  fi
}

start_haproxy() {
  local dir="$state/haproxy"
  alive "$dir/pid" && return 0
  mkdir -p "$dir"
  sed -e "s/192\.168\.0\.87/$lb_ip/g" -e "s/192\.168\.0\.8\([456]\)/127.0.1.8\1/g" \
      -e "s/inter 3s fall 3 rise 2/$haproxy_check/" \
      -e "s/bind \*:7000/bind $lb_ip:7000/" -e 's/^\(\s*log global\)/#\1/' "$repo/packaging/demo/haproxy.cfg" > "$dir/haproxy.cfg"
  if [ "$haproxy_runtime" = 1 ]; then
    # The agents run as postgres: the socket is theirs to write (level admin for "set server").
    sed -i "s|^\(\s*maxconn 100\)\$|\1\n    stats socket $haproxy_socket mode 660 group postgres level admin|" "$dir/haproxy.cfg"
    grep -q "stats socket" "$dir/haproxy.cfg" || die "could not add the stats socket to $dir/haproxy.cfg"
  fi
  setsid haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
}

wait_healthy() {
  local deadline=$((SECONDS + 120)) leaders replicas ip
  while :; do
    leaders=0 replicas=0
    for ip in "${node_ips[@]}"; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "http://$ip:8008/master" || true)
      [ "$code" = 200 ] && leaders=$((leaders + 1))
      code=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS "http://$ip:8008/replica" || true)
      [ "$code" = 200 ] && replicas=$((replicas + 1))
    done
    [ "$leaders" = 1 ] && [ "$replicas" = 2 ] && break
    [ $SECONDS -lt $deadline ] || die "cluster not healthy after 120 s (leaders=$leaders replicas=$replicas); logs in $state/u*/log"
    sleep 0.2
  done
  echo "healthy $EPOCHREALTIME" >> "$state/timing"
}

show() {
  "$repo/out/bin/agentctl" -c "$state/u4/config.yml" list || true
}

up() {
  install_missing
  command -v curl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
  if [ "${NODEAGENT_DEMO_BUILD:-1}" != 0 ]; then say "building"; scripts/build.sh >/dev/null; fi
  mkdir -p "$state"
  start_etcd
  start_nodes
  start_haproxy
  say "waiting for one leader and two streaming replicas"
  wait_healthy
  show
  cat <<EOT

Connect (password: secret):
  writes:  psql -h $lb_ip -p 5432 -U postgres
  reads:   psql -h $lb_ip -p 5433 -U postgres
  stats:   http://$lb_ip:7000/
  CLI:     $repo/out/bin/agentctl -c $state/u4/config.yml list
Stop and remove everything: scripts/demo.sh down
EOT
}

stop_pidfile() { # pidfile signal
  local f=$1 sig=$2 pid
  alive "$f" || return 0
  pid=$(cat "$f")
  kill "-$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  local n
  for n in "${nodes[@]}"; do stop_pidfile "$state/$n/pid" TERM; done
  # A postmaster whose agent was killed hard is still ours to stop.
  for n in "${nodes[@]}"; do
    if [ -f "$state/$n/data/postmaster.pid" ]; then
      kill -QUIT "$(head -1 "$state/$n/data/postmaster.pid")" 2>/dev/null || true
    fi
  done
  stop_pidfile "$state/haproxy/pid" TERM
  for n in 1 2 3; do stop_pidfile "$state/etcd/u$n/pid" TERM; done
  rm -rf "$state"
  say "stopped; $state removed"
}

status() {
  local f
  for f in "$state"/etcd/u*/pid "$state"/u*/pid "$state"/haproxy/pid; do
    [ -f "$f" ] || continue
    if alive "$f"; then say "$(basename "$(dirname "$f")"): running (pid $(cat "$f"))"; else say "$(basename "$(dirname "$f")"): not running"; fi
  done
  [ -d "$state" ] && show || say "not started"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: scripts/demo.sh [up|down|status]" ;;
esac
