#!/usr/bin/env bash
# Run as root by test/run.mjs (idempotent): the unprivileged user the @rootless tests run as.
#   tspodtest   /etc/subuid + /etc/subgid range, home dir, /run/user/UID (0700), can read the checkout
#   tspodbad    a subuid range that overlaps its own uid: newuidmap runs and the kernel refuses it
#   tspodnosub  no subordinate ranges at all
# Prints as its last line "user:uid:home" of tspodtest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
USER_NAME=${TSPOD_TEST_USER:-tspodtest}

ensure_user() { # name
  if ! getent passwd "$1" >/dev/null; then
    useradd --create-home --shell /bin/bash --user-group "$1" >/dev/null
  fi
  mkdir -p "$(getent passwd "$1" | cut -d: -f6)"
  chown "$1:" "$(getent passwd "$1" | cut -d: -f6)"
}

# A free block of 65536 ids at or above 300000 that no line of /etc/subuid or /etc/subgid uses.
free_range_start() {
  local start=300000
  while awk -F: -v s="$start" '$3 != "" && $2 < s + 65536 && $2 + $3 > s { found = 1 } END { exit !found }' \
        /etc/subuid /etc/subgid 2>/dev/null; do
    start=$((start + 65536))
  done
  echo "$start"
}

set_range() { # name start count
  local f
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    grep -v "^$1:" "$f" >"$f.tmp" || true
    echo "$1:$2:$3" >>"$f.tmp"
    chmod 644 "$f.tmp"
    mv "$f.tmp" "$f"
  done
}

ensure_user "$USER_NAME"
uid=$(id -u "$USER_NAME")
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
touch /etc/subuid /etc/subgid
if ! grep -q "^$USER_NAME:" /etc/subuid || ! grep -q "^$USER_NAME:" /etc/subgid; then
  set_range "$USER_NAME" "$(free_range_start)" 65536
fi

ensure_user tspodbad
bad_uid=$(id -u tspodbad)
set_range tspodbad "$bad_uid" 65536

ensure_user tspodnosub
set_range tspodnosub 0 1 # replaced by nothing below: a user with no line at all
for f in /etc/subuid /etc/subgid; do grep -v '^tspodnosub:' "$f" >"$f.tmp" || true; chmod 644 "$f.tmp"; mv "$f.tmp" "$f"; done

for u in "$USER_NAME" tspodbad tspodnosub; do
  id=$(id -u "$u")
  install -d -m 0700 -o "$u" -g "$(id -g "$u")" "/run/user/$id"
done

# The checkout must be readable and traversable: every path component up to it, then its tree.
p=$repo
while [ "$p" != / ]; do chmod o+x "$p"; p=$(dirname "$p"); done
chmod -R o+rX "$repo"

# slirp4netns and pasta open /dev/net/tun as the user.
if [ -c /dev/net/tun ]; then chmod 0666 /dev/net/tun; fi

echo "$USER_NAME:$uid:$home"
