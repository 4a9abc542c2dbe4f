# `scripts/lab down`: sourced by scripts/lab. Idempotent: a lab that is down, half up or
# never existed is fine.
#
# Each host's init is PID 1 of its namespace: killing it makes the kernel kill every process
# of that host, and the bind mounts vanish with the mount namespace. So down kills recorded
# pids only (after checking they still point into this lab), waits until they are gone, then
# double-checks that no process is left in the lab's namespaces or directory.

# Pids of processes still inside one of this lab's PID namespaces, or lab processes (keeper,
# unshare, init, sshd) of this lab directory: what a clean down must leave none of.
lab_leftovers() {
    local namespaces="" pidns line pid target
    for pidns in "$lab_dir"/hosts/*/pidns; do
        if [[ -s $pidns ]]; then namespaces+="$(<"$pidns") "; fi
    done
    {
        if [[ -n $namespaces ]]; then
            # One stat for every process: "'/proc/PID/ns/pid' -> 'pid:[INODE]'".
            stat -c '%N' /proc/[0-9]*/ns/pid 2>/dev/null | while read -r line; do
                target=${line##*-> }
                target=${target//\'/}
                [[ " $namespaces" == *" $target "* ]] || continue
                pid=${line#\'/proc/}
                echo "${pid%%/*}"
            done
        fi
        for pid in /proc/[0-9]*; do
            pid=${pid#/proc/}
            if pid_is_ours "$pid"; then echo "$pid"; fi
        done
    } | sort -un
}

# Waits until none of the given pids is alive (zombies count as gone); false on timeout.
wait_gone() { # seconds pid...
    local deadline=$((SECONDS + $1)) pid alive
    shift
    while :; do
        alive=0
        for pid in "$@"; do
            proc_is_alive "$pid" && alive=1
        done
        ((alive)) || return 0
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

lab_down() {
    local purge=0
    while (($# > 0)); do
        case $1 in
        --purge) purge=1; shift ;;
        *) die "down: unknown option '$1'" ;;
        esac
    done
    if [[ ! -d $lab_dir ]]; then
        note "no lab in $lab_dir (nothing to do)"
        return 0
    fi

    # Step: kill every host's init (PID 1 of the host), by recorded pid. Its unshare then
    # reaps it and exits, and the keeper reaps the unshares and exits: killing those parents
    # too would leave their children as zombies nobody reaps.
    # --behind-bastion: the listener first (the keeper, its parent, exits only after it).
    bastion_down
    local inits=() parents=() pidfile pid
    for pidfile in "$lab_dir"/hosts/*/init.pid; do
        pid=$(read_pid "$pidfile")
        if pid_is_ours "$pid"; then inits+=("$pid"); fi
    done
    for pidfile in "$lab_dir"/hosts/*/unshare.pid "$lab_dir/keeper.pid"; do
        pid=$(read_pid "$pidfile")
        if pid_is_ours "$pid"; then parents+=("$pid"); fi
    done
    local count=$((${#inits[@]} + ${#parents[@]}))
    if ((${#inits[@]} > 0)); then kill -KILL "${inits[@]}" 2>/dev/null || true; fi
    # A host whose init never started (a crashed up) has only its unshare; kill what lingers.
    if ! wait_gone 10 "${parents[@]+"${parents[@]}"}"; then
        kill -KILL "${parents[@]}" 2>/dev/null || true
    fi
    wait_gone 30 "${inits[@]+"${inits[@]}"}" "${parents[@]+"${parents[@]}"}" ||
        die "lab processes survived SIGKILL for 30 s: ${inits[*]} ${parents[*]} (stuck in the kernel? see /proc/PID/stack)"

    # Step: anything a host started outside its namespace, or a crashed up left behind.
    local leftovers
    leftovers=$(lab_leftovers | tr '\n' ' ')
    if [[ -n ${leftovers// /} ]]; then
        note "killing processes left in the lab: $leftovers"
        # shellcheck disable=SC2086
        kill -KILL $leftovers 2>/dev/null || true
        # shellcheck disable=SC2086
        wait_gone 30 $leftovers || die "lab processes survived SIGKILL: $leftovers"
    fi

    # Step: forget the running state; keys and logs stay for the next up and for post-mortems.
    rm -f "$lab_dir/lab.state" "$lab_dir/keeper.pid" "$lab_dir"/hosts/*/{init,unshare,sshd,service}.pid \
        "$lab_dir"/hosts/*/service.hostpid "$lab_dir"/hosts/*/pidns
    if ((purge)); then
        rm -rf "$lab_dir"
        note "lab in $lab_dir is down and its directory removed"
    else
        note "lab in $lab_dir is down ($count lab processes killed)"
    fi
}
