#!/usr/bin/env bash
# Writes a docker-archive of a one-layer busybox image (localhost/tspod-busybox:latest) built from the
# host's static /bin/busybox, for the container benchmarks. Usage: bench/fixture-image.sh OUT.tar
set -euo pipefail
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/tmp" "$tmp/img"
cp /bin/busybox "$tmp/rootfs/bin/busybox"
for a in sh true echo sleep cat id ls; do ln -s busybox "$tmp/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tmp/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$tmp/rootfs/etc/group"
chmod 1777 "$tmp/rootfs/tmp"
tar --numeric-owner --owner=0 --group=0 -C "$tmp/rootfs" -cf "$tmp/img/layer.tar" .
diff=$(sha256sum "$tmp/img/layer.tar" | cut -d' ' -f1)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
printf '{"architecture":"%s","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$arch" "$diff" > "$tmp/config.json"
cfg=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
mv "$tmp/config.json" "$tmp/img/$cfg.json"
printf '[{"Config":"%s.json","RepoTags":["localhost/tspod-busybox:latest"],"Layers":["layer.tar"]}]' "$cfg" > "$tmp/img/manifest.json"
tar -C "$tmp/img" -cf "$out" .
