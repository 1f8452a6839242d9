/** Shared fixtures for the API client tests. */

import { afterAll, afterEach, beforeAll } from "vitest";
import {
  createWeavzClient,
  type WeavzClient,
  type WeavzClientOptions,
} from "../../src/api/client.js";
import type { Logger } from "../../src/log.js";
import { type FaultServer, startFaultServer } from "./fault-server.js";

export const API_KEY = "wvz_test_SECRETKEY_0123456789";
export const SECRET_PART = "SECRETKEY_0123456789";
export const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

export const integration = (over: Record<string, unknown> = {}) => ({
  id: "7df5c03e-4df5-4b5f-95a7-5277d8f972db",
  workspaceId: WS,
  orgId: "550e8400-e29b-41d4-a716-446655440000",
  integrationName: "slack",
  alias: "slack",
  displayName: "Team Slack",
  connectionStrategy: "fixed",
  connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
  enabledActions: null,
  settings: {},
  sortOrder: 0,
  createdAt: "2025-01-15T10:30:00.000Z",
  updatedAt: "2025-01-15T10:30:00.000Z",
  ...over,
});

export const listItem = (over: Record<string, unknown> = {}) => ({
  ...integration(over),
  connectionStatus: "ACTIVE",
  connectionDisplayName: "Slack Bot",
  connectionExternalId: "slack_bot",
});

/** A logger that keeps every line (message + extra as JSON). */
export function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (msg: string, extra?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${extra ? JSON.stringify(extra) : ""}`);
  };
  return {
    lines,
    error: push("error"),
    warn: push("warn"),
    info: push("info"),
    debug: push("debug"),
  };
}

/** Client with test-friendly defaults (short backoff). */
export function client(
  baseUrl: string,
  over: Partial<WeavzClientOptions> = {},
): WeavzClient & { log: ReturnType<typeof capturingLogger> } {
  const log = capturingLogger();
  const c = createWeavzClient({ baseUrl, apiKey: API_KEY, retryBaseMs: 10, log, ...over });
  return Object.assign(c, { log });
}

/** Runs fn and returns what it threw (fails the test when it resolves). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/**
 * One scripted fault server for the test file; after each test the client the file is using
 * (`current()`) is closed and the recorded requests are cleared.
 */
export function useFaultServer(current: () => { close(): Promise<void> } | undefined) {
  let up: FaultServer | undefined;
  beforeAll(async () => {
    up = await startFaultServer();
  });
  afterAll(async () => {
    await up?.close();
  });
  afterEach(async () => {
    await current()?.close();
    if (up) up.requests.length = 0;
  });
  return {
    get up(): FaultServer {
      if (!up) throw new Error("useFaultServer: the fault server has not started");
      return up;
    },
  };
}
