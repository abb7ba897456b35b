# lib.sh: what both interop lanes (run.sh, goserver/run.sh) do with the peer
# server they start in the background. Source it; set server_pid first.

# stop_server ends the peer: TERM, up to 5 s, then KILL. Used as the EXIT trap.
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}

# wait_ready READY LOG SECONDS waits until the peer writes its base URL to
# READY; exit 3 with the server log when it dies or is not ready in time.
wait_ready() {
  local ready=$1 logf=$2 secs=$3
  for _ in $(seq 1 $((secs * 10))); do
    [ -s "$ready" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: server exited before it was ready:" >&2; cat "$logf" >&2; exit 3; }
    sleep 0.1
  done
  echo "run.sh: server not ready after $secs s:" >&2; cat "$logf" >&2; exit 3
}
