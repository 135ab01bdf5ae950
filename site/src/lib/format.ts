// Dates, times and prices in the visitor's own locale and time zone.
export const visitorLocale: string = navigator.language || "en";
export const visitorZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(options: Intl.DateTimeFormatOptions, zone: string): Intl.DateTimeFormat {
  const key = `${zone}|${JSON.stringify(options)}`;
  let found = cache.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(visitorLocale, { ...options, timeZone: zone });
    cache.set(key, found);
  }
  return found;
}

export const formatTime = (iso: string, zone: string): string =>
  formatter({ hour: "numeric", minute: "2-digit" }, zone).format(new Date(iso));

export const formatDay = (iso: string, zone: string): string =>
  formatter({ weekday: "long", day: "numeric", month: "long" }, zone).format(new Date(iso));

export const formatDateTime = (iso: string, zone: string): string =>
  formatter({ weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" }, zone).format(new Date(iso));

/** A YYYY-MM-DD calendar day (no zone) as "Tuesday 1 December". */
export const formatCalendarDay = (day: string): string =>
  formatter({ weekday: "long", day: "numeric", month: "long" }, "UTC").format(new Date(`${day}T12:00:00Z`));

export const formatMonth = (year: number, month: number): string =>
  formatter({ month: "long", year: "numeric" }, "UTC").format(new Date(Date.UTC(year, month, 1)));

/** Prices are integer minor units with an ISO 4217 currency. */
export function formatMoney(amount: number, currency: string): string {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(visitorLocale, { style: "currency", currency }).format(amount / 10 ** digits);
}

/** A service's price as clients see it: "Free" rather than £0.00. */
export const formatPrice = (amount: number, currency: string): string =>
  amount === 0 ? "Free" : formatMoney(amount, currency);

export function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const unit = (value: number, name: "hour" | "minute") =>
    new Intl.NumberFormat(visitorLocale, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
  return [hours ? unit(hours, "hour") : "", rest ? unit(rest, "minute") : ""].filter(Boolean).join(" ");
}

/** Every IANA zone the browser knows, the visitor's first. */
export function timeZones(): string[] {
  const all = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [visitorZone, "UTC"];
  return [visitorZone, ...all.filter((zone) => zone !== visitorZone)];
}
