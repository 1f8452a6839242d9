import { z } from "zod";

/**
 * Ids are opaque strings. The spec's own examples use UUIDs that are not RFC 4122
 * (`c1d2e3f4-5678-90ab-…`) and ids like `conn_slack_bot`, so no strict uuid check.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export const IdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(ID_PATTERN, "must be an id made of letters, digits, _ . : -")
  .refine((v) => v !== "." && v !== "..", "must not be . or ..");

/** Aliases: lowercase letters, digits, _ and -, starting with a letter or digit, ≤ 64 chars. */
export const ALIAS_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const AliasSchema = z
  .string()
  .regex(
    ALIAS_PATTERN,
    "must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit (e.g. team_slack)",
  );

/** ISO-8601 timestamps as the API returns them. */
export const TimestampSchema = z.string();

/** Paging query shared by the list endpoints. */
export const PagingSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type Paging = z.infer<typeof PagingSchema>;
