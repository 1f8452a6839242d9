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
import { type ResultOptions, successResult } from "./results.js";
import type { ToolContext, ToolDef } from "./tool.js";

/**
 * Confirmation of destructive changes, declared on a tool definition (`confirm`) and run by
 * the server before the handler. The user is asked through elicitation when the client can
 * show a form: a real `elicitation/create` request on a 2025 connection, an `input_required`
 * result (MRTR) on a 2026 request. A client without elicitation gets a preview and a
 * single-use `confirm` token instead, which the model echoes once the user has agreed.
 *
 * Tokens and MRTR request state are sealed with the SDK's HMAC codec under a key made fresh
 * for each process: they bind the tool, the exact change (the target and a digest of its
 * current stored state), the caller's principal and an expiry, so a token cannot confirm
 * another change, survive an edit of its target, or be used twice.
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
}

/** The connection facts the gate needs: era and the client's declared capabilities. */
export interface Peer {
  era: "legacy" | "modern";
  capabilities(): ClientCapabilities | undefined;
}

/** The gate's answer: proceed with the handler, or return this result instead. */
export type GateAnswer = { proceed: true } | { proceed: false; result: CallToolResult };

const ELICIT_KEY = "confirm";
const AnswerSchema = z.object({ confirm: z.boolean() });

/**
 * The per-process confirmation gate: one HMAC key, one record of spent tokens. Tokens are
 * only good in the process that minted them (a restart or another replica refuses them,
 * and the model is told to ask for a fresh preview).
 */
export function createConfirmations(opts: { ttlSeconds?: number; results?: ResultOptions } = {}) {
  const ttl = opts.ttlSeconds ?? CONFIRM_TTL_SECONDS;
  const codec = createRequestStateCodec<Sealed>({
    key: randomBytes(32),
    ttlSeconds: ttl,
    // Bound to the caller: a token minted for one OAuth client or bearer is refused for another.
    bind: (ctx) => principalOf(ctx),
  });
  /** Spent nonces and when they expire (then the codec refuses them anyway). */
  const spent = new Map<string, number>();
  const spend = (nonce: string): boolean => {
    const now = Date.now();
    for (const [n, exp] of spent) if (exp <= now) spent.delete(n);
    if (spent.has(nonce)) return false;
    spent.set(nonce, now + ttl * 1000 + 1000);
    return true;
  };

  const digest = (tool: string, key: Record<string, unknown>) =>
    createHash("sha256")
      .update(JSON.stringify([tool, key]))
      .digest("base64url");

  const open = async (state: string, mcpCtx: ServerContext): Promise<Sealed | undefined> => {
    try {
      return await codec.verify(state, mcpCtx);
    } catch {
      return undefined;
    }
  };

  return {
    /**
     * Runs before a confirmed tool's handler: decides from the arguments (a `confirm`
     * token), the client's capabilities and era whether the change may go ahead now.
     */
    async gate<I>(
      def: ToolDef,
      spec: ConfirmSpec<I>,
      args: I & { confirm?: string | undefined },
      ctx: ToolContext,
      mcpCtx: ServerContext,
      peer: Peer,
    ): Promise<GateAnswer> {
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
        result: {
          isError: true,
          content: [
            {
              type: "text",
              text: `CONFIRMATION_REFUSED: ${why} Nothing was changed.\nNext step: call ${def.name} again without confirm to get a fresh preview, show it to the user, and echo the new token only if they agree.`,
            },
          ],
        },
      });

      if (args.confirm !== undefined) {
        const sealed = await open(args.confirm, mcpCtx);
        if (sealed?.m !== "token")
          return refuse(
            "The confirm token is not valid: it is expired, altered, or was issued by another server process or for another caller.",
          );
        if (sealed.t !== def.name || sealed.k !== k)
          return refuse(
            `The confirm token was issued for a different change, or ${pending.what} changed since the preview.`,
          );
        if (!spend(sealed.n)) return refuse("The confirm token was already used once.");
        return { proceed: true };
      }

      const caps = peer.capabilities();
      if (caps?.elicitation) {
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
        let answer: "accept" | "decline" | "cancel";
        if (peer.era === "modern") {
          const raw = mcpCtx.mcpReq.requestState();
          const sealed = typeof raw === "string" ? await open(raw, mcpCtx) : undefined;
          if (typeof raw === "string" && (sealed?.m !== "ask" || sealed.t !== def.name))
            return refuse("The confirmation state sent back is not valid or has expired.");
          const view = inputResponse(mcpCtx.mcpReq.inputResponses, ELICIT_KEY);
          if (!sealed || view.kind !== "elicit") {
            const state: Sealed = { m: "ask", t: def.name, k, n: nonce() };
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
          if (sealed.k !== k)
            return refuse(`${pending.what} changed while the user was being asked.`);
          if (!spend(sealed.n)) return refuse("That confirmation was already used once.");
          answer = view.action;
          if (answer === "accept" && AnswerSchema.safeParse(view.content).data?.confirm !== true)
            answer = "decline";
        } else {
          try {
            const res = await mcpCtx.mcpReq.elicitInput(
              { mode: "form", message, requestedSchema },
              { signal: ctx.signal, timeout: ttl * 1000 },
            );
            answer = res.action;
            if (answer === "accept" && AnswerSchema.safeParse(res.content).data?.confirm !== true)
              answer = "decline";
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            // The client declared elicitation but could not be asked (e.g. a stateless
            // connection): fall through to the preview and token.
            ctx.log.debug("elicitation failed; falling back to a confirm token", {
              tool: def.name,
            });
            return tokenPreview();
          }
          if (answer === "accept") {
            // The user took time to answer: the change must still be the one they saw.
            const now = await spec.inspect(args, ctx);
            if (!now || digest(def.name, now.key) !== k)
              return refuse(`${pending.what} changed while the user was being asked.`);
          }
        }
        if (answer === "accept") return { proceed: true };
        return stop(
          `The user ${answer === "decline" ? "declined" : "cancelled"}: nothing was changed (${pending.what} is as it was). Do not retry unless the user asks again.`,
          spec.notDone(args, pending, ctx),
        );
      }
      return tokenPreview();

      async function tokenPreview(): Promise<GateAnswer> {
        const token = await codec.mint({ m: "token", t: def.name, k, n: nonce() }, mcpCtx);
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
    },
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
