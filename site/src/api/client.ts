// Typed clients for the functions' HTTP APIs. The `paths` types are generated
// from the OpenAPI schemas at build time (scripts/gen-types.mjs).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as BookingPaths, components as BookingSchemas } from "./generated/bookings";
import type { paths as WhatsappPaths, components as WhatsappSchemas } from "./generated/whatsapp";

export type Service = BookingSchemas["schemas"]["PublicService"];
export type Slot = BookingSchemas["schemas"]["SlotOut"];
export type BookingCreate = BookingSchemas["schemas"]["BookingCreate"];
export type BookingCreated = BookingSchemas["schemas"]["BookingCreated"];
export type BookingView = BookingSchemas["schemas"]["BookingView"];
export type PublicConfig = WhatsappSchemas["schemas"]["PublicConfig"];

export interface FieldProblem { field: string; in?: string; message: string }

/** An API error in the functions' one error shape, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** Field messages keyed by their dotted path (e.g. "customer.phone"). */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const problem of this.fields) out[problem.field] ??= problem.message;
    return out;
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; fields?: FieldProblem[] } } | undefined)?.error;
  if (error) return new ApiError(status, error.code ?? "error", error.message ?? "Something went wrong", error.fields ?? []);
  return new ApiError(status, "error", status >= 500 ? "The service is not answering right now. Please try again." : "Something went wrong");
}

/** openapi-fetch resolves on HTTP errors; callers get data or an ApiError thrown. */
export function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  throw toApiError(result.response.status, result.error);
}

const networkFailure: Middleware = {
  onError() {
    return new Response(
      JSON.stringify({ error: { code: "network", message: "You seem to be offline. Check your connection and try again." } }),
      { status: 599, headers: { "content-type": "application/json" } },
    );
  },
};

export const bookingsApi = createClient<BookingPaths>({ baseUrl: location.origin });
export const whatsappApi = createClient<WhatsappPaths>({ baseUrl: location.origin });
bookingsApi.use(networkFailure);
whatsappApi.use(networkFailure);
