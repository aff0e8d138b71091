#!/usr/bin/env bash
# Native AOT publish of the one binary into out/bin/: node-agent, plus agentctl as a symlink to it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dotnet >/dev/null || { echo "build.sh: dotnet SDK not found on PATH" >&2; exit 1; }
if ! command -v gcc >/dev/null || ! command -v ld >/dev/null; then
  echo "build.sh: native AOT needs gcc (and zlib1g-dev); installing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y gcc zlib1g-dev >/dev/null
fi
mkdir -p out/bin
dotnet publish src/NodeAgent/NodeAgent.csproj -c Release -r linux-x64 -o out/publish -p:PublishAot=true -nologo -v:q
install -m 0755 out/publish/node-agent out/bin/node-agent
# Mono.Posix (signals, getpwnam) calls into this native helper; it must sit beside the binary.
install -m 0755 out/publish/libMonoPosixHelper.so out/bin/libMonoPosixHelper.so
ln -sf node-agent out/bin/agentctl
echo "built out/bin/node-agent and out/bin/agentctl ($(out/bin/node-agent --version))"
