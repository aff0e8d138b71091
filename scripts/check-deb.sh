#!/usr/bin/env bash
# Installs the .deb, checks what it put where, runs both entry points, purges it and checks
# that nothing is left behind but what Debian policy keeps. Needs root. Used by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# One installer at a time: Packaging/SystemdServiceTests installs and purges the same package under this lock.
exec 9>/tmp/nodeagent-deb.lock
flock 9
deb=$(scripts/package-deb.sh | tail -1)
fail() { echo "check-deb: $*" >&2; exit 1; }

if command -v lintian >/dev/null; then
  lintian --fail-on error "$deb" 2>&1 | grep -v 'not recommended' || true
  lintian --fail-on error "$deb" >/dev/null 2>&1 || fail "lintian reports errors"
fi

dpkg -i "$deb" >/dev/null
mode() { stat -c '%a %U:%G' "$1"; }
[ "$(mode /usr/lib/node-agent/node-agent)" = "755 root:root" ] || fail "binary mode: $(mode /usr/lib/node-agent/node-agent)"
[ "$(readlink -f /usr/bin/node-agent)" = /usr/lib/node-agent/node-agent ] || fail "/usr/bin/node-agent link"
[ "$(readlink -f /usr/bin/agentctl)" = /usr/lib/node-agent/node-agent ] || fail "/usr/bin/agentctl link"
[ "$(mode /lib/systemd/system/node-agent.service)" = "644 root:root" ] || fail "unit mode"
[ "$(mode /etc/node-agent/config.yml.example)" = "644 root:root" ] || fail "example config mode"
[ "$(mode /var/log/node-agent)" = "750 postgres:postgres" ] || fail "log dir: $(mode /var/log/node-agent)"
[ ! -e /etc/node-agent/config.yml ] || fail "the package must not install a live config"
systemd-analyze verify /lib/systemd/system/node-agent.service || fail "systemd-analyze verify"

/usr/bin/node-agent --version | grep -Eq '^node-agent [0-9]+\.[0-9]+\.[0-9]+' || fail "node-agent --version"
/usr/bin/agentctl --help >/dev/null || fail "agentctl --help"
/usr/bin/agentctl version | grep -q '^agentctl version ' || fail "agentctl version"
/usr/bin/node-agent --validate-config /etc/node-agent/config.yml.example || fail "example config does not validate"

dpkg --purge node-agent >/dev/null
for p in /usr/lib/node-agent /usr/bin/node-agent /usr/bin/agentctl /lib/systemd/system/node-agent.service \
         /etc/node-agent /var/log/node-agent /usr/share/doc/node-agent /usr/share/lintian/overrides/node-agent; do
  [ ! -e "$p" ] || fail "left behind after purge: $p"
done
echo "check-deb: ok ($deb)"
