// The manage token travels in the link's fragment (#token=…), which browsers
// never send to a server, and from here to the API in the X-Manage-Token
// header: query strings end up in gateway logs, browser history and Referer
// headers. Links sent before this carry ?token=…, which still works. Either
// way the token is taken out of the address bar at once, and kept for this
// tab only (sessionStorage) so that a reload still opens the booking.
import { bookingsApi, must } from "../api/client";

const storageKey = (bookingId: string) => `manage-token:${bookingId}`;

export function takeManageToken(bookingId: string): string {
  const url = new URL(location.href);
  const fromFragment = new URLSearchParams(url.hash.slice(1)).get("token");
  const fromQuery = url.searchParams.get("token");
  const token = fromFragment ?? fromQuery;
  if (token === null) {
    try {
      return sessionStorage.getItem(storageKey(bookingId)) ?? "";
    } catch {
      return "";
    }
  }
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.pathname + url.search);
  try {
    sessionStorage.setItem(storageKey(bookingId), token);
  } catch {
    // Storage may be off (private mode); then a reload needs the link again.
  }
  return token;
}

export const manageHeader = (token: string) => ({ "X-Manage-Token": token });

/** Saves the booking's .ics: fetched with the token in its header, which a plain link cannot send. */
export async function downloadIcs(bookingId: string, token: string): Promise<void> {
  const file = must(
    await bookingsApi.GET("/api/bookings/{booking_id}/ics", {
      params: { path: { booking_id: bookingId }, header: manageHeader(token) },
      parseAs: "blob",
    }),
  ) as Blob;
  const href = URL.createObjectURL(file);
  const link = document.createElement("a");
  link.href = href;
  link.download = "booking.ics";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** The API path of an absolute ics_url, so the download stays same-origin. */
export const icsPath = (icsUrl: string): string => new URL(icsUrl, location.origin).pathname;
