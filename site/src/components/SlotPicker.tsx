import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { bookingsApi, must, type ApiError, type Slot } from "../api/client";
import { dayKey, lastDayOfMonth, monthGrid, todayIn, weekdayNames } from "../lib/calendar";
import { formatCalendarDay, formatMonth, formatTime, timeZones, visitorLocale } from "../lib/format";
import { Notice, Spinner } from "./Layout";

interface SlotPickerProps {
  serviceId: string;
  zone: string;
  onZoneChange: (zone: string) => void;
  onPick: (slot: Slot) => void;
  /** Bump to reload the slots (e.g. after a slot was taken meanwhile). */
  refresh?: number;
  windowDays?: number;
}

function setZoneOptions(select: HTMLSelectElement, zones: string[], selected: string): void {
  select.replaceChildren(...zones.map((name) => new Option(name.replaceAll("_", " "), name)));
  select.value = selected;
}

/** Month calendar marking days with free slots, then that day's times in the chosen zone. */
export function SlotPicker({ serviceId, zone, onZoneChange, onPick, refresh = 0, windowDays = 365 }: SlotPickerProps) {
  const today = todayIn(zone);
  const [month, setMonth] = useState(() => ({ year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) - 1 }));
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [error, setError] = useState<string>();
  const [day, setDay] = useState<string>();
  const timesHeading = useRef<HTMLHeadingElement>(null);
  const zoneSelect = useRef<HTMLSelectElement>(null);
  // ~420 zones as Preact nodes cost ~50 ms of a phone's first render: the list
  // is built natively, only when the visitor reaches for it.
  const fillZones = () => {
    const select = zoneSelect.current;
    if (select && select.options.length < 2) setZoneOptions(select, timeZones(), zone);
  };
  useLayoutEffect(() => {
    const select = zoneSelect.current!;
    if (select.options.length < 2) setZoneOptions(select, [zone], zone);
    select.value = zone;
  }, [zone]);

  useEffect(() => {
    let live = true;
    const first = dayKey(month.year, month.month, 1);
    const from = first < today ? today : first;
    const to = lastDayOfMonth(month.year, month.month);
    setSlots(null);
    setError(undefined);
    if (to < today) {
      setSlots([]);
      return;
    }
    bookingsApi
      .GET("/api/bookings/slots", { params: { query: { service_id: serviceId, from, to, tz: zone } } })
      .then(must)
      .then((body) => {
        if (!live) return;
        setSlots(body.slots);
        setDay((current) => {
          const days = new Set(body.slots.map((slot) => slot.start.slice(0, 10)));
          return current && days.has(current) ? current : body.slots[0]?.start.slice(0, 10);
        });
      })
      .catch((failure: ApiError) => live && setError(failure.message));
    return () => {
      live = false;
    };
  }, [serviceId, zone, month.year, month.month, refresh]);

  const byDay = useMemo(() => {
    const map = new Map<string, Slot[]>();
    for (const slot of slots ?? []) {
      const key = slot.start.slice(0, 10); // the slot's date in `zone`: starts carry its offset
      map.set(key, [...(map.get(key) ?? []), slot]);
    }
    return map;
  }, [slots]);

  const weeks = monthGrid(month.year, month.month);
  const names = weekdayNames(visitorLocale, "short");
  const thisMonth = { year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) - 1 };
  const atStart = month.year === thisMonth.year && month.month === thisMonth.month;
  const lastBookable = new Date(Date.now() + windowDays * 86_400_000);
  const atEnd = month.year * 12 + month.month >= lastBookable.getUTCFullYear() * 12 + lastBookable.getUTCMonth();
  const shift = (delta: number) => {
    const index = month.year * 12 + month.month + delta;
    setMonth({ year: Math.floor(index / 12), month: index % 12 });
    setDay(undefined);
  };
  const daySlots = day ? byDay.get(day) ?? [] : [];

  return (
    <div class="grid gap-6 md:grid-cols-[minmax(0,1fr)_minmax(0,18rem)]">
      <section class="glass p-4" aria-labelledby="month-label">
        <div class="mb-3 flex items-center justify-between gap-2">
          <button type="button" class="btn btn-ghost px-3" onClick={() => shift(-1)} disabled={atStart} aria-label="Previous month">‹</button>
          <h2 id="month-label" class="text-base font-semibold" aria-live="polite">{formatMonth(month.year, month.month)}</h2>
          <button type="button" class="btn btn-ghost px-3" onClick={() => shift(1)} disabled={atEnd} aria-label="Next month">›</button>
        </div>
        <table class="w-full table-fixed border-separate border-spacing-1 text-center" role="grid" aria-labelledby="month-label">
          <thead>
            <tr>{names.map((name) => <th scope="col" class="text-xs font-medium text-muted" key={name}>{name}</th>)}</tr>
          </thead>
          <tbody>
            {weeks.map((week) => (
              <tr key={week[0].day}>
                {week.map((cell) => {
                  const count = byDay.get(cell.day)?.length ?? 0;
                  const selected = cell.day === day;
                  if (!cell.inMonth) return <td key={cell.day} />;
                  return (
                    <td key={cell.day}>
                      <button
                        type="button"
                        data-day={cell.day}
                        class={`relative h-11 w-full rounded-xl text-sm tabular-nums transition ${
                          selected ? "bg-neon text-night font-bold" : count ? "bg-white/8 text-ink hover:bg-cyan-400/20 font-semibold" : "text-muted/60"
                        }`}
                        disabled={!count}
                        aria-pressed={selected}
                        aria-label={`${formatCalendarDay(cell.day)}: ${count ? `${count} free ${count === 1 ? "time" : "times"}` : "no free times"}`}
                        onClick={() => {
                          setDay(cell.day);
                          requestAnimationFrame(() => timesHeading.current?.focus());
                        }}
                      >
                        {Number(cell.day.slice(8))}
                        {count > 0 && !selected && <span aria-hidden="true" class="absolute bottom-1.5 left-1/2 h-1 w-1 -translate-x-1/2 rounded-full bg-neon" />}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {slots === null && !error && <div class="mt-2"><Spinner label="Finding free times…" /></div>}
        {error && <div class="mt-3"><Notice tone="error">{error}</Notice></div>}
        {slots && slots.length === 0 && !error && <p class="mt-3 text-sm text-muted">No free times this month. Try the next one.</p>}
      </section>

      <section class="glass flex flex-col gap-3 p-4" aria-labelledby="times-label">
        <label class="flex flex-col gap-1 text-sm">
          <span class="text-muted">Times shown in</span>
          <select ref={zoneSelect} class="field-input" onFocus={fillZones} onPointerDown={fillZones}
            onChange={(event) => onZoneChange((event.target as HTMLSelectElement).value)} />
        </label>
        <h2 id="times-label" ref={timesHeading} tabIndex={-1} class="font-semibold">
          {day ? formatCalendarDay(day) : "Pick a day"}
        </h2>
        <ul class="grid grid-cols-3 gap-2 sm:grid-cols-2" aria-label="Free times">
          {daySlots.map((slot) => (
            <li key={slot.start}>
              <button type="button" class="chip w-full" data-start={slot.start} onClick={() => onPick(slot)}>
                {formatTime(slot.start, zone)}
                {slot.seats_left > 1 && <span class="block text-xs text-muted">{slot.seats_left} places</span>}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
