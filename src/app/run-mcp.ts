import type { Logger } from "../log.js";
import { localUser } from "../mcp/actor.js";
import { createServerFactory } from "../mcp/server.js";
import type { Scale } from "../scale/index.js";
import { type Backend, deferredApi, openBackend } from "./backend.js";
import { type Config, hubPolling } from "./config.js";

/** Starts the MCP server on the configured transport and backend; returns when it stops. */
export async function runMcp(config: Config, log: Logger): Promise<void> {
  // Several replicas share one Redis: changes fan out through it, one replica polls. The
  // Redis client is ~1.5 MB of bundle: imported only with --redis-url so a plain stdio start
  // never parses it (it was the largest part of cold start).
  let scale: Scale | undefined;
  if (config.redis.url) {
    const scaleMod = await import("../scale/index.js");
    // The replicas' shared state secret is checked before anything starts: a bad one stops here.
    let stateKey: Uint8Array | undefined;
    try {
      stateKey = scaleMod.loadStateKey({
        secret: config.redis.stateSecret,
        file: config.redis.stateSecretFile,
      });
    } catch (err) {
      if (!(err instanceof scaleMod.StateSecretError)) throw err;
      log.error(err.message);
      process.exit(2);
    }
    if (!stateKey) {
      log.warn(
        "--redis-url without a state secret: a confirmation (preview token or 2026 input_required round) only works on the replica that issued it; and Redis messages and the poller lease are unsigned (anyone who can write to this Redis can inject change notifications); give every replica the same WEAVZ_STATE_SECRET (or WEAVZ_STATE_SECRET_FILE) to accept confirmations on any and sign what they share",
      );
    }
    scale = scaleMod.startScale(config.redis.url, config.redis.leaseMs, log, stateKey);
  }
  // The backend starts while the transport comes up; tool calls wait for it. Over stdio it
  // starts just after the transport reads stdin: loading undici, SQLite and the local API is
  // ~250 ms of CPU on one thread, and begun first it delayed the handshake answer behind it.
  const open = () => openBackend(config, log, scale ? { redis: scale.link } : {});
  let startBackend: () => void = () => {};
  const backendReady: Promise<Backend> =
    config.mcp.transport === "stdio"
      ? new Promise<void>((resolve) => {
          startBackend = resolve;
        }).then(open)
      : open();
  backendReady.catch((err: unknown) => {
    log.error(`cannot start the backend: ${(err as Error).message}`);
    process.exit(1);
  });
  const api = deferredApi(backendReady);
  const factory = createServerFactory({
    api,
    log,
    defaultWorkspaceId: config.api.workspaceId,
    readOnly: config.mcp.readOnly,
    resultLinks: config.mcp.resultLinks,
    apps: config.mcp.apps,
    toolsets: config.mcp.toolsets,
    conformanceFixtures: config.mcp.conformanceFixtures,
    historyKind: config.api.apiKey ? (config.redis.url ? "mcp-redis" : "mcp-sqlite") : "local-api",
    localPrincipal:
      config.mcp.transport === "stdio"
        ? { kind: "stdio", label: localUser() }
        : { kind: "unknown", label: null },
    hub: {
      ...hubPolling(config),
      ...(scale ? { coordinator: scale.coordinator } : {}),
    },
    ...(scale ? { bus: scale.bus } : {}),
    ...(scale?.confirmStore ? { confirmStore: scale.confirmStore } : {}),
  });
  scale?.coordinator.attach(factory.hub);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    factory.hub.close();
    await scale?.close().catch(() => {});
    await backendReady.then((b) => b.close()).catch(() => {});
    process.exit(code);
  };

  if (config.mcp.transport === "stdio") {
    process.once("SIGINT", () => void stop(0));
    process.once("SIGTERM", () => void stop(0));
    const { serveStdio } = await import("../transports/stdio.js");
    const served = serveStdio(
      (ctx) => factory.newServer({ era: ctx.era, deliver: true }),
      factory.hub,
    );
    // setImmediate runs after the poll phase, so an initialize already waiting on stdin is read
    // and answered before the backend's imports take the thread.
    setImmediate(startBackend);
    await served;
    await stop(0);
    return;
  }

  // HTTP-only code (authentication, jose, the SDK's node adapter and hono) is loaded only in
  // HTTP mode: esbuild puts it in chunks a stdio start never reads.
  const [
    { AuthSetupError, authFromConfig, nodeAuthenticate },
    { serveHttp },
    dashboardMod,
    { httpDashboard },
  ] = await Promise.all([
    import("./auth.js"),
    import("../transports/http.js"),
    import("../dashboard/index.js"),
    import("./dashboard-wire.js"),
  ]);
  let auth: Awaited<ReturnType<typeof authFromConfig>>;
  try {
    auth = await authFromConfig(config, log);
  } catch (err) {
    if (!(err instanceof AuthSetupError)) throw err;
    log.error(err.message);
    await backendReady.then((b) => b.close()).catch(() => {});
    process.exit(2);
  }
  // The dashboard at / on the same port, on the same API and change hub as the tools.
  const dashboard = httpDashboard({
    config,
    gate: auth?.gate,
    api,
    hub: factory.hub,
    backendReady,
    log,
  });
  let http: Awaited<ReturnType<typeof serveHttp>>;
  try {
    http = await serveHttp({
      host: config.http.host,
      port: config.http.port,
      newServer: factory.newServer,
      hub: factory.hub,
      log,
      // Behind a proxy, requests name the public host: it is this server's own origin.
      allowedOrigins: config.http.publicUrl
        ? [...config.http.allowedOrigins, new URL(config.http.publicUrl).origin]
        : config.http.allowedOrigins,
      maxSessions: config.http.maxSessions,
      serveOther: dashboardMod.dashboardHook(dashboard),
      ...(auth ? { authenticate: nodeAuthenticate(auth.gate) } : {}),
    });
    // Only microtasks run between listening and here, so no request meets the gate unaware.
    auth?.gate.listening(http.url);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? `port ${config.http.port} is in use; pass --port (or WEAVZ_PORT) with a free port`
        : (err as Error).message;
    log.error(`cannot listen on ${config.http.host}:${config.http.port}: ${why}`);
    await backendReady.then((b) => b.close()).catch(() => {});
    process.exit(1);
  }
  const backend = await backendReady;
  // Clients reach the public URL when one is set; bearer clients also need their token.
  const clientConfig = {
    mcpServers: {
      weavz: {
        type: "http",
        url: auth?.gate.resourceUrl() ?? http.url,
        ...(config.auth.mode === "bearer"
          ? { headers: { Authorization: "Bearer YOUR_TOKEN" } }
          : {}),
      },
    },
  };
  // HTTP mode leaves stdout free, so the URL and a config to paste go there.
  process.stdout.write(
    `weavz-mcp ${backend.kind === "embedded" ? "(embedded local Weavz API)" : `(Weavz API ${config.api.baseUrl})`} listening on ${http.url}\n` +
      `${dashboardMod.dashboardLine(dashboard, auth?.gate.resourceUrl() ?? http.url)}\n` +
      `Client config (e.g. .mcp.json / mcp.json):\n${JSON.stringify(clientConfig, null, 2)}\n`,
  );
  const shutdown = async () => {
    await http.close().catch(() => {});
    await stop(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
  // Teammates come and go: `kill -HUP` re-reads the tokens file without dropping sessions.
  // Then whatever a removed or narrowed token still has open (sessions, streams) is closed.
  const reload = auth?.reload;
  const accepts = auth?.accepts;
  if (reload)
    process.on("SIGHUP", () => {
      void reload()
        .then(() => (accepts ? http.revoke(accepts) : 0))
        .then((n) => {
          if (n > 0)
            log.info(`auth: closed ${n} session(s) or stream(s) of tokens no longer accepted`);
        });
    });
  await new Promise<never>(() => {});
}
