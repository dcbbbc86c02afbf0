# Sourced by bench/pull and bench/copy: start a docker-registry on a free loopback port with storage
# in $work, build a 5-layer image of ~300 MB of random data (as a dir: image, gzip layers), push it
# with skopeo. Sets REG (host:port) and IMAGE (REG/bench/random:latest). Needs $work and cleans up
# the registry on EXIT through stop_registry.
start_registry() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/registry"
  cat > "$work/registry/config.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
log:
  level: error
YML
  /usr/bin/docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
  REG_PID=$!
  REG=127.0.0.1:$port
  for _ in $(seq 50); do curl -fs "http://$REG/v2/" >/dev/null && return 0; sleep 0.1; done
  echo "registry did not start: $(cat "$work/registry/log")" >&2
  return 1
}

stop_registry() { [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null || true; }

# build_image LAYERS MB_PER_LAYER: a dir: image in $work/image
build_image() {
  local layers=$1 mb=$2 d="$work/image" diffids="" layerjson="" i
  mkdir -p "$d" "$work/layer"
  for i in $(seq "$layers"); do
    rm -rf "$work/layer"/* && head -c "$((mb * 1024 * 1024))" /dev/urandom > "$work/layer/data$i"
    tar -C "$work/layer" -cf "$work/l.tar" .
    local diff; diff=$(sha256sum "$work/l.tar" | cut -d' ' -f1)
    gzip -1 -c "$work/l.tar" > "$work/l.tar.gz"
    local dg; dg=$(sha256sum "$work/l.tar.gz" | cut -d' ' -f1)
    mv "$work/l.tar.gz" "$d/$dg"
    diffids="$diffids${diffids:+,}\"sha256:$diff\""
    layerjson="$layerjson${layerjson:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$dg\",\"size\":$(stat -c %s "$d/$dg")}"
  done
  rm -rf "$work/layer" "$work/l.tar"
  local arch; arch=$(dpkg --print-architecture)
  printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$arch" "$diffids" > "$work/config.json"
  local cd; cd=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$d/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$cd" "$(stat -c %s "$d/$cd")" "$layerjson" > "$d/manifest.json"
  printf 'Directory Transport Version: 1.1\n' > "$d/version"
}

push_image() {
  IMAGE=$REG/bench/random:latest
  skopeo --insecure-policy copy -q --dest-tls-verify=false "dir:$work/image" "docker://$IMAGE"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# seconds (float) a command takes
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/last.err" || { echo "failed: $* : $(tail -3 "$work/last.err")" >&2; return 1; }; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'; }
