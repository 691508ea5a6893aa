# shellcheck shell=bash
# Private servers on 127.0.0.1 for build/soak.sh and build/load.sh: a
# PowerDNS (tests/pdns/server.sh), the fake Cloudflare and the fake HestiaCP
# (tests/fakes/). Sourced, not run.
#
#   servers_setup                 installs what is needed, builds the release extension ($so),
#                                 makes $work (a temporary directory), stops everything on exit
#   servers_start_pdns            PDNS_API_URL, PDNS_API_KEY, PDNS_DNS_PORT
#   servers_start_fake NAME [ARG…] CF_PORT (cloudflare) or HESTIA_PORT (hestia);
#                                 stderr (with --verbose, every request) in $work/NAME.err
#   pdns_zone NAME                a Native zone on the PowerDNS
#   cf_control METHOD PATH [JSON] the fake Cloudflare's control API
#   hestia_control METHOD PATH [JSON]
#   servers_stop                  stops whatever was started
#   machine_facts                 one line: nproc, load average, I/O pressure, PHP

servers_setup() {
    build/deps.sh
    cargo build --release --quiet
    # shellcheck disable=SC2034 # $so is for the scripts that source this file (build/soak.sh, build/load.sh)
    so="$CARGO_TARGET_DIR/release/libpuq_dns.so"
    work=$(mktemp -d)
    trap servers_stop EXIT
    trap 'exit 130' INT TERM
}

servers_start_pdns() {
    eval "$(tests/pdns/server.sh start "$work/pdns")"
}

servers_start_fake() {
    local name=$1 pid port=
    shift
    python3 "tests/fakes/$name.py" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    echo "$pid" >"$work/$name.pid"
    for _ in $(seq 1 200); do
        port=$(sed -n 's/^PORT=//p' "$work/$name.out")
        [[ -z "$port" ]] || break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z "$port" ]]; then
        echo "the fake $name did not start; its stderr:" >&2
        cat "$work/$name.err" >&2
        return 1
    fi
    case $name in
        cloudflare) CF_PORT=$port ;;
        hestia) HESTIA_PORT=$port ;;
    esac
}

pdns_zone() {
    curl -fsS -o /dev/null -H "X-API-Key: $PDNS_API_KEY" -X POST \
        -d "{\"name\":\"$1\",\"kind\":\"Native\",\"nameservers\":[\"ns1.example.net.\"]}" \
        "$PDNS_API_URL/api/v1/servers/localhost/zones"
}

fake_control() {
    local port=$1 method=$2 path=$3 body=${4:-}
    curl -fsS -X "$method" -H 'Content-Type: application/json' ${body:+-d "$body"} \
        "http://127.0.0.1:$port/__control$path"
}
cf_control() { fake_control "$CF_PORT" "$@"; }
hestia_control() { fake_control "$HESTIA_PORT" "$@"; }

# SIGTERM (the fakes exit 0 on it), SIGKILL after 5 s.
servers_stop_fake() {
    local file="$work/$1.pid" pid
    [[ -f "$file" ]] || return 0
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || return 0
    # Gone, or a zombie: this shell is its parent and reaps it at exit.
    for _ in $(seq 1 100); do
        [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" =~ ^[^Z] ]] || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
}

servers_stop() {
    [[ -n "${work:-}" && -d "$work" ]] || return 0
    servers_stop_fake cloudflare
    servers_stop_fake hestia
    tests/pdns/server.sh stop "$work/pdns" || true
    rm -rf "$work"
}

# The I/O pressure matters: PowerDNS commits each PATCH to sqlite, so its
# writes slow down when other jobs on the machine keep the disk busy.
machine_facts() {
    local io=
    [[ -r /proc/pressure/io ]] && io=", I/O pressure (some, avg60/avg300) $(awk '/^some/ {
        sub("avg60=", "", $3); sub("avg300=", "", $4); print $3 "%/" $4 "%"}' /proc/pressure/io)"
    echo "nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)$io, $(php -r 'echo "PHP ", PHP_VERSION;')"
}
