#!/bin/bash
# Boots systemd as PID 1 of new PID, mount and cgroup namespaces, for SystemdNamespace. Run as
# `unshare --mount --propagation private bash -c "$(cat systemd-boot.sh)" systemd-boot CGROUP`.
# Everything systemd mounts stays in the new mount namespace; the host keeps its own /run, cgroups and
# services. Only the journal socket is started: units a real boot would run (tmpfiles, sysctl, timesyncd,
# udev...) would change the shared host (/tmp, kernel settings, clock), so they are masked.
set -euo pipefail
cgroup=$1

# A private /run: systemd's sockets, the journal (volatile) and the masks below live and die here.
mount -t tmpfs -o mode=0755 tmpfs /run
units=/run/systemd/system
mkdir -p "$units" /run/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' > /run/systemd/journald.conf.d/volatile.conf
# The targets a service pulls in by its default dependencies, emptied (a runtime unit overrides /lib's).
for target in sysinit.target basic.target network-online.target; do
  printf '[Unit]\nDescription=%s (empty in the test namespace)\n' "$target" > "$units/$target"
done
# .wants directories still add to them: mask every unit they name, but the journal.
for want in /lib/systemd/system/sysinit.target.wants/* /etc/systemd/system/sysinit.target.wants/*; do
  [ -e "$want" ] || continue # an empty .wants directory leaves the pattern unexpanded
  name=$(basename "$want")
  [ "$name" = systemd-journald.service ] || ln -sf /dev/null "$units/$name"
done
# /dev is the host's: no /dev/log symlink, no audit socket.
ln -sf /dev/null "$units/systemd-journald-dev-log.socket"
ln -sf /dev/null "$units/systemd-journald-audit.socket"
cat > "$units/nodeagent-test.target" <<'EOF'
[Unit]
Description=NodeAgent integration test: the journal only
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service
EOF

# systemd wants a writable cgroup2 tree of its own: a new cgroup, made the root of a cgroup namespace.
umount -l /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir "/sys/fs/cgroup/$cgroup"
echo $$ > "/sys/fs/cgroup/$cgroup/cgroup.procs"
exec unshare --pid --fork --cgroup --mount-proc /bin/bash -c '
  umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup
  exec env container=nodeagent-test /lib/systemd/systemd --system --unit=nodeagent-test.target'
