#!/usr/bin/env bash
# Everything tspod needs on a fresh Debian 12 machine, as root: system packages, npm ci, the native
# launcher and bundle, tspod on PATH, and a first image pulled and listed.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(podman skopeo buildah runc crun conmon docker-registry busybox-static uidmap slirp4netns passt
      fuse-overlayfs netavark aardvark-dns iptables catatonit zstd gnupg apache2-utils hyperfine jq make gcc libc6-dev tmux)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-fund --no-audit --loglevel=error
ln -sf "$PWD/bin/tspod" /usr/local/bin/tspod
# man pages (rendered by npm ci); alias pages such as tspod-container-run.1 are ".so man1/tspod-run.1"
mkdir -p /usr/local/share/man/man1 && ln -sf "$PWD"/man/*.1 /usr/local/share/man/man1/
if [ -x bin/tspod ] && [ -f scripts/first-pull.sh ]; then bash scripts/first-pull.sh; fi
