# shellcheck shell=bash
# What tests/pdns/server.sh and tests/mariadb/server.sh share. Sourced.
#
#   free_port                       a free TCP port on 127.0.0.1
#   kill_server PIDFILE             kills the server and waits until it is gone
#   stop_server PIDFILE DIR         kills the server and removes DIR
#   server_main START_FN STOP_FN "$@"   the `start DIR [ARG...]` / `stop DIR`
#                                   command line (ARGs go to START_FN after DIR)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

kill_server() {
    local pidfile=$1
    if [[ -f "$pidfile" ]]; then
        local pid
        pid=$(cat "$pidfile")
        # The data is thrown away, so there is nothing to shut down cleanly
        # (pdns_server would take about two seconds to honour SIGTERM).
        kill -9 "$pid" 2>/dev/null || true
        # Dead once it is gone or a zombie waiting for init to reap it.
        for _ in $(seq 1 40); do
            [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" =~ ^[^Z] ]] || break
            sleep 0.05
        done
    fi
}

stop_server() {
    kill_server "$1"
    rm -rf "$2"
}

server_main() {
    local start_fn=$1 stop_fn=$2
    shift 2
    case "${1:-}" in
        start) "$start_fn" "${2:?directory}" "${@:3}" ;;
        stop) "$stop_fn" "${2:?directory}" ;;
        *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
    esac
}
