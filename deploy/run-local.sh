#!/usr/bin/env bash
# Scale-out on one machine: a redis-server, a local Weavz API and two weavz-mcp replicas, all
# on loopback ports, all stopped by Ctrl-C. Point one client at replica A and another at
# replica B: a change made through either reaches listeners on both.
#   deploy/run-local.sh           run until Ctrl-C
#   deploy/run-local.sh --check   start, prove a change through B reaches a listener on A, stop
# Ports: REDIS_PORT (6390), API_PORT (8790), PORT_A (3341), PORT_B (3342).
set -euo pipefail
cd "$(dirname "$0")/.."

REDIS_PORT=${REDIS_PORT:-6390}
API_PORT=${API_PORT:-8790}
PORT_A=${PORT_A:-3341}
PORT_B=${PORT_B:-3342}
# The key the local API accepts and the replicas send; random unless given.
KEY=${WEAVZ_API_KEY:-wvz_local_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}

command -v redis-server >/dev/null || {
  echo "redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)" >&2
  exit 1
}
[ -f dist/cli.js ] || npm run build

dir=$(mktemp -d "${TMPDIR:-/tmp}/weavz-scale-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until something listens on 127.0.0.1:$1 (bash's /dev/tcp; no extra tools needed).
wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1; logs in $dir:" >&2
  tail -n 5 "$dir"/*.log >&2
  return 1
}

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  >"$dir/redis.log" 2>&1 &
pids+=($!)
node dist/cli.js local-api --port "$API_PORT" --db "$dir/local.db" --api-key "$KEY" \
  >"$dir/local-api.log" 2>&1 &
pids+=($!)
wait_port "$REDIS_PORT"
wait_port "$API_PORT"

# One state secret for both replicas: a confirmation issued by one is accepted by the other.
(umask 077 && head -c 32 /dev/urandom | base64 >"$dir/state-secret")
for port in "$PORT_A" "$PORT_B"; do
  WEAVZ_API_KEY="$KEY" WEAVZ_STATE_SECRET_FILE="$dir/state-secret" node dist/cli.js --transport http --port "$port" \
    --base-url "http://127.0.0.1:$API_PORT" --redis-url "redis://127.0.0.1:$REDIS_PORT" \
    >"$dir/replica-$port.log" 2>&1 &
  pids+=($!)
done
wait_port "$PORT_A"
wait_port "$PORT_B"

echo "redis      redis://127.0.0.1:$REDIS_PORT"
echo "local API  http://127.0.0.1:$API_PORT/api/v1 (key $KEY)"
echo "replica A  http://127.0.0.1:$PORT_A/mcp"
echo "replica B  http://127.0.0.1:$PORT_B/mcp"

if [ "${1:-}" = "--check" ]; then
  A="http://127.0.0.1:$PORT_A/mcp" B="http://127.0.0.1:$PORT_B/mcp" node --input-type=module -e '
    import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
    const connect = async (url) => {
      const c = new Client({ name: "run-local-check", version: "1" },
        { versionNegotiation: { mode: { pin: "2026-07-28" } } });
      await c.connect(new StreamableHTTPClientTransport(new URL(url)));
      return c;
    };
    const [a, b] = [await connect(process.env.A), await connect(process.env.B)];
    const { workspaces } = (await b.callTool({ name: "list_workspaces", arguments: {} })).structuredContent;
    const ws = workspaces[0].id;
    const uri = `weavz://workspaces/${ws}/integrations`;
    const heard = new Promise((resolve) =>
      a.setNotificationHandler("notifications/resources/updated", (n) => n.params.uri === uri && resolve()));
    const sub = await a.listen({ resourceSubscriptions: [uri] });
    const t0 = Date.now();
    const r = await b.callTool({ name: "create_workspace_integration",
      arguments: { workspaceId: ws, integrationName: "kv-store", alias: `kv-check-${t0}` } });
    if (r.isError) throw new Error(JSON.stringify(r.content));
    const called = Date.now() - t0;
    const timeout = setTimeout(() => { console.error("FAIL: no notification on replica A within 2 s"); process.exit(1); }, 2000);
    await heard;
    clearTimeout(timeout);
    console.log(`ok: a change made through replica B reached a listener on replica A ${Date.now() - t0} ms after the call began (the call itself took ${called} ms)`);
    await sub.close(); await a.close(); await b.close();
  '
  exit 0
fi

echo "logs in $dir; Ctrl-C stops everything"
wait
