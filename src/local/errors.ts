import type { ErrorBody, ErrorCode, FieldIssue } from "../domain/index.js";

/**
 * Codes the local API uses: the domain's, plus CONNECTION_IN_USE for deleting a pinned
 * connection and UNSUPPORTED_MEDIA_TYPE for a body that is not declared JSON.
 */
export type LocalErrorCode = ErrorCode | "CONNECTION_IN_USE" | "UNSUPPORTED_MEDIA_TYPE";

/** A failure meant for the client: status, machine code, message and optional details. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: LocalErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** 400 VALIDATION_ERROR with `details.issues`, each naming its field. */
export function validationError(issues: FieldIssue[], message?: string): ApiError {
  return new ApiError(
    400,
    "VALIDATION_ERROR",
    message ??
      `Invalid request: ${issues
        .slice(0, 5)
        .map((i) => `${i.field} ${i.message}`)
        .join("; ")}${issues.length > 5 ? `; and ${issues.length - 5} more` : ""}`,
    { issues },
  );
}

export function notFound(message: string, code: LocalErrorCode = "NOT_FOUND"): ApiError {
  return new ApiError(404, code, message);
}

/** The JSON text of an error envelope; `details` is always there (`{}` when there are none). */
export function errorBody(err: ApiError): string {
  return envelope(err.message, err.code, err.details);
}

/** One envelope shape for every error body, including those written outside the router. */
export function envelope(
  error: string,
  code: string,
  details: Record<string, unknown> = {},
): string {
  const body: ErrorBody = { error, code, details };
  return JSON.stringify(body);
}
