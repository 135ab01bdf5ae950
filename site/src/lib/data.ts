// Small shared loaders for the public pages (cached for the page's life).
import { bookingsApi, must, whatsappApi, type PublicConfig, type Service } from "../api/client";

let services: Promise<Service[]> | undefined;
let config: Promise<PublicConfig> | undefined;

export function loadServices(): Promise<Service[]> {
  services ??= bookingsApi.GET("/api/bookings/services").then(must).catch((error) => {
    services = undefined;
    throw error;
  });
  return services;
}

export function loadPublicConfig(): Promise<PublicConfig> {
  config ??= whatsappApi.GET("/api/whatsapp/public-config").then(must).catch(() => ({ enabled: false, wa_me_link: null }));
  return config;
}

/** Shown beside the opt-in box and stored with the booking as what the client agreed to. */
export const WHATSAPP_CONSENT_TEXT =
  "Send me this booking's confirmation, changes and reminders on WhatsApp. I can reply STOP at any time to opt out.";
