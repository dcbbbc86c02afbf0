#!/usr/bin/env bash
# The install's last step (scripts/install.sh): a first image, pulled and listed. Starts a temporary
# docker-registry on a free loopback port, pushes the busybox test image (built from Debian's
# busybox-static, no network) with skopeo, runs `tspod pull HOST/busybox` and `tspod images`, and
# stops the registry again.
set -euo pipefail
cd "$(dirname "$0")/.."
TSPOD=${TSPOD:-$PWD/bin/tspod}
[ -x "$TSPOD" ] || TSPOD="node $PWD/dist/tspod.js"

tmp=$(mktemp -d /tmp/tspod-first-pull.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
host=127.0.0.1:$port
cat > "$tmp/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/storage
  delete:
    enabled: true
http:
  addr: $host
YAML
/usr/bin/docker-registry serve "$tmp/config.yml" >"$tmp/registry.log" 2>&1 &
pid=$!
node -e "
const deadline = Date.now() + 15000;
(async () => {
  for (;;) {
    try { const r = await fetch('http://$host/v2/'); if (r.status === 200) return; } catch {}
    if (Date.now() > deadline) { console.error('docker-registry did not start on $host'); process.exit(1); }
    await new Promise((r) => setTimeout(r, 100));
  }
})();"

oci=$(node --import tsx -e "import('./test/helpers/global-setup.ts').then(async (m) => console.log(await m.buildFixtureLayouts()))")
skopeo copy --quiet --dest-tls-verify=false "oci:$oci/busybox:latest" "docker://$host/busybox:latest"
echo "first image: pushed busybox to the temporary registry $host"

if ! $TSPOD pull --help >/dev/null 2>&1; then
  echo "note: 'tspod pull' is not available in this build yet; skipping the first pull"
  exit 0
fi
echo "+ tspod pull $host/busybox"
$TSPOD pull "$host/busybox"
echo "+ tspod images"
$TSPOD images
