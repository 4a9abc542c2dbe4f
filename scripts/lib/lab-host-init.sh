#!/usr/bin/env bash
# PID 1 of one lab host (started by scripts/lab inside `unshare --pid --mount --uts`).
#
# Gives the host its own name and private copies of the directories hotpatch writes to, then
# starts its sshd and its service and stays alive as the namespace's init: it reaps orphans
# (bash collects every child in its SIGCHLD handler) and, being PID 1, takes every process of
# the host with it when `scripts/lab down` kills it.
#
# Usage: lab-host-init.sh HOST_DIR   (HOST_DIR/host.env says what to run)
set -u

host_dir=$1
# shellcheck source=/dev/null
source "$host_dir/host.env"

fail() {
    echo "lab-host-init[$LAB_HOST_NAME]: $*" >&2
    exit 1
}

hostname "$LAB_HOST_NAME" || fail "cannot set the hostname (needs a UTS namespace and root)"

# An old-userland host (scripts/lab up --old-userland-hosts) lives in LAB_OLD_ROOT, a Debian 11
# root: its sshd, the shells and tools its sessions run (sh, sha256sum, gzip) and its service
# all come from there, chrooted. The root is shared by every old host and the tests, so it gets
# only mounts, in this host's private mount namespace: this namespace's /proc, /dev, and the
# lab directory at its own path (sshd_config, host keys and logs name paths in it).
old_root=${LAB_OLD_ROOT:-}
in_root=()
if [[ -n $old_root ]]; then
    lab=${host_dir%/hosts/*}
    mkdir -p "$old_root$lab" "$old_root/var/lib/hotpatch" "$old_root/etc/hotpatch" ||
        fail "cannot make mount points in $old_root"
    mount --bind /proc "$old_root/proc" || fail "cannot bind-mount /proc into $old_root"
    mount --rbind /dev "$old_root/dev" || fail "cannot bind-mount /dev into $old_root"
    mount --bind "$lab" "$old_root$lab" || fail "cannot bind-mount $lab into $old_root"
    in_root=(chroot "$old_root")
fi

# Private, writable copies: what the agent uploads, journals and reads as root's home lands
# in this host's directory only. The mount namespace is private, so none of this leaks out.
for pair in root:/root var-tmp:/var/tmp var-lib-hotpatch:/var/lib/hotpatch etc-hotpatch:/etc/hotpatch; do
    mount --bind "$host_dir/${pair%%:*}" "$old_root${pair#*:}" ||
        fail "cannot bind-mount $host_dir/${pair%%:*} over $old_root${pair#*:}"
done

# `up --private-service`: this host's own copy of the parity build folder, at the same path, so
# a file installed there (`rollout --persist`) changes this host only, never this machine.
if [[ -n ${LAB_PRIVATE_PARITY_DIR:-} ]]; then
    mount --bind "$host_dir/parity-build" "$old_root$LAB_PRIVATE_PARITY_DIR" ||
        fail "cannot bind-mount $host_dir/parity-build over $old_root$LAB_PRIVATE_PARITY_DIR"
fi

# Hundreds of concurrent sessions per host must not run out of descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cd "$host_dir" || fail "cannot enter $host_dir"

# sshd writes its PidFile (sshd.pid) only once it listens: scripts/lab waits for that file.
"${in_root[@]}" /usr/sbin/sshd -D -f "$host_dir/sshd_config" -E "$host_dir/sshd.log" </dev/null &

start_service() {
    "${in_root[@]}" env "${LAB_SERVICE_ENV[@]}" "${LAB_SERVICE_ARGV[@]}" </dev/null >>"$host_dir/parity.log" 2>&1 &
    echo "$!" >"$host_dir/service.pid"
}

# `scripts/lab restart-service HOST` sends SIGUSR1: stop the service (SIGTERM, waited for) and
# start it again from the file on disk, as an init system's restart does.
restart_service() {
    local pid=""
    read -r pid <"$host_dir/service.pid" 2>/dev/null || true
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    start_service
}

if ((${#LAB_SERVICE_ARGV[@]} > 0)); then
    start_service
    trap restart_service USR1
fi

echo "$LAB_HOST_NAME up: sshd and service started${old_root:+ (userland: $old_root)}"

# `wait` returns once every child this shell started is gone; orphans that sessions leave
# behind are reaped while it blocks. Keep serving as init until the lab goes down.
while :; do
    wait
    sleep 1
done
