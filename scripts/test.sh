#!/usr/bin/env bash
# Builds everything and runs every test project against real etcd, PostgreSQL 15 and HAProxy.
# Meant for a fresh Debian 12 machine as root (CI) as well as a developer's: installs what is
# missing, is safe to run twice, and ends with exactly one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RESULTS="$ROOT/out/test-results"
CONFIG="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive

passed=0 failed=0 skipped=0 step_failures=0

summary() { echo "$passed passed, $((failed + step_failures)) failed, $skipped skipped"; }
die() {
  echo "test.sh: $*" >&2
  step_failures=$((step_failures + 1))
  summary
  exit 1
}

# --- 1. System packages -------------------------------------------------------------------------
# package name -> a file it provides; only missing ones are installed.
declare -A NEEDED=(
  [etcd-server]=/usr/bin/etcd
  [etcd-client]=/usr/bin/etcdctl
  [haproxy]=/usr/sbin/haproxy
  [postgresql-15]=/usr/lib/postgresql/15/bin/postgres
  [gcc]=/usr/bin/gcc
  [zlib1g-dev]=/usr/include/zlib.h
  [lintian]=/usr/bin/lintian
  [fakeroot]=/usr/bin/fakeroot
  [curl]=/usr/bin/curl
  [python3]=/usr/bin/python3
  # Patroni 3.0.2: patronictl runs against NodeAgent clusters, agentctl against real Patroni clusters
  # (Interop/). Patroni's etcd3 module needs python-etcd; the package's dependency on it is one of
  # several alternatives, so name it.
  [patroni]=/usr/bin/patronictl
  [python3-etcd]=/usr/lib/python3/dist-packages/etcd/__init__.py
  # Chaos suite (tests/NodeAgent.IntegrationTests/Chaos): network namespaces, veth, bridge, DROP rules.
  [iproute2]=/usr/bin/ip
  [iptables]=/usr/sbin/iptables
  # Backup step (tests/NodeAgent.IntegrationTests/Backup): pgBackRest archives, backs up and restores.
  [pgbackrest]=/usr/bin/pgbackrest
  # Packaging/SystemdServiceTests: systemd as PID 1 of its own namespaces (unshare, nsenter) runs the packaged unit.
  [systemd]=/lib/systemd/systemd
  [util-linux]=/usr/bin/nsenter
)
install_missing() {
  local missing=() pkg
  for pkg in "${!NEEDED[@]}"; do
    [[ -e "${NEEDED[$pkg]}" ]] || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing packages ${missing[*]} and not root to install them"
  echo "test.sh: installing ${missing[*]}"
  # Keep package scripts from starting the packaged etcd/postgres services during install.
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  # Package lists may be absent or stale on a fresh machine: update only when install needs it.
  if ! apt-get install -y -q "${missing[@]}" >/tmp/test-sh-apt.log 2>&1; then
    apt-get update -q >>/tmp/test-sh-apt.log 2>&1
    apt-get install -y -q "${missing[@]}" >>/tmp/test-sh-apt.log 2>&1 || {
      [[ $own_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d
      tail -20 /tmp/test-sh-apt.log >&2
      die "apt-get install ${missing[*]} failed"
    }
  fi
  [[ $own_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d
  for pkg in "${missing[@]}"; do
    [[ -e "${NEEDED[$pkg]}" ]] || die "$pkg installed but ${NEEDED[$pkg]} is still missing"
  done
}

# Tests start their own servers on other loopback addresses and ports; the packaged ones would only
# take memory and CPU from two shared cores, so stop them (and keep the cluster from autostarting).
stop_packaged_services() {
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | while read -r ver name port status _; do
      if [[ "$status" == online* ]]; then
        echo "test.sh: stopping packaged PostgreSQL cluster $ver/$name on port $port"
        pg_ctlcluster "$ver" "$name" stop -m fast || true
      fi
      [[ -w "/etc/postgresql/$ver/$name/start.conf" ]] && echo manual > "/etc/postgresql/$ver/$name/start.conf"
    done
  fi
  if [[ -d /run/systemd/system ]]; then
    for unit in etcd postgresql haproxy; do
      systemctl is-active --quiet "$unit" 2>/dev/null && { echo "test.sh: stopping $unit"; systemctl stop "$unit" || true; }
    done
  else
    for unit in etcd haproxy; do
      [[ -x "/etc/init.d/$unit" ]] && "/etc/init.d/$unit" status >/dev/null 2>&1 && {
        echo "test.sh: stopping $unit"
        "/etc/init.d/$unit" stop >/dev/null 2>&1 || true
      }
    done
  fi
  return 0
}

install_missing
stop_packaged_services
command -v dotnet >/dev/null || die "dotnet SDK not on PATH: install the .NET 10 SDK (this script cannot fetch it)"
echo "test.sh: $(dotnet --version) SDK, etcd $(/usr/bin/etcd --version | head -1 | awk '{print $3}'), $(/usr/sbin/haproxy -v | head -1 | awk '{print $1, $2, $3}'), $(/usr/lib/postgresql/15/bin/postgres --version)"

# --- 2. Build -----------------------------------------------------------------------------------
echo "test.sh: building NodeAgent.sln ($CONFIG)"
dotnet build NodeAgent.sln -c "$CONFIG" -nologo -v:q || die "build failed"
echo "test.sh: native AOT build (scripts/build.sh)"
bash scripts/build.sh || die "scripts/build.sh (native AOT) failed"
version=$(out/bin/node-agent --version) || die "smoke check out/bin/node-agent --version failed"
echo "test.sh: smoke check ok: node-agent --version -> $version"
echo "test.sh: packaging check (scripts/check-deb.sh: build, lintian, install, purge)"
bash scripts/check-deb.sh || { echo "test.sh: packaging check failed" >&2; step_failures=$((step_failures + 1)); }

# --- 3. Tests -----------------------------------------------------------------------------------
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
attr() { grep -o '<Counters [^>]*>' "$1" | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9]*'; }

# Test projects only: tests/NodeAgent.ChaosClient is a console tool the chaos suite runs, not a test project.
# QUARANTINE names tests to leave out (a dotnet test filter substring), for a known failure tracked in an open
# issue; empty by default: every test runs.
QUARANTINE=${QUARANTINE-}
filter=()
if [[ -n "$QUARANTINE" ]]; then
  echo "test.sh: quarantined (known failing): $QUARANTINE"
  filter=(--filter "FullyQualifiedName!~$QUARANTINE")
fi

for project in tests/*Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "test.sh: running $name"
  dotnet test "$project" -c "$CONFIG" --no-build -nologo "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$RESULTS"
  rc=$?
  trx="$RESULTS/$name.trx"
  if [[ -f "$trx" ]]; then
    total=$(attr "$trx" total) p=$(attr "$trx" passed)
    f=$(( $(attr "$trx" failed) + $(attr "$trx" error) + $(attr "$trx" timeout) + $(attr "$trx" aborted) ))
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + total - p - f))
    # A crashed test host can leave a TRX that counts no failure: the exit code still tells.
    [[ $rc -ne 0 && $f -eq 0 ]] && { echo "test.sh: $name exited $rc" >&2; step_failures=$((step_failures + 1)); }
  elif [[ $rc -ne 0 ]]; then
    echo "test.sh: $name exited $rc without results" >&2
    step_failures=$((step_failures + 1))
  fi
done

# CI keeps only the tail of the log: name every failed test there, with the first line of its message.
failed_tests() {
  local trx
  for trx in "$RESULTS"/*.trx; do
    [[ -f "$trx" ]] || continue
    python3 - "$trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"):
        continue
    msg = r.find("t:Output/t:ErrorInfo/t:Message", ns)
    first = (msg.text or "").strip().splitlines()[0][:300] if msg is not None and msg.text else ""
    print(f"test.sh: FAILED {r.get('testName')} ({r.get('duration')}): {first}")
PY
  done
}

failed_tests
summary
[[ $((failed + step_failures)) -eq 0 ]]
