#!/usr/bin/env bash
# Builds out/node-agent_<version>_amd64.deb from the native AOT binary (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x out/bin/node-agent ] || scripts/build.sh
version=$(out/bin/node-agent --version | awk '{print $2}')
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# The binary lives in /usr/lib/node-agent beside the native helper Mono.Posix loads;
# /usr/bin holds symlinks (invoked as agentctl it runs the CLI).
install -d "$root/DEBIAN" "$root/usr/lib/node-agent" "$root/usr/bin" "$root/lib/systemd/system" \
  "$root/etc/node-agent" "$root/usr/share/doc/node-agent"
install -m 0755 out/bin/node-agent "$root/usr/lib/node-agent/node-agent"
install -m 0644 out/bin/libMonoPosixHelper.so "$root/usr/lib/node-agent/libMonoPosixHelper.so"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/lib/node-agent/libMonoPosixHelper.so"
ln -s ../lib/node-agent/node-agent "$root/usr/bin/node-agent"
ln -s ../lib/node-agent/node-agent "$root/usr/bin/agentctl"
install -m 0644 packaging/systemd/node-agent.service "$root/lib/systemd/system/node-agent.service"
install -m 0644 packaging/deb/config.yml.example "$root/etc/node-agent/config.yml.example"
install -m 0644 packaging/deb/copyright "$root/usr/share/doc/node-agent/copyright"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/node-agent"
install -m 0644 README.md "$root/usr/share/doc/node-agent/README.md"
[ -f docs/architecture.md ] && install -m 0644 docs/architecture.md "$root/usr/share/doc/node-agent/architecture.md"
printf 'node-agent (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- NodeAgent developers <packages@nodeagent.dev>  %s\n' \
  "$version" "$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$root/usr/share/doc/node-agent/changelog.gz"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$root/DEBIAN/$s"; done
echo /etc/node-agent/config.yml.example > "$root/DEBIAN/conffiles"

# Both files link only against glibc and zlib (checked with ldd); native AOT needs 2.34 on Debian 12.
depends="libc6 (>= 2.34), zlib1g"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" packaging/deb/control.in > "$root/DEBIAN/control"
find "$root" -type d -exec chmod 0755 {} +
deb="out/node-agent_${version}_amd64.deb"
fakeroot dpkg-deb --build -Zxz "$root" "$deb" >/dev/null
echo "$deb"
