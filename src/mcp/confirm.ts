import { createHash, randomBytes } from "node:crypto";
import {
  type CallToolResult,
  type ClientCapabilities,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { render } from "./results/render.js";
import { type ResultOptions, successResult } from "./results/success.js";
import type { ToolContext, ToolDef } from "./tool.js";

/**
 * Confirmation of destructive changes, declared on a tool definition (`confirm`) and run by
 * the server before the handler. The user is asked through elicitation when the client can
 * show a form: the gate answers `input_required` (MRTR) and the SDK does the rest, on both
 * eras: a 2026 client retries with the answer, and on a 2025 connection the SDK's legacy shim
 * sends a real `elicitation/create` and calls the tool again with the answer. The SDK also
 * verifies the echoed state (ServerOptions.requestState.verify = `verifyState`) before the
 * tool runs. A client without elicitation gets a preview and a single-use `confirm` token
 * instead, which the model echoes once the user has agreed.
 *
 * Tokens and MRTR request state are sealed with the SDK's HMAC codec under the store's key
 * (made fresh for each process, unless replicas share one: see ConfirmStore): they bind the
 * tool, the exact change (the target and a digest of its current stored state), the caller's
 * principal and an expiry, so a token cannot confirm another change, survive an edit of its
 * target, or be used twice.
 */

/** What a confirmed call would change, looked up just before asking. */
export interface PendingChange {
  /** The change's identity: target ids and a digest of the target's current stored state. */
  key: Record<string, unknown>;
  /** The question, one line for the user; may quote stored names (a person reads it). */
  question: string;
  /** One line for the model naming the change with safe tokens only. */
  what: string;
  /** What would be changed, as stored data (shown fenced to the model). */
  preview: Record<string, unknown>;
}

/** A tool's confirmation: how to look the change up and what "nothing done" looks like. */
export interface ConfirmSpec<I> {
  /**
   * Looks up the change; throws as the handler would (NOT_FOUND, bad selector…). Undefined
   * means this call changes nothing destructive and needs no confirmation.
   */
  inspect(args: I, ctx: ToolContext): Promise<PendingChange | undefined>;
  /** Output data for a call that changed nothing (preview shown, or the user said no). */
  notDone(args: I, pending: PendingChange, ctx: ToolContext): Record<string, unknown>;
}

/** The input field every confirmed tool adds: the token from a preview result. */
export const ConfirmArg = z
  .string()
  .max(1000)
  .optional()
  .describe("Token from this tool's preview, after the user agreed.");

/** Output fields of a confirmed tool's "not done yet" result. */
export const ConfirmOutput = {
  confirm: z.string().optional(),
  expiresAt: z.string().optional(),
  // Left open in the schema: tools/list stays small, and the text result shows it.
  preview: z.unknown().optional(),
};

/** How long a preview token or an MRTR round stays valid. */
export const CONFIRM_TTL_SECONDS = 300;

interface Sealed {
  /** "token": a preview's confirm token; "ask": MRTR state of an elicitation round. */
  m: "token" | "ask";
  t: string;
  /** Digest of the change key. */
  k: string;
  /** Nonce, for single use. */
  n: string;
  /** The store's generation when minted (shared store: refused after its records were lost). */
  g?: string;
}

/**
 * Where the gate's HMAC key and its record of spent nonces live. The default is this process
 * (createLocalConfirmStore); replicas behind one load balancer share one (src/scale), so a
 * token minted by one replica is verified and spent once by any.
 */
export interface ConfirmStore {
  /** The HMAC key sealing tokens and MRTR state (at least 32 bytes). */
  readonly key: Uint8Array;
  /**
   * The generation of the spent-nonce records, carried in each token: a store that lost its
   * records (a restarted Redis) starts a new one, and older tokens are refused. Throws
   * ConfirmStoreUnavailableError when it cannot be read.
   */
  generation(): Promise<string>;
  /**
   * Spends NONCE once, atomically however many processes try: "ok" the first time, "used"
   * after, "stale" when the records of GENERATION are gone. Throws
   * ConfirmStoreUnavailableError when it cannot tell (then nothing may be applied).
   */
  spend(nonce: string, generation: string, ttlMs: number): Promise<"ok" | "used" | "stale">;
}

/** The shared confirmation store cannot be reached: refuse rather than risk a second use. */
export class ConfirmStoreUnavailableError extends Error {
  override name = "ConfirmStoreUnavailableError";
}

/** The per-process store: a fresh key, spent nonces in memory (tokens die with the process). */
function createLocalConfirmStore(): ConfirmStore {
  /** Spent nonces and when they expire (then the codec refuses them anyway). */
  const spent = new Map<string, number>();
  return {
    key: randomBytes(32),
    generation: async () => "",
    async spend(nonce, _generation, ttlMs) {
      const now = Date.now();
      for (const [n, exp] of spent) if (exp <= now) spent.delete(n);
      if (spent.has(nonce)) return "used";
      spent.set(nonce, now + ttlMs + 1000);
      return "ok";
    },
  };
}

/** The gate's answer: proceed with the handler, or return this result instead. */
export type GateAnswer = { proceed: true } | { proceed: false; result: CallToolResult };

/**
 * Decides from a confirmed tool's arguments (a `confirm` token), the client's capabilities and
 * era whether its change may go ahead now.
 */
type Gate = <I>(
  def: ToolDef,
  spec: ConfirmSpec<I>,
  args: I & { confirm?: string | undefined },
  ctx: ToolContext,
  mcpCtx: ServerContext,
  /** The client's declared capabilities (this request's envelope, else the handshake's). */
  capabilities: () => ClientCapabilities | undefined,
) => Promise<GateAnswer>;

const ELICIT_KEY = "confirm";
const AnswerSchema = z.object({ confirm: z.boolean() });

/**
 * The confirmation gate over one store (its key and its record of spent tokens). With the
 * default per-process store, tokens are only good in the process that minted them (a restart
 * or another replica refuses them, and the model is told to ask for a fresh preview); with a
 * shared store, on every replica sharing it.
 */
export function createConfirmations(
  opts: {
    ttlSeconds?: number;
    results?: ResultOptions;
    store?: ConfirmStore;
    log?: { warn(msg: string): void };
  } = {},
) {
  const ttl = opts.ttlSeconds ?? CONFIRM_TTL_SECONDS;
  const store = opts.store ?? createLocalConfirmStore();
  const codec = createRequestStateCodec<Sealed>({
    key: store.key,
    ttlSeconds: ttl,
    // Bound to the caller: a token minted for one OAuth client or bearer is refused for another.
    bind: (ctx) => principalOf(ctx),
  });
  /** The sealed payload for a new token or MRTR round, tagged with the store's generation. */
  const seal = async (m: Sealed["m"], t: string, k: string): Promise<Sealed> => {
    const g = await store.generation();
    return g === "" ? { m, t, k, n: nonce() } : { m, t, k, n: nonce(), g };
  };

  const digest = (tool: string, key: Record<string, unknown>) =>
    createHash("sha256")
      .update(JSON.stringify([tool, key]))
      .digest("base64url");

  /** The gate's decision; throws ConfirmStoreUnavailableError when the store cannot answer. */
  const decide: Gate = async (def, spec, args, ctx, mcpCtx, capabilities) => {
    const found = await spec.inspect(args, ctx);
    if (!found) return { proceed: true };
    const pending = found;
    const k = digest(def.name, pending.key);
    const stop = (summary: string, data: Record<string, unknown>): GateAnswer => ({
      proceed: false,
      result: successResult({ summary, data }, opts.results),
    });
    const refuse = (why: string): GateAnswer => ({
      proceed: false,
      result: render({
        head: `Error CONFIRMATION_REFUSED: ${why} Nothing was changed.`,
        lines: [],
        next: `call ${def.name} again without confirm to get a fresh preview, show it to the user, and echo the new token only if they agree.`,
      }),
    });

    /** Spends a verified token or MRTR state once; a refusal when it cannot be spent. */
    const spendOnce = async (sealed: Sealed, used: string): Promise<GateAnswer | undefined> => {
      const spent = await store.spend(sealed.n, sealed.g ?? "", ttl * 1000);
      if (spent === "used") return refuse(used);
      if (spent === "stale")
        return refuse(
          "The store that keeps confirmations single-use lost its records since the preview (it was restarted), so this confirmation can no longer be checked.",
        );
      return undefined;
    };

    if (args.confirm !== undefined) {
      const sealed = await codec.verify(args.confirm, mcpCtx).catch(() => undefined);
      if (sealed?.m !== "token")
        return refuse(
          "The confirm token is not valid: it is expired, altered, or was issued by another server process or for another caller.",
        );
      if (sealed.t !== def.name || sealed.k !== k)
        return refuse(
          `The confirm token was issued for a different change, or ${pending.what} changed since the preview.`,
        );
      return (
        (await spendOnce(sealed, "The confirm token was already used once.")) ?? {
          proceed: true,
        }
      );
    }

    if (capabilities()?.elicitation) {
      // Verified by the SDK before the handler ran (verifyState): the opened state or nothing.
      const sealed = mcpCtx.mcpReq.requestState<Sealed>();
      const view = inputResponse(mcpCtx.mcpReq.inputResponses, ELICIT_KEY);
      if (
        sealed !== undefined &&
        (typeof sealed !== "object" || sealed.m !== "ask" || sealed.t !== def.name)
      )
        return refuse("The confirmation state sent back is not valid or has expired.");
      if (!sealed || view.kind !== "elicit") {
        const message = `${pending.question} This cannot be undone.`;
        const requestedSchema = {
          type: "object" as const,
          properties: {
            confirm: {
              type: "boolean" as const,
              title: "Yes, go ahead",
              description: pending.question,
              default: false,
            },
          },
          required: ["confirm"],
        };
        const state = await seal("ask", def.name, k);
        return {
          proceed: false,
          result: inputRequired({
            inputRequests: {
              [ELICIT_KEY]: inputRequired.elicit({ mode: "form", message, requestedSchema }),
            },
            requestState: await codec.mint(state, mcpCtx),
          }) as unknown as CallToolResult,
        };
      }
      // The change must still be the one the user was shown.
      if (sealed.k !== k) return refuse(`${pending.what} changed while the user was being asked.`);
      const spent = await spendOnce(sealed, "That confirmation was already used once.");
      if (spent) return spent;
      let answer = view.action;
      if (answer === "accept" && AnswerSchema.safeParse(view.content).data?.confirm !== true)
        answer = "decline";
      if (answer === "accept") return { proceed: true };
      return stop(
        `The user ${answer === "decline" ? "declined" : "cancelled"}: nothing was changed (${pending.what} is as it was). Do not retry unless the user asks again.`,
        spec.notDone(args, pending, ctx),
      );
    }
    return tokenPreview();

    async function tokenPreview(): Promise<GateAnswer> {
      const token = await codec.mint(await seal("token", def.name, k), mcpCtx);
      const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
      return stop(
        `Not done yet: ${pending.what} needs the user's confirmation. Show the user the preview below and ask; only if they agree, call ${def.name} again with the same arguments plus confirm set to the token in this result (one use, expires ${expiresAt}).`,
        {
          ...spec.notDone(args, pending, ctx),
          confirm: token,
          expiresAt,
          preview: pending.preview,
        },
      );
    }
  };

  /** Runs before a confirmed tool's handler (see {@link Gate}). */
  const gate: Gate = async (def, spec, args, ctx, mcpCtx, capabilities) => {
    try {
      return await decide(def, spec, args, ctx, mcpCtx, capabilities);
    } catch (err) {
      if (!(err instanceof ConfirmStoreUnavailableError)) throw err;
      opts.log?.warn(
        `confirmation for ${def.name} refused: the shared confirmation store is unreachable (${err.message})`,
      );
      return unavailable(def.name, args.confirm !== undefined);
    }
  };
  /**
   * Voids a preview's token for TOOL without applying anything (the user pressed Cancel in
   * the plan review App): a later echo of it is refused as already used.
   */
  const revoke = async (
    tool: string,
    token: string,
    mcpCtx: ServerContext,
  ): Promise<"void" | "invalid" | "unavailable"> => {
    const sealed = await codec.verify(token, mcpCtx).catch(() => undefined);
    if (sealed?.m !== "token" || sealed.t !== tool) return "invalid";
    try {
      return (await store.spend(sealed.n, sealed.g ?? "", ttl * 1000)) === "ok"
        ? "void"
        : "invalid";
    } catch (err) {
      if (err instanceof ConfirmStoreUnavailableError) return "unavailable";
      throw err;
    }
  };
  /**
   * The SDK's requestState hook: opens a state this gate sealed (for this caller, unexpired)
   * or throws, and the SDK answers -32602 before any tool runs.
   */
  const verifyState = (state: string, mcpCtx: ServerContext): Promise<Sealed> =>
    codec.verify(state, mcpCtx);
  return { gate, verifyState, revoke };
}

/** The refusal when the shared store cannot say whether a confirmation was already used. */
function unavailable(tool: string, withToken: boolean): GateAnswer {
  return {
    proceed: false,
    result: render({
      head: "Error CONFIRMATION_UNAVAILABLE: the shared store that makes each confirmation single-use across this server's replicas cannot be reached right now, so the user's confirmation cannot be checked. Nothing was changed.",
      lines: [],
      next: `tell the user, wait a few seconds, then call ${tool} again with the same arguments${withToken ? " and the same confirm token (it was not used; if it is then refused, call without confirm for a fresh preview)" : ""}. If it keeps failing, the server's operator must bring its Redis back.`,
    }),
  };
}

/** The gate's type, for the server. */
export type Confirmations = ReturnType<typeof createConfirmations>;

function principalOf(ctx: ServerContext): string {
  const auth = ctx.http?.authInfo;
  return auth ? `${auth.clientId}\0${auth.token}` : "";
}

function nonce(): string {
  return randomBytes(12).toString("base64url");
}
