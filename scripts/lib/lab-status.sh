# `scripts/lab status` and `scripts/lab ssh`: sourced by scripts/lab.

# One line per host: name, address, port, init pid, whether sshd and the service are alive.
# Pids in the SERVICE column are as the host sees them, then (host PID) as this machine does.
lab_status() {
    (($# == 0)) || die "status takes no arguments (got '$*')"
    [[ -f $lab_dir/lab.state ]] || {
        echo "no lab is up in $lab_dir"
        return 0
    }
    local count port
    count=$(state_value hosts)
    port=$(state_value port)
    echo "lab $lab_dir: $count hosts, port $port, service $(state_value service), up since $(state_value started)"
    printf '%-14s %-15s %-5s %-8s %-6s %s\n' HOST ADDRESS PORT INIT SSHD SERVICE
    local i dir init sshd_state service_state ipid spid up=0 names addresses
    fill_hosts "$count"
    for ((i = 1; i <= count; i++)); do
        dir="$lab_dir/hosts/${names[i]}"
        read_file "$dir/init.pid"
        ipid=$REPLY
        init=dead
        sshd_state=dead
        service_state=dead
        if [[ -n $ipid ]] && proc_is_alive "$ipid"; then
            init=$ipid
            read_file "$dir/sshd.pid"
            spid=$REPLY
            if [[ -n $spid ]]; then
                child_with_nspid "$ipid" "$spid"
                [[ -z $REPLY ]] || sshd_state=alive
            fi
            read_file "$dir/service.pid"
            spid=$REPLY
            if [[ -z $spid ]]; then
                service_state=none
            else
                child_with_nspid "$ipid" "$spid"
                if [[ -n $REPLY ]]; then
                    service_state="pid $spid (host $REPLY) alive"
                else
                    service_state="pid $spid dead"
                fi
            fi
        fi
        [[ $sshd_state == alive ]] && up=$((up + 1))
        printf '%-14s %-15s %-5s %-8s %-6s %s\n' "${names[i]}" "${addresses[i]}" "$port" "$init" "$sshd_state" "$service_state"
    done
    echo "$up of $count hosts have a live sshd"
}

# Runs a command on one host with the lab's key and known_hosts (a shell when none is given).
lab_ssh() {
    local host=${1:-}
    [[ -n $host ]] || die "ssh needs a host: a name (lab-host-3) or an index (3)"
    shift
    [[ -f $lab_dir/lab.state ]] || die "no lab is up in $lab_dir"
    local index=${host#lab-host-}
    [[ $index =~ ^[0-9]+$ ]] && ((index >= 1 && index <= $(state_value hosts))) ||
        die "no host '$host' in the lab in $lab_dir ($(state_value hosts) hosts)"
    # --behind-bastion: the hosts answer only inside the lab's network namespace.
    read_file "$lab_dir/bastion/netns"
    exec ${REPLY:+nsenter --net=/run/netns/$REPLY} ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$lab_dir/known_hosts" -o GlobalKnownHostsFile=/dev/null \
        -o IdentitiesOnly=yes -o LogLevel=ERROR -i "$lab_dir/client_key" \
        -p "$(state_value port)" "root@$(lab_address "$index")" "$@"
}
