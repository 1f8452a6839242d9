// Confirmations across replicas: real weavz-mcp processes sharing one local API and one real
// redis-server, driven by the real SDK clients (v1 for 2025-11-25, v2 for 2026-07-28). With the
// same state secret, a confirmation issued by replica A is accepted by replica B, once.
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useCliProcesses } from "../helpers/cli.js";
import { addKvIntegration, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from "../helpers/redis.js";
import { type Replica, replicaArgs, startReplica } from "../helpers/replica.js";

if (REDIS_SKIP_REASON) console.warn(REDIS_SKIP_REASON);

const SECRET = "Vq3r8XyT0mWb5Kc2Jd7Lp9Ns4Hf6Gz1Ae+Qu/o=";
type Result = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, any>;
};
const text = (r: Result) => r.content.map((c) => c.text ?? "").join("\n");

/** A 2025 client (no elicitation: it gets previews and tokens) with a session on one replica. */
async function legacy(url: string, name: string) {
  const client = new LegacyClient({ name, version: "1" });
  const transport = new LegacyHttp(new URL(url));
  await client.connect(transport);
  return {
    call: async (tool: string, args: Record<string, unknown>) =>
      (await client.callTool({ name: tool, arguments: args })) as Result,
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

async function aliases(local: TestLocalApi): Promise<string[]> {
  const r = await request(`${local.url}/api/v1/workspaces/${DEMO_WS}/integrations`, {
    headers: { authorization: `Bearer ${local.apiKey}` },
  });
  const body = (await r.body.json()) as { integrations: Array<{ alias: string }> };
  return body.integrations.map((i) => i.alias);
}

/** A plan (whole, so any replica can apply it) that deletes ALIAS and keeps the rest. */
async function pruningPlan(
  client: Awaited<ReturnType<typeof legacy>>,
  local: TestLocalApi,
  alias: string,
): Promise<Record<string, unknown>> {
  const keep = Object.fromEntries(
    (await aliases(local))
      .filter((a) => a !== alias)
      .map((a) => [a, { integrationName: "kv-store" }]),
  );
  const r = await client.call("plan_workspace", {
    workspaceId: DEMO_WS,
    prune: true,
    integrations: keep,
  });
  expect(r.isError, text(r)).toBeFalsy();
  const plan = r.structuredContent ?? {};
  expect(plan.steps).toEqual([expect.objectContaining({ action: "delete", alias })]);
  return plan;
}

describe.skipIf(REDIS_SKIP_REASON !== undefined)("confirmations across replicas", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let redis: TestRedis;
  let a: Replica;
  let b: Replica;
  const args = (extra: string[] = []) =>
    replicaArgs(local.apiKey, local.url, redis.url, ["--toolsets", "all", ...extra]);
  beforeAll(async () => {
    local = await startTestLocalApi();
    redis = await startTestRedis();
    // The secret through its env twin, as a deployment gives it.
    process.env.WEAVZ_STATE_SECRET = SECRET;
    try {
      [a, b] = await Promise.all([startReplica(args()), startReplica(args())]);
    } finally {
      delete process.env.WEAVZ_STATE_SECRET;
    }
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.close();
    await local?.close();
  });

  it("deletes on replica B with the token replica A previewed", async () => {
    await addKvIntegration(local, "kv_del_ab");
    const onA = await legacy(a.url, "on-a");
    const onB = await legacy(b.url, "on-b");
    try {
      const preview = await onA.call("delete_workspace_integration", { alias: "kv_del_ab" });
      expect(preview.structuredContent?.deleted, text(preview)).toBe(false);
      const token = preview.structuredContent?.confirm;
      expect(typeof token).toBe("string");
      expect(await aliases(local)).toContain("kv_del_ab");

      const done = await onB.call("delete_workspace_integration", {
        alias: "kv_del_ab",
        confirm: token,
      });
      expect(done.isError, text(done)).toBeFalsy();
      expect(done.structuredContent).toMatchObject({ deleted: true });
      expect(await aliases(local)).not.toContain("kv_del_ab");
      // The secret never shows in a replica's log.
      for (const r of [a, b]) expect(r.stderr()).not.toContain(SECRET);
    } finally {
      await onA.close();
      await onB.close();
    }
  });

  it("applies a confirmed plan once: the token replayed on A or B is refused", async () => {
    await addKvIntegration(local, "kv_plan_once");
    const onA = await legacy(a.url, "on-a");
    const onB = await legacy(b.url, "on-b");
    try {
      const plan = await pruningPlan(onA, local, "kv_plan_once");
      const preview = await onA.call("apply_workspace_plan", { plan });
      expect(preview.structuredContent?.status, text(preview)).toBe("not_confirmed");
      const confirm = preview.structuredContent?.confirm;

      const applied = await onB.call("apply_workspace_plan", { plan, confirm });
      expect(applied.structuredContent?.status, text(applied)).toBe("applied");
      expect(await aliases(local)).not.toContain("kv_plan_once");

      // The plan's inspection reads no live state, so a replay reaches the single-use check.
      for (const again of [onA, onB]) {
        const r = await again.call("apply_workspace_plan", { plan, confirm });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/CONFIRMATION_REFUSED: The confirm token was already used once/);
      }
    } finally {
      await onA.close();
      await onB.close();
    }
  });

  it("lets exactly one of two simultaneous confirms of one token (on A and on B) apply", async () => {
    for (let round = 0; round < 3; round++) {
      const alias = `kv_race_${round}`;
      await addKvIntegration(local, alias);
      const onA = await legacy(a.url, "on-a");
      const onB = await legacy(b.url, "on-b");
      try {
        const plan = await pruningPlan(onA, local, alias);
        const preview = await onB.call("apply_workspace_plan", { plan });
        const confirm = preview.structuredContent?.confirm;
        expect(typeof confirm, text(preview)).toBe("string");
        const results = await Promise.all([
          onA.call("apply_workspace_plan", { plan, confirm }),
          onB.call("apply_workspace_plan", { plan, confirm }),
        ]);
        const applied = results.filter((r) => r.structuredContent?.status === "applied");
        const refused = results.filter((r) => r.isError);
        expect(applied, results.map(text).join("\n---\n")).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(text(refused[0] as Result)).toMatch(/already used once/);
        expect(await aliases(local)).not.toContain(alias);
      } finally {
        await onA.close();
        await onB.close();
      }
    }
  });

  it("completes a 2026 input_required round whose retry lands on the other replica", async () => {
    await addKvIntegration(local, "kv_mrtr");
    // A round-robin load balancer in the client's fetch: the first tools/call goes to A, its
    // retry (carrying the sealed requestState and the user's answer) to B. The requests are
    // real HTTP to the real replicas; only the choice of replica is made here.
    const served: string[] = [];
    let calls = 0;
    const lb: typeof fetch = async (input, init) => {
      const body = typeof init?.body === "string" ? init.body : "";
      const isCall = body.includes('"tools/call"');
      const target = isCall ? (calls++ % 2 === 0 ? a : b) : a;
      if (isCall) served.push(target === a ? "A" : "B");
      const path = new URL(String(input instanceof Request ? input.url : input));
      return fetch(new URL(path.pathname + path.search, target.url), init);
    };
    const client = new ModernClient(
      { name: "elicits-2026", version: "1" },
      {
        versionNegotiation: { mode: { pin: "2026-07-28" } },
        capabilities: { elicitation: { form: {} } },
      },
    );
    const asked: string[] = [];
    client.setRequestHandler("elicitation/create", async (req: any) => {
      asked.push(req.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new ModernHttp(new URL(a.url), { fetch: lb }));
    try {
      const r = (await client.callTool({
        name: "delete_workspace_integration",
        arguments: { workspaceId: DEMO_WS, alias: "kv_mrtr" },
      })) as Result;
      expect(served).toEqual(["A", "B"]);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/kv_mrtr/);
      expect(r.isError, text(r)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ deleted: true });
      expect(await aliases(local)).not.toContain("kv_mrtr");
    } finally {
      await client.close();
    }
  });

  it("lets one of two simultaneous retries of one 2026 round (on A and on B) apply", async () => {
    await addKvIntegration(local, "kv_mrtr_race");
    const onA = await legacy(a.url, "planner");
    const plan = await pruningPlan(onA, local, "kv_mrtr_race");
    await onA.close();
    // The client's retry (its sealed requestState and the user's yes) is sent to A and to B at
    // the same moment, as a client retrying through a flaky balancer might; the client gets B's
    // answer, A's is kept to compare.
    const answers: Record<string, string> = {};
    let calls = 0;
    const dup: typeof fetch = async (input, init) => {
      const body = typeof init?.body === "string" ? init.body : "";
      const path = new URL(String(input instanceof Request ? input.url : input));
      const to = (r: Replica) => new URL(path.pathname + path.search, r.url);
      if (!body.includes('"tools/call"') || calls++ === 0) return fetch(to(a), init);
      const [ra, rb] = await Promise.all([fetch(to(a), init), fetch(to(b), init)]);
      answers.A = await ra.text();
      answers.B = await rb.text();
      return new Response(answers.B, { status: rb.status, headers: rb.headers });
    };
    const client = new ModernClient(
      { name: "elicits-2026", version: "1" },
      {
        versionNegotiation: { mode: { pin: "2026-07-28" } },
        capabilities: { elicitation: { form: {} } },
      },
    );
    client.setRequestHandler("elicitation/create", async () => ({
      action: "accept",
      content: { confirm: true },
    }));
    await client.connect(new ModernHttp(new URL(a.url), { fetch: dup }));
    try {
      await client.callTool({ name: "apply_workspace_plan", arguments: { plan } });
      const both = [answers.A ?? "", answers.B ?? ""];
      expect(
        both.filter((t) => t.includes('"status":"applied"')),
        both.join("\n---\n"),
      ).toHaveLength(1);
      expect(
        both.filter((t) => t.includes("That confirmation was already used once")),
      ).toHaveLength(1);
      expect(await aliases(local)).not.toContain("kv_mrtr_race");
    } finally {
      await client.close();
    }
  });

  it("refuses while Redis is down, and after it comes back empty the old token stays refused", async () => {
    await addKvIntegration(local, "kv_outage");
    const onA = await legacy(a.url, "on-a");
    const onB = await legacy(b.url, "on-b");
    try {
      const preview = await onA.call("delete_workspace_integration", { alias: "kv_outage" });
      const confirm = preview.structuredContent?.confirm;
      await redis.kill();
      // Waits for events (log lines); the deadlines are backstops, generous for a loaded
      // machine, and fail the test rather than fall through to the next step.
      await vi.waitFor(() => expect(b.stderr()).toContain("unreachable"), {
        timeout: 20_000,
        interval: 25,
      });
      const down = await onB.call("delete_workspace_integration", { alias: "kv_outage", confirm });
      expect(down.isError).toBe(true);
      expect(text(down)).toMatch(
        /^Error CONFIRMATION_UNAVAILABLE: .*cannot be reached.*Nothing was changed\.\nNext step: .*call delete_workspace_integration again with the same arguments and the same confirm token/s,
      );
      expect(await aliases(local)).toContain("kv_outage");
      // A new preview cannot be issued either: its token could not be checked later.
      const noPreview = await onA.call("delete_workspace_integration", { alias: "kv_outage" });
      expect(text(noPreview)).toMatch(/^Error CONFIRMATION_UNAVAILABLE/);

      await redis.restart();
      await vi.waitFor(
        () => {
          expect(a.stderr()).toContain("reachable again");
          expect(b.stderr()).toContain("reachable again");
        },
        { timeout: 20_000, interval: 25 },
      );
      // The restarted Redis lost every spent mark, so a token from before cannot be trusted.
      const stale = await onB.call("delete_workspace_integration", { alias: "kv_outage", confirm });
      expect(text(stale)).toMatch(/CONFIRMATION_REFUSED: .*lost its records/);
      expect(await aliases(local)).toContain("kv_outage");
      // A fresh preview works again, across replicas.
      const fresh = await onB.call("delete_workspace_integration", { alias: "kv_outage" });
      const ok = await onA.call("delete_workspace_integration", {
        alias: "kv_outage",
        confirm: fresh.structuredContent?.confirm,
      });
      expect(ok.structuredContent, text(ok)).toMatchObject({ deleted: true });
    } finally {
      await onA.close();
      await onB.close();
    }
  });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)("replicas without a state secret", () => {
  useCliProcesses();
  it("warn at start and keep confirmations per replica, as before", async () => {
    const local = await startTestLocalApi();
    const redis = await startTestRedis();
    const args = replicaArgs(local.apiKey, local.url, redis.url);
    const [a, b] = await Promise.all([startReplica(args), startReplica(args)]);
    await addKvIntegration(local, "kv_per_replica");
    const onA = await legacy(a.url, "on-a");
    const onB = await legacy(b.url, "on-b");
    try {
      expect(a.stderr()).toMatch(
        /without a state secret: a confirmation .* only works on the replica that issued it/,
      );
      const preview = await onA.call("delete_workspace_integration", { alias: "kv_per_replica" });
      const confirm = preview.structuredContent?.confirm;
      const elsewhere = await onB.call("delete_workspace_integration", {
        alias: "kv_per_replica",
        confirm,
      });
      expect(text(elsewhere)).toMatch(/CONFIRMATION_REFUSED: .*issued by another server process/);
      expect(await aliases(local)).toContain("kv_per_replica");
      const same = await onA.call("delete_workspace_integration", {
        alias: "kv_per_replica",
        confirm,
      });
      expect(same.structuredContent, text(same)).toMatchObject({ deleted: true });
    } finally {
      await onA.close();
      await onB.close();
      await Promise.all([a.stop(), b.stop()]);
      await redis.close();
      await local.close();
    }
  });

  it("stop at start with a clear error when the state secret is too short", async () => {
    const redis = await startTestRedis();
    try {
      await expect(
        startReplica(["--redis-url", redis.url, "--state-secret", "short-secret"]),
      ).rejects.toThrow(/at least 32 characters/);
    } finally {
      await redis.close();
    }
  });
});
