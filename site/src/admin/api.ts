// The staff app's typed API clients: each request carries the staff member's
// ID token, and a 401 (expired or revoked session) signs them out.
import createClient, { type Middleware } from "openapi-fetch";
import type { components as AdminSchemas, paths as AdminPaths } from "../api/generated/bookings-admin";
import type { components as WhatsappSchemas, paths as WhatsappPaths } from "../api/generated/whatsapp";
import type { paths as PlatformPaths } from "../api/generated/platform";
import { idToken, signOutStaff } from "./session";

export type AdminBooking = AdminSchemas["schemas"]["BookingOut"];
export type AdminService = AdminSchemas["schemas"]["ServiceOut"];
export type ServiceIn = AdminSchemas["schemas"]["ServiceIn"];
export type StaffMember = AdminSchemas["schemas"]["StaffOut"];
export type StaffIn = AdminSchemas["schemas"]["StaffIn"];
export type HoursRange = AdminSchemas["schemas"]["HoursRange"];
export type DateOverride = AdminSchemas["schemas"]["DateOverride"];
export type Conversation = WhatsappSchemas["schemas"]["ConversationOut"];
export type Message = WhatsappSchemas["schemas"]["MessageOut"];
export type ReplyTemplate = WhatsappSchemas["schemas"]["TemplateOut"];

export const sessionEnded = { current: false };

const withToken: Middleware = {
  async onRequest({ request }) {
    const token = await idToken();
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) {
      sessionEnded.current = true;
      await signOutStaff();
    }
    return response;
  },
};

export const adminApi = createClient<AdminPaths>({ baseUrl: location.origin });
export const inboxApi = createClient<WhatsappPaths>({ baseUrl: location.origin });
export const platformApi = createClient<PlatformPaths>({ baseUrl: location.origin });
adminApi.use(withToken);
inboxApi.use(withToken);
