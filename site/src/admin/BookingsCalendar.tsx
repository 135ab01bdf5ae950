import { Calendar, type EventInput } from "@fullcalendar/core";
import dayGridPlugin from "@fullcalendar/daygrid";
import listPlugin from "@fullcalendar/list";
import timeGridPlugin from "@fullcalendar/timegrid";
import { useEffect, useRef, useState } from "preact/hooks";
import { must, type ApiError } from "../api/client";
import { Notice } from "../components/Layout";
import { formatDateTime, formatTime, visitorLocale, visitorZone } from "../lib/format";
import { adminApi, type AdminBooking } from "./api";

const STATUS_COLOURS: Record<string, string> = {
  confirmed: "#22d3ee",
  pending_payment: "#fbbf24",
  completed: "#86efac",
  no_show: "#fda4af",
  cancelled: "#64748b",
};

/** Every booking between two instants, following the API's cursors. */
async function bookingsBetween(from: string, to: string): Promise<AdminBooking[]> {
  const all: AdminBooking[] = [];
  let cursor: string | null | undefined;
  do {
    const page = must(await adminApi.GET("/api/bookings/admin/bookings", { params: { query: { from, to, limit: 200, cursor } } }));
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

export function BookingsCalendar() {
  const host = useRef<HTMLDivElement>(null);
  const calendar = useRef<Calendar>();
  const [selected, setSelected] = useState<AdminBooking>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [showCancelled, setShowCancelled] = useState(false);
  const narrow = window.matchMedia("(max-width: 640px)").matches;

  useEffect(() => {
    const instance = new Calendar(host.current!, {
      plugins: [dayGridPlugin, timeGridPlugin, listPlugin],
      initialView: narrow ? "listWeek" : "timeGridWeek",
      headerToolbar: { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,listWeek" },
      buttonText: { today: "Today", day: "Day", week: "Week", list: "List" },
      locale: visitorLocale,
      timeZone: visitorZone,
      firstDay: 1,
      nowIndicator: true,
      height: "auto",
      slotMinTime: "07:00:00",
      slotMaxTime: "21:00:00",
      events: (range, success, failure) => {
        bookingsBetween(range.startStr, range.endStr)
          .then((items) =>
            success(
              items
                .filter((booking) => showCancelledRef.current || booking.status !== "cancelled")
                .map((booking): EventInput => ({
                  id: booking.id,
                  title: `${booking.customer.name} · ${booking.service_name}`,
                  start: booking.start,
                  end: booking.end,
                  backgroundColor: STATUS_COLOURS[booking.status] ?? "#22d3ee",
                  borderColor: "transparent",
                  textColor: "#04121a",
                  extendedProps: { booking },
                })),
            ),
          )
          .catch((problem: ApiError) => {
            setError(problem.message);
            failure(problem);
          });
      },
      eventClick: (info) => {
        info.jsEvent.preventDefault();
        setSelected(info.event.extendedProps.booking as AdminBooking);
      },
    });
    instance.render();
    calendar.current = instance;
    return () => instance.destroy();
  }, []);

  const showCancelledRef = useRef(showCancelled);
  showCancelledRef.current = showCancelled;
  useEffect(() => calendar.current?.refetchEvents(), [showCancelled]);

  const act = async (action: "cancel" | "no-show" | "confirm") => {
    if (!selected) return;
    setBusy(true);
    setError(undefined);
    try {
      const path = { booking_id: selected.id };
      const updated = must(
        action === "cancel"
          ? await adminApi.POST("/api/bookings/admin/bookings/{booking_id}/cancel", { params: { path }, body: { reason: "cancelled by staff" } })
          : action === "no-show"
            ? await adminApi.POST("/api/bookings/admin/bookings/{booking_id}/no-show", { params: { path } })
            : await adminApi.POST("/api/bookings/admin/bookings/{booking_id}/confirm", { params: { path } }),
      );
      setSelected(updated);
      calendar.current?.refetchEvents();
    } catch (problem) {
      setError((problem as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <section class="glass fc-theme p-3" aria-label="Bookings calendar">
        <label class="mb-2 flex items-center gap-2 text-sm text-muted">
          <input type="checkbox" class="h-4 w-4" checked={showCancelled} onChange={(event) => setShowCancelled(event.currentTarget.checked)} />
          Show cancelled
        </label>
        <div ref={host} data-testid="calendar" />
      </section>
      <aside class="glass flex flex-col gap-3 p-4" aria-label="Booking details" aria-live="polite">
        {error && <Notice tone="error">{error}</Notice>}
        {!selected && <p class="text-muted">Select a booking to see its details.</p>}
        {selected && (
          <>
            <h2 class="text-lg font-semibold">{selected.customer.name}</h2>
            <p class="text-sm uppercase tracking-wider" style={{ color: STATUS_COLOURS[selected.status] }} data-testid="booking-status">
              {selected.status.replace("_", " ")}
            </p>
            <dl class="grid grid-cols-[6rem_1fr] gap-x-2 gap-y-1 text-sm">
              <dt class="text-muted">Service</dt><dd>{selected.service_name}</dd>
              <dt class="text-muted">When</dt><dd>{formatDateTime(selected.start, visitorZone)} – {formatTime(selected.end, visitorZone)}</dd>
              <dt class="text-muted">Email</dt><dd class="break-all"><a href={`mailto:${selected.customer.email}`}>{selected.customer.email}</a></dd>
              <dt class="text-muted">Phone</dt><dd>{selected.customer.phone ? <a href={`tel:${selected.customer.phone}`}>{selected.customer.phone}</a> : "—"}</dd>
              <dt class="text-muted">WhatsApp</dt><dd>{selected.whatsapp_opt_in ? "for this booking" : "no"}</dd>
              {selected.notes && <><dt class="text-muted">Notes</dt><dd>{selected.notes}</dd></>}
            </dl>
            {(selected.possible_duplicate_of ?? []).length > 0 && (
              <Notice>
                The email and phone typed on this booking belong to other client records; it is linked to none of them
                (contacts {(selected.possible_duplicate_of ?? []).join(", ")}). Check who booked before merging.
              </Notice>
            )}
            <div class="flex flex-wrap gap-2">
              {selected.status === "pending_payment" && <button type="button" class="btn btn-primary" disabled={busy} onClick={() => act("confirm")}>Confirm</button>}
              {(selected.status === "confirmed" || selected.status === "pending_payment") && (
                <button type="button" class="btn btn-danger" disabled={busy} onClick={() => act("cancel")}>Cancel booking</button>
              )}
              {selected.status === "confirmed" && new Date(selected.start) < new Date() && (
                <button type="button" class="btn btn-ghost" disabled={busy} onClick={() => act("no-show")}>Mark no-show</button>
              )}
            </div>
          </>
        )}
      </aside>
    </div>
  );
}
