import { useEffect, useRef, useState } from "preact/hooks";
import { bookingsApi, must, type ApiError, type BookingView, type Slot } from "../api/client";
import { Notice, Page, Spinner } from "../components/Layout";
import { SlotPicker } from "../components/SlotPicker";
import { formatDateTime, formatTime, visitorZone } from "../lib/format";
import { downloadIcs, icsPath, manageHeader, takeManageToken } from "../lib/manageToken";

type Mode = "view" | "reschedule" | "confirm-reschedule" | "confirm-cancel";

const STATUS_LABELS: Record<string, string> = {
  pending_payment: "Awaiting payment",
  confirmed: "Confirmed",
  completed: "Completed",
  cancelled: "Cancelled",
  no_show: "Missed",
};

/** The client's own page for one booking, reached by the link in their email. */
export function Manage({ bookingId }: { bookingId: string }) {
  const [token] = useState(() => takeManageToken(bookingId));
  const [booking, setBooking] = useState<BookingView>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [mode, setMode] = useState<Mode>("view");
  const [zone, setZone] = useState(visitorZone);
  const [slot, setSlot] = useState<Slot>();
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = { booking_id: bookingId };
  const header = manageHeader(token);

  useEffect(() => {
    bookingsApi.GET("/api/bookings/{booking_id}", { params: { path, header } }).then(must)
      .then(setBooking)
      .catch((failure: ApiError) =>
        setError(failure.status === 404 ? "We couldn't find this booking. Please use the latest link from your email." : failure.message));
  }, [bookingId, token]);
  useEffect(() => heading.current?.focus(), [mode]);

  const act = async (run: () => Promise<BookingView>, done: string) => {
    setBusy(true);
    setMessage(undefined);
    setError(undefined);
    try {
      setBooking(await run());
      setMode("view");
      setSlot(undefined);
      setMessage(done);
    } catch (failure) {
      const problem = failure as ApiError;
      if (problem.status === 409 && mode === "confirm-reschedule") {
        setMode("reschedule");
        setSlot(undefined);
        setRefresh((value) => value + 1);
      }
      setError(problem.byField?.().start ?? problem.message);
    } finally {
      setBusy(false);
    }
  };

  const reschedule = () =>
    act(async () => must(await bookingsApi.POST("/api/bookings/{booking_id}/reschedule", { params: { path, header }, body: { start: slot!.start } })),
      "Done — your booking has moved. An updated confirmation is on its way.");
  const cancel = () =>
    act(async () => must(await bookingsApi.POST("/api/bookings/{booking_id}/cancel", { params: { path, header } })),
      "Your booking is cancelled. We've sent you a confirmation.");

  return (
    <Page title="Your booking">
      <h1 ref={heading} tabIndex={-1} class="mb-4 mt-6 text-3xl font-bold">
        {mode === "reschedule" ? "Pick a new time" : "Your booking"}
      </h1>
      {message && <div class="mb-4"><Notice tone="ok">{message}</Notice></div>}
      {error && <div class="mb-4"><Notice tone="error">{error}</Notice></div>}
      {!booking && !error && <Spinner label="Loading your booking…" />}
      {booking && (
        <div class="flex flex-col gap-5">
          <section class="glass flex flex-col gap-2 p-5" aria-label="Booking details" data-status={booking.status}>
            <p class="text-sm uppercase tracking-wider text-neon-strong">{STATUS_LABELS[booking.status] ?? booking.status}</p>
            <p class="text-xl font-semibold">{booking.service_name}</p>
            <p data-testid="booking-when">{formatDateTime(booking.start, zone)} – {formatTime(booking.end, zone)}</p>
            <p class="text-muted">{booking.customer.name} · {booking.customer.email}</p>
            {booking.status !== "cancelled" && (
              <div class="mt-2 flex flex-wrap gap-3">
                <a class="btn btn-ghost" href={icsPath(booking.ics_url)} download="booking.ics"
                  onClick={(event) => { event.preventDefault(); downloadIcs(bookingId, token).catch((failure: ApiError) => setError(failure.message)); }}>
                  Add to calendar (.ics)
                </a>
                <a class="btn btn-ghost" href={booking.google_calendar_url} target="_blank" rel="noopener noreferrer">Google Calendar</a>
              </div>
            )}
          </section>

          {mode === "view" && (booking.can_reschedule || booking.can_cancel) && (
            <div class="flex flex-wrap gap-3">
              {booking.can_reschedule && <button type="button" class="btn btn-primary" onClick={() => setMode("reschedule")}>Reschedule</button>}
              {booking.can_cancel && <button type="button" class="btn btn-danger" onClick={() => setMode("confirm-cancel")}>Cancel booking</button>}
            </div>
          )}
          {mode === "view" && !booking.can_reschedule && !booking.can_cancel && booking.status === "confirmed" && (
            <p class="text-muted">This booking is too close to its start to change online. Please contact us.</p>
          )}

          {mode === "reschedule" && (
            <>
              <SlotPicker serviceId={booking.service_id} zone={zone} onZoneChange={setZone} refresh={refresh}
                onPick={(picked) => { setSlot(picked); setMode("confirm-reschedule"); }} />
              <button type="button" class="btn btn-ghost self-start" onClick={() => setMode("view")}>Keep my current time</button>
            </>
          )}
          {mode === "confirm-reschedule" && slot && (
            <div class="glass flex flex-col gap-3 p-5" role="group" aria-label="Confirm the new time">
              <p>Move your booking to <strong>{formatDateTime(slot.start, zone)}</strong>?</p>
              <div class="flex flex-wrap gap-3">
                <button type="button" class="btn btn-primary" disabled={busy} onClick={reschedule}>{busy ? "Moving…" : "Yes, move it"}</button>
                <button type="button" class="btn btn-ghost" onClick={() => setMode("reschedule")}>Pick another time</button>
              </div>
            </div>
          )}
          {mode === "confirm-cancel" && (
            <div class="glass flex flex-col gap-3 p-5" role="group" aria-label="Confirm cancellation">
              <p>Cancel your booking on <strong>{formatDateTime(booking.start, zone)}</strong>? The time will be offered to others.</p>
              <div class="flex flex-wrap gap-3">
                <button type="button" class="btn btn-danger" disabled={busy} onClick={cancel}>{busy ? "Cancelling…" : "Yes, cancel it"}</button>
                <button type="button" class="btn btn-ghost" onClick={() => setMode("view")}>Keep it</button>
              </div>
            </div>
          )}
        </div>
      )}
    </Page>
  );
}
