# `scripts/lab up N --behind-bastion`: sourced by scripts/lab (after lab-up.sh).
#
# The hosts' sshds then live in a network namespace of their own (loopback only), so nothing
# on this machine reaches 127.0.2.i:PORT directly (connection refused). One more sshd, the
# bastion, answers on 127.0.9.1:PORT in this machine's namespace: a socat listener runs
# `nsenter --net=NETNS sshd -i` per connection, so the bastion's sshd lives in the hosts'
# namespace and its direct-tcpip channels reach them. Root logs in there with the lab's key.
#
# Files: bastion/ sshd_config sshd.log authorized_keys run.sh listener.pid netns
#        ssh_config (Host 127.0.9.1 with the lab's key: copy it to ~/.ssh/config to use it)
# The inventory's host lines get ansible_ssh_common_args='-o ProxyJump=root@127.0.9.1:PORT'.

bastion_address=127.0.9.1

# The network namespace of the lab in $lab_dir: a stable name per directory.
bastion_netns_name() {
    local sum
    sum=$(cksum <<<"$lab_dir")
    echo "hotpatch-lab-${sum%% *}"
}

# Namespace, host key, sshd config, the listener script, ssh_config, inventory and known_hosts.
bastion_prepare() { # port
    local port=$1 dir="$lab_dir/bastion" netns key
    command -v socat >/dev/null || die "--behind-bastion needs socat: apt-get install -y socat"
    command -v nsenter >/dev/null && command -v ip >/dev/null ||
        die "--behind-bastion needs nsenter and ip: apt-get install -y util-linux iproute2"
    netns=$(bastion_netns_name)
    mkdir -p "$dir"
    ip netns del "$netns" 2>/dev/null || true
    ip netns add "$netns" || die "cannot create network namespace $netns (ip netns add)"
    ip -n "$netns" link set lo up || die "cannot bring loopback up in $netns"
    echo "$netns" >"$dir/netns"
    [[ -f $lab_dir/keys/lab-bastion_ed25519 ]] ||
        ssh-keygen -q -t ed25519 -N '' -C lab-bastion -f "$lab_dir/keys/lab-bastion_ed25519"
    install -m 600 "$lab_dir/client_key.pub" "$dir/authorized_keys"
    : >"$dir/sshd.log"
    printf '%s\n' \
        "# The lab's bastion, written by scripts/lab up --behind-bastion (run per connection: sshd -i)." \
        "HostKey $lab_dir/keys/lab-bastion_ed25519" \
        "UsePAM no" "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" \
        "PasswordAuthentication no" "KbdInteractiveAuthentication no" \
        "# Keys live in the lab directory (under /tmp, which StrictModes would refuse)." \
        "AuthorizedKeysFile $dir/authorized_keys" "StrictModes no" \
        "UseDNS no" "PrintMotd no" "PrintLastLog no" "MaxSessions 1000" \
        "AllowTcpForwarding yes" "X11Forwarding no" "LogLevel INFO" >"$dir/sshd_config"
    printf '%s\n' '#!/usr/bin/env bash' \
        "exec socat TCP-LISTEN:$port,bind=$bastion_address,reuseaddr,fork,backlog=256 EXEC:'nsenter --net=/run/netns/$netns /usr/sbin/sshd -i -f $dir/sshd_config -E $dir/sshd.log'" \
        >"$dir/run.sh"
    printf '%s\n' "# The lab's bastion: copy into ~/.ssh/config (hotpatch and ssh -J read it)." \
        "Host $bastion_address" "    User root" "    Port $port" "    IdentityFile $lab_dir/client_key" \
        >"$dir/ssh_config"
    sed -i "s|^\(lab-host-[0-9]* .*\)\$|\1 ansible_ssh_common_args='-o ProxyJump=root@$bastion_address:$port'|" \
        "$lab_dir/inventory.ini"
    read -r key <"$lab_dir/keys/lab-bastion_ed25519.pub"
    echo "[$bastion_address]:$port ${key% *}" >>"$lab_dir/known_hosts"
    echo "behind_bastion=$bastion_address:$port" >>"$lab_dir/lab.state"
    export LAB_NETNS=/run/netns/$netns
}

# Waits until the bastion answers over SSH (the hosts are probed inside the namespace).
bastion_probe() { # port timeout
    local port=$1 deadline=$((EPOCHSECONDS + $2))
    until ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$lab_dir/known_hosts" -o GlobalKnownHostsFile=/dev/null \
        -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
        -i "$lab_dir/client_key" -p "$port" "root@$bastion_address" true </dev/null 2>"$lab_dir/bastion/probe.err"; do
        if ((EPOCHSECONDS >= deadline)); then
            echo "scripts/lab: the bastion $bastion_address:$port did not answer: $(tail -n 3 "$lab_dir/bastion/probe.err" "$lab_dir/bastion/sshd.log" | tr '\n' ' ')" >&2
            lab_down >/dev/null
            exit 1
        fi
        sleep 0.2
    done
    # The probe's own login is not part of what a test counts.
    : >"$lab_dir/bastion/sshd.log"
}

# For down: stops the listener (its sessions end with their clients) and removes the namespace.
bastion_down() {
    local dir="$lab_dir/bastion" pid netns=""
    [[ -d $dir ]] || return 0
    pid=$(read_pid "$dir/listener.pid")
    if [[ -n $pid ]] && pid_is_ours "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone 10 "$pid" || true
    fi
    rm -f "$dir/listener.pid"
    read_file "$dir/netns"
    netns=$REPLY
    if [[ -n $netns ]]; then ip netns del "$netns" 2>/dev/null || true; fi
}
