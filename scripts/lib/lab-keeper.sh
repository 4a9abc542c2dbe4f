#!/usr/bin/env bash
# Parent of every host of one lab (started detached by `scripts/lab up`).
#
# Why a keeper: this machine's PID 1 does not reap orphans, so hosts started straight from
# `scripts/lab up` would stay zombies forever once `down` kills them. The keeper is their
# parent, reaps each host as it dies and exits after the last one.
#
# Usage: lab-keeper.sh HOSTS_DIR HOST_NAME...   (HOSTS_DIR is LAB_DIR/hosts)
set -u

hosts_dir=$1
shift
init_script="$(dirname "$(readlink -f "$0")")/lab-host-init.sh"

for name in "$@"; do
    host_dir="$hosts_dir/$name"
    # --kill-child: if unshare itself is killed, the host's init (and with it the host) dies.
    # --behind-bastion: the host starts inside the lab's network namespace (nsenter execs unshare).
    ${LAB_NETNS:+nsenter --net=$LAB_NETNS} unshare --pid --mount --uts --fork --kill-child --mount-proc --propagation private \
        bash "$init_script" "$host_dir" </dev/null >"$host_dir/init.log" 2>&1 &
    echo "$!" >"$host_dir/unshare.pid"
done

# --behind-bastion: the bastion's listener is a child too, so it is reaped here.
if [[ -f $hosts_dir/../bastion/run.sh ]]; then
    bash "$hosts_dir/../bastion/run.sh" </dev/null >"$hosts_dir/../bastion/listener.log" 2>&1 &
    echo "$!" >"$hosts_dir/../bastion/listener.pid"
fi

wait
