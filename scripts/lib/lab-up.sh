# `scripts/lab up`: sourced by scripts/lab, which defines lab_dir, root, lib, die, note and the
# address helpers.

# sshd, ssh-keygen and unshare, installed only when missing; sshd's privilege-separation
# directory must exist before any sshd starts.
ensure_tools() {
    if [[ ! -x /usr/sbin/sshd ]] || ! command -v ssh-keygen >/dev/null || ! command -v ssh >/dev/null; then
        note "installing openssh-server and openssh-client (sshd or ssh is missing)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server openssh-client >/dev/null ||
            die "apt-get install openssh-server failed; install it by hand and retry"
    fi
    command -v unshare >/dev/null || die "unshare is missing: apt-get install -y util-linux"
    getent passwd sshd >/dev/null ||
        die "sshd's privilege-separation user 'sshd' is missing: apt-get install --reinstall openssh-server"
    mkdir -p /run/sshd
    chmod 755 /run/sshd
}

# The service's command line for host dirs' host.env, built once (variant exe, lib or none).
service_argv=()
service_env=()
prepare_service() { # variant threads delay_us extra...
    local variant=$1 threads=$2 delay=$3
    shift 3
    local program
    case $variant in
    none) return ;;
    exe) program="$parity_dir/parity-v1" ;;
    lib)
        program="$parity_dir/parity-lib"
        # libparity v1 whatever build/libparity.so points at (someone may have repointed it
        # to v2): lib-v1/libparity.so -> ../libparity-v1.so comes first in the search.
        service_env=("LD_LIBRARY_PATH=$parity_dir/lib-v1")
        ;;
    *) die "--service must be exe, lib or none (got '$variant')" ;;
    esac
    if [[ ! -x $program ]]; then
        [[ -f $root/examples/parity/Makefile ]] ||
            die "$program is missing and examples/parity has no Makefile; use --service none"
        note "building the parity service (make -C examples/parity)"
        make -s -C "$root/examples/parity" >/dev/null || die "make -C examples/parity failed"
        [[ -x $program ]] || die "make -C examples/parity did not produce $program"
    fi
    service_argv=("$program" --threads "$threads" --delay-us "$delay" "$@")
}

# Refuses ports something else already listens on: sshd would fail late and less clearly.
check_ports_free() { # port count (names/addresses filled)
    local port=$1 count=$2 taken
    taken=$(ss -Hltn 2>/dev/null | awk -v port="$port" -v wanted="${addresses[*]:1:count}" '
        BEGIN { n = split(wanted, list, " "); for (k = 1; k <= n; k++) ours[list[k] ":" port] = 1 }
        $4 == "0.0.0.0:" port || $4 == "*:" port || $4 == "[::]:" port { print "*"; next }
        $4 in ours { print substr($4, 1, length($4) - length(port) - 1) }' | sort -u | tr '\n' ' ')
    [[ $taken != *'*'* ]] || die "something listens on *:$port already (see: ss -ltnp); pick another --port"
    [[ -z $taken ]] || die "port $port is taken on: $taken(another lab? see: ss -ltnp); use --port or take that lab down"
}

# Keys: one client key for the lab, one ed25519 host key per host, generated in parallel and
# kept across ups (they are the slow part of a 200-host lab).
generate_keys() { # count
    local count=$1 i
    mkdir -p "$lab_dir/keys"
    chmod 700 "$lab_dir" "$lab_dir/keys"
    if [[ ! -f $lab_dir/client_key || ! -f $lab_dir/client_key.pub ]]; then
        rm -f "$lab_dir/client_key" "$lab_dir/client_key.pub"
        ssh-keygen -q -t ed25519 -N '' -C "hotpatch-lab-client" -f "$lab_dir/client_key"
    fi
    for ((i = 1; i <= count; i++)); do
        [[ -f $lab_dir/keys/${names[i]}_ed25519.pub ]] || echo "${names[i]}"
    done | xargs -r -P "$(($(nproc) * 2))" -I{} \
        sh -c 'rm -f "$1" "$1.pub"; ssh-keygen -q -t ed25519 -N "" -C "$2" -f "$1"' _ "$lab_dir/keys/{}_ed25519" {}
}

write_sshd_config() { # name address port  (printf, not cat: no fork per host)
    local name=$1 address=$2 port=$3 dir="$lab_dir/hosts/$1"
    printf '%s\n' \
        "# Lab host $name, written by scripts/lab up." \
        "Port $port" \
        "ListenAddress $address" \
        "HostKey $lab_dir/keys/${name}_ed25519" \
        "PidFile $dir/sshd.pid" \
        "UsePAM no" \
        "PermitRootLogin prohibit-password" \
        "PubkeyAuthentication yes" \
        "PasswordAuthentication no" \
        "KbdInteractiveAuthentication no" \
        "AuthorizedKeysFile .ssh/authorized_keys" \
        "StrictModes yes" \
        "UseDNS no" \
        "PrintMotd no" \
        "PrintLastLog no" \
        "# Hundreds of concurrent connections from one coordinator must not be dropped at random." \
        "MaxStartups 1000:30:2000" \
        "MaxSessions 1000" \
        "LoginGraceTime 60" \
        "AllowTcpForwarding yes" \
        "X11Forwarding no" \
        "Subsystem sftp internal-sftp" \
        "LogLevel INFO" >"$dir/sshd_config"
}

# Fresh host directories: private dirs, root's authorized key, sshd config, what init runs.
# Done in bulk (one mkdir, one chmod per mode) because a fork per host per file is slow.
prepare_hosts() { # count port private_service
    local count=$1 port=$2 private=${3:-0} i dir pubkey service_lines dirs=()
    rm -rf "$lab_dir/hosts"
    for ((i = 1; i <= count; i++)); do dirs+=("$lab_dir/hosts/${names[i]}"); done
    mkdir -p "${dirs[@]/%//root/.ssh}" "${dirs[@]/%//var-tmp}" "${dirs[@]/%//var-lib-hotpatch}" \
        "${dirs[@]/%//etc-hotpatch}"
    chmod 700 "${dirs[@]/%//root}" "${dirs[@]/%//root/.ssh}"
    chmod 1777 "${dirs[@]/%//var-tmp}"
    read -r pubkey <"$lab_dir/client_key.pub"
    service_lines="LAB_SERVICE_ARGV=(${service_argv[*]@Q})"$'\n'"LAB_SERVICE_ENV=(${service_env[*]@Q})"
    local old_umask
    old_umask=$(umask)
    umask 077 # authorized_keys must not be group or world writable (StrictModes)
    for ((i = 1; i <= count; i++)); do
        dir=${dirs[i - 1]}
        printf '%s\n' "$pubkey" >"$dir/root/.ssh/authorized_keys"
        : >"$dir/parity.log"
        write_sshd_config "${names[i]}" "${addresses[i]}" "$port"
        printf '%s\n' "LAB_HOST_NAME=${names[i]}" "LAB_HOST_ADDRESS=${addresses[i]}" \
            "$service_lines" >"$dir/host.env"
        if ((private)); then
            cp -a "$parity_dir" "$dir/parity-build"
            printf '%s\n' "LAB_PRIVATE_PARITY_DIR=${parity_dir@Q}" >>"$dir/host.env"
        fi
    done
    umask "$old_umask"
}

write_inventory_and_known_hosts() { # count port
    local count=$1 port=$2 i key pattern
    {
        echo "# Lab fleet of $count hosts, written by scripts/lab up ($(date -u +%FT%TZ))."
        echo "[lab]"
        for ((i = 1; i <= count; i++)); do
            echo "${names[i]} ansible_host=${addresses[i]} ansible_port=$port ansible_user=root ansible_ssh_private_key_file=$lab_dir/client_key"
        done
    } >"$lab_dir/inventory.ini"
    for ((i = 1; i <= count; i++)); do
        read -r key <"$lab_dir/keys/${names[i]}_ed25519.pub"
        # known_hosts spells a non-22 port as [address]:port.
        pattern=${addresses[i]}
        [[ $port == 22 ]] || pattern="[$pattern]:$port"
        echo "$pattern ${key% *}"
    done >"$lab_dir/known_hosts"
}

# Probes one host until it answers over SSH or the deadline passes; prints "ok NAME" or
# "fail NAME: why". Run in parallel by xargs, so it gets the lab through the environment, and
# uses builtins only between attempts (forks are slow on a busy machine).
probe_host() { # name address
    local name=$1 address=$2 dir="$LAB_DIR/hosts/$1" upid="" ipid="" children="" why
    while :; do
        if [[ -z $ipid ]]; then
            read -r upid 2>/dev/null <"$dir/unshare.pid" || true
            if [[ -n $upid ]]; then
                read -r children 2>/dev/null <"/proc/$upid/task/$upid/children" || true
                ipid=${children%% *}
                if [[ -n $ipid ]]; then
                    echo "$ipid" >"$dir/init.pid"
                    readlink "/proc/$ipid/ns/pid" >"$dir/pidns" 2>/dev/null || true
                fi
            fi
        elif [[ ! -d /proc/$ipid ]]; then
            echo "fail $name: its init (pid $ipid) died: $(tail -n 3 "$dir/init.log" | tr '\n' ' ')"
            return
        elif [[ -s $dir/sshd.pid ]] &&
            ${LAB_NETNS:+nsenter --net=$LAB_NETNS} ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
                -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
                -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
                -o KexAlgorithms=curve25519-sha256 \
                -i "$LAB_DIR/client_key" -p "$LAB_PORT" "root@$address" true </dev/null 2>"$dir/probe.err"; then
            echo "ok $name"
            return
        fi
        if ((EPOCHSECONDS >= LAB_DEADLINE)); then
            why="no SSH answer in time"
            [[ -n $ipid ]] || why="its init never started"
            [[ -s $dir/sshd.pid ]] || why="sshd never listened"
            echo "fail $name ($address:$LAB_PORT): $why: $(tail -q -n 2 "$dir/probe.err" "$dir/sshd.log" "$dir/init.log" 2>/dev/null | tr '\n' ' ')"
            return
        fi
        sleep 0.2
    done
}

# Records the service's pid as this machine sees it, for tests that look from outside.
record_service_hostpid() { # name
    local dir="$lab_dir/hosts/$1" ipid spid
    read_file "$dir/init.pid"
    ipid=$REPLY
    read_file "$dir/service.pid"
    spid=$REPLY
    [[ -n $ipid && -n $spid ]] || return 0
    child_with_nspid "$ipid" "$spid"
    [[ -z $REPLY ]] || echo "$REPLY" >"$dir/service.hostpid"
}

# With HOTPATCH_LAB_VERBOSE=1, says how long each step of up took (for sizing big labs).
phase() {
    [[ ${HOTPATCH_LAB_VERBOSE:-0} == 1 ]] && note "$1: $((SECONDS - started))s" || true
}

# --old-userland-hosts K: the Debian 11 root (made and cached by scripts/lib/old-userland) and
# the parity service built IN it by its gcc 10 against its glibc 2.31, into LAB/old-parity. Every
# host then runs that one build (a binary built on the oldest userland runs on the newer ones, as
# fleets deploy it), so one patch made from it covers new and old hosts alike.
old_root=""
prepare_old_userland() { # count old
    local count=$1 old=$2
    [[ $old =~ ^[0-9]+$ ]] && ((old <= count)) || die "--old-userland-hosts must be 0..$count (got '$old')"
    ((old > 0)) || return 0
    old_root=$("$lib/old-userland") || die "no Debian 11 root (scripts/lib/old-userland failed)"
    local build="$lab_dir/old-parity"
    rm -rf "$build"
    mkdir -p "$build"
    cp "$root"/examples/parity/{Makefile,*.c,*.h} "$build/"
    note "building the parity service in the Debian 11 root ($old_root)"
    unshare --mount --propagation private /bin/sh -c \
        'mkdir -p "$0$1" && mount --bind "$1" "$0$1" && exec chroot "$0" make -s -C "$1"' \
        "$old_root" "$build" >"$lab_dir/old-parity.log" 2>&1 ||
        die "make in the Debian 11 root failed: $(tail -n 5 "$lab_dir/old-parity.log")"
    parity_dir=$build/build
}

# Marks the last `old` hosts as old-userland hosts: their init chroots into the Debian 11 root.
mark_old_hosts() { # count old
    local count=$1 old=$2 i
    for ((i = count - old + 1; i <= count; i++)); do
        echo "LAB_OLD_ROOT=$old_root" >>"$lab_dir/hosts/${names[i]}/host.env"
    done
}

lab_up() {
    local count="" force=0 port=22 variant=exe threads=4 delay="" timeout="" extra=() private=0 behind=0 old=0
    while (($# > 0)); do
        case $1 in
        --force) force=1; shift ;;
        --port) port=${2:?--port needs a number}; shift 2 ;;
        --service) variant=${2:?--service needs exe, lib or none}; shift 2 ;;
        --threads) threads=${2:?--threads needs a number}; shift 2 ;;
        --delay-us) delay=${2:?--delay-us needs a number}; shift 2 ;;
        --service-arg) extra+=("${2:?--service-arg needs a value}"); shift 2 ;;
        --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
        --private-service) private=1; shift ;;
        --behind-bastion) behind=1; shift ;;
        --old-userland-hosts) old=${2:?--old-userland-hosts needs a count}; shift 2 ;;
        -*) die "up: unknown option '$1'" ;;
        *) [[ -z $count ]] || die "up: one host count only (got '$count' and '$1')"; count=$1; shift ;;
        esac
    done
    [[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= max_hosts)) ||
        die "up needs a host count from 1 to $max_hosts (got '${count}')"
    [[ $port =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) || die "--port must be 1..65535"
    [[ $threads =~ ^[0-9]+$ ]] || die "--threads must be a number"
    [[ -z $delay || $delay =~ ^[0-9]+$ ]] || die "--delay-us must be a number"
    [[ -z $timeout || $timeout =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds"
    # Every service wakes each of its threads once per delay: at parity's own 1 ms, 200 hosts
    # would want 7 cores. Scale the default so the whole lab costs about what 10 hosts do.
    delay=${delay:-$((count * 100 > 1000 ? count * 100 : 1000))}
    # A big lab answers more slowly: 60 s plus a little per host by default.
    timeout=${timeout:-$((60 + count / 4))}
    [[ $(id -u) -eq 0 ]] || die "the lab needs root (namespaces, bind mounts, sshd as root)"

    if lab_is_running; then
        ((force)) || die "a lab is already up in $lab_dir ($(state_value hosts) hosts); 'scripts/lab down --dir $lab_dir' first, or 'up --force'"
        note "taking the running lab in $lab_dir down first (--force)"
    fi
    # Also clears what a crashed or killed lab left behind.
    lab_down >/dev/null

    local started=$SECONDS
    ensure_tools
    mkdir -p "$lab_dir"
    prepare_old_userland "$count" "$old"
    prepare_service "$variant" "$threads" "$delay" "${extra[@]+"${extra[@]}"}"
    local names addresses
    fill_hosts "$count"
    check_ports_free "$port" "$count"
    mkdir -p "$lab_dir/hosts"
    generate_keys "$count"
    phase "keys"

    # Step: host directories and the files the tests and hotpatch read.
    prepare_hosts "$count" "$port" "$private"
    write_inventory_and_known_hosts "$count" "$port"
    mark_old_hosts "$count" "$old"
    phase "host directories, inventory, known_hosts"
    # Mount points for the private directories must exist on the real filesystem.
    mkdir -p /var/lib/hotpatch /etc/hotpatch /var/tmp /root
    {
        echo "hosts=$count"
        echo "port=$port"
        echo "service=$variant"
        echo "old_userland_hosts=$old"
        echo "started=$(date -u +%FT%TZ)"
    } >"$lab_dir/lab.state"
    if ((behind)); then bastion_prepare "$port"; else rm -rf "$lab_dir/bastion"; fi

    # Step: start every host under one detached keeper (see lab-keeper.sh for why).
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    setsid bash "$lib/lab-keeper.sh" "$lab_dir/hosts" "${names[@]:1}" \
        </dev/null >"$lab_dir/keeper.log" 2>&1 &
    echo "$!" >"$lab_dir/keeper.pid"
    phase "hosts started"

    # Step: wait until every host answers over SSH, in parallel, within the timeout.
    local results failed
    export -f probe_host
    local i
    results=$(for ((i = 1; i <= count; i++)); do echo "${names[i]} ${addresses[i]}"; done |
        LAB_NETNS=${LAB_NETNS:-} LAB_DIR=$lab_dir LAB_PORT=$port LAB_DEADLINE=$((EPOCHSECONDS + timeout)) \
            xargs -P 16 -L 1 bash -c 'probe_host "$1" "$2"' _)
    phase "every host probed over SSH"
    failed=$(grep -v '^ok ' <<<"$results" || true)
    if [[ -n $failed ]]; then
        echo "scripts/lab: $(wc -l <<<"$failed") of $count hosts did not come up within ${timeout}s:" >&2
        sed 's/^fail /  /' <<<"$failed" | sort -V >&2
        echo "scripts/lab: per-host logs are in $lab_dir/hosts/<name>/ (init.log, sshd.log); taking the lab down" >&2
        lab_down >/dev/null
        exit 1
    fi
    for ((i = 1; i <= count; i++)); do record_service_hostpid "${names[i]}"; done
    if ((behind)); then bastion_probe "$port" "$timeout"; fi
    note "$count hosts up in $((SECONDS - started))s (${addresses[1]} .. ${addresses[count]}, port $port, service $variant)"
    ((old == 0)) || note "the last $old on Debian 11 ($old_root); every host runs the service built there ($parity_dir)"
    note "inventory $lab_dir/inventory.ini, known_hosts $lab_dir/known_hosts, key $lab_dir/client_key"
}
