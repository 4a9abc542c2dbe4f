# `scripts/lab restart-service HOST`: sourced by scripts/lab (lab_dir, die, note, pid helpers)
# and lab-up.sh (record_service_hostpid).
#
# Restarts one host's service the way an init system does: the host's init (PID 1 of its
# namespace) gets SIGUSR1, stops the service with SIGTERM, waits for it and starts it again
# from the file on disk, so a fixed build installed there runs from now on. Returns once the
# new service runs, with service.pid and service.hostpid updated.

lab_restart_service() { # HOST (a name or an index)
    local host=${1:-} index dir init old="" new="" deadline
    [[ -n $host ]] || die "restart-service needs a host: a name (lab-host-3) or an index (3)"
    [[ -f $lab_dir/lab.state ]] || die "no lab is up in $lab_dir"
    index=${host#lab-host-}
    [[ $index =~ ^[0-9]+$ ]] && ((index >= 1 && index <= $(state_value hosts))) ||
        die "no host '$host' in the lab in $lab_dir ($(state_value hosts) hosts)"
    [[ $(state_value service) != none ]] || die "the lab in $lab_dir runs no service (up --service none)"
    dir="$lab_dir/hosts/lab-host-$index"
    init=$(read_pid "$dir/init.pid")
    pid_is_ours "$init" || die "lab-host-$index is not running (no init); scripts/lab status --dir $lab_dir"
    old=$(read_pid "$dir/service.pid")
    kill -USR1 "$init" || die "cannot signal lab-host-$index's init (pid $init)"
    # The new pid appears once the old service has exited and the new one was started.
    deadline=$((EPOCHSECONDS + 60))
    while :; do
        new=$(read_pid "$dir/service.pid")
        if [[ -n $new && $new != "$old" ]]; then
            child_with_nspid "$init" "$new"
            [[ -z $REPLY ]] || break
        fi
        ((EPOCHSECONDS < deadline)) || die "lab-host-$index: the service did not restart within 60 s (see $dir/parity.log)"
        sleep 0.1
    done
    echo "$REPLY" >"$dir/service.hostpid"
    note "lab-host-$index: service restarted (pid $new in the host, $REPLY here; was $old)"
}
