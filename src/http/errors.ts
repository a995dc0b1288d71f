// The closed set of errors a client can see, each with a stable code and
// an HTTP status, and the one place that turns any thrown value into the
// spec's shape: { error: { code, message, details? } }. Clients never see
// a stack trace or SQL.

import { Elysia } from "elysia";
import { log } from "../log";
import { convertedField } from "./converted-fields";

export type ErrorCode =
  | "invalid_json"
  | "validation_failed"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  validation_failed: 422,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

export interface ErrorDetail {
  field: string;
  message: string;
}

export class HeraldError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HeraldError";
    this.status = STATUS[code];
  }
}

export const notFound = (what: string) => new HeraldError("not_found", `${what} was not found.`);
export const conflict = (message: string) => new HeraldError("conflict", message);
export const invalid = (field: string, message: string) =>
  new HeraldError("validation_failed", `${field}: ${message}`, [{ field, message }]);

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

export function errorResponse(error: HeraldError): Response {
  return Response.json(errorBody(error.code, error.message, error.details), {
    status: error.status,
    headers: error.headers,
  });
}

interface ValueErrorLike {
  path?: string;
  message?: string;
  summary?: string;
}

/** Turns TypeBox's value errors into one detail per bad field. */
function validationDetails(error: { all?: ValueErrorLike[] }, on: string): ErrorDetail[] {
  const seen = new Map<string, string>();
  for (const item of error.all ?? []) {
    const field = (item.path ?? "").replace(/^\//, "").replaceAll("/", ".") || on;
    if (!seen.has(field)) seen.set(field, item.summary ?? item.message ?? "is not valid");
  }
  if (seen.size === 0) seen.set(on, "is not valid");

  return [...seen].map(([field, message]) => ({ field, message }));
}

/** Maps every error Elysia or a handler raises into the spec's shape. */
export const errorHandler = new Elysia({ name: "herald/errors" }).onError(
  { as: "global" },
  (context) => {
    const { code, error, request } = context;
    if (error instanceof HeraldError) return errorResponse(error);
    // Elysia wraps what a parser throws (our 413 and invalid_json) in its
    // own ParseError; the HeraldError inside is the answer.
    const cause = (error as { cause?: unknown }).cause;
    if (code === "PARSE" && cause instanceof HeraldError) return errorResponse(cause);
    switch (code) {
      case "VALIDATION": {
        const type = (error as { type?: string }).type ?? "body";
        // A string that failed to convert names no part and no field.
        const converted = type === "property" ? convertedField(context as never) : undefined;
        const on = converted?.on ?? (type === "property" ? "request" : type);
        const details = validationDetails(error as never, converted?.field ?? on);
        const summary = details.map((d) => `${d.field}: ${d.message}`).join("; ");
        return errorResponse(
          new HeraldError("validation_failed", `The ${on} is not valid: ${summary}`, details),
        );
      }
      case "PARSE":
        return errorResponse(new HeraldError("invalid_json", "The request body is not valid JSON."));
      case "NOT_FOUND":
        return errorResponse(new HeraldError("not_found", "No route matches this method and path."));
      case "INVALID_COOKIE_SIGNATURE":
      case "INVALID_FILE_TYPE":
        return errorResponse(new HeraldError("validation_failed", String((error as Error).message)));
    }
    const status = (error as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      if (status === 413) {
        return errorResponse(new HeraldError("payload_too_large", "The request body is too large."));
      }
      return errorResponse(new HeraldError("validation_failed", "The request could not be processed."));
    }
    log.error("unhandled error", {
      method: request.method,
      path: new URL(request.url).pathname,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });

    return errorResponse(new HeraldError("internal", "Something went wrong on Herald's side. Try again; if it persists, check the server log."));
  },
);
