import { useEffect, useState } from "preact/hooks";
import { must, type ApiError } from "../api/client";
import { describedBy, Field } from "../components/Field";
import { Notice, Spinner } from "../components/Layout";
import { formatDuration, formatMoney, timeZones } from "../lib/format";
import { adminApi, type AdminService, type DateOverride, type HoursRange, type ServiceIn, type StaffIn, type StaffMember } from "./api";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];

const NEW_SERVICE: ServiceIn = {
  name: "", description: "", duration_minutes: 30, price: { amount: 0, currency: "GBP" },
  buffer_before_minutes: 0, buffer_after_minutes: 0, minimum_notice_minutes: 120, booking_window_days: 60,
  slot_interval_minutes: 15, seats: 1, prepayment_required: false, active: true, staff_ids: [],
};

/** Services, staff members, weekly hours and date overrides. Only admins edit. */
export function Catalogue({ canEdit }: { canEdit: boolean }) {
  const [services, setServices] = useState<AdminService[]>();
  const [staff, setStaff] = useState<StaffMember[]>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<{ kind: "service"; id?: string } | { kind: "staff"; id?: string }>();

  const reload = () =>
    Promise.all([
      adminApi.GET("/api/bookings/admin/services").then(must),
      adminApi.GET("/api/bookings/admin/staff").then(must),
    ]).then(([loadedServices, loadedStaff]) => {
      setServices(loadedServices);
      setStaff(loadedStaff);
    }).catch((problem: ApiError) => setError(problem.message));
  useEffect(() => void reload(), []);

  if (error) return <Notice tone="error">{error}</Notice>;
  if (!services || !staff) return <Spinner label="Loading services and staff…" />;
  const done = () => { setEditing(undefined); reload(); };

  return (
    <div class="grid gap-6 lg:grid-cols-2">
      <section class="glass flex flex-col gap-3 p-4" aria-labelledby="services-title">
        <div class="flex items-center justify-between">
          <h2 id="services-title" class="text-lg font-semibold">Services</h2>
          {canEdit && <button type="button" class="btn btn-ghost px-3" onClick={() => setEditing({ kind: "service" })}>New service</button>}
        </div>
        <ul class="flex flex-col gap-2">
          {services.map((service) => (
            <li key={service.id} class="flex items-center justify-between gap-2 rounded-xl bg-white/5 p-3">
              <div>
                <p class="font-medium">{service.name} {!service.active && <span class="text-xs text-muted">(inactive)</span>}</p>
                <p class="text-sm text-muted">{formatDuration(service.duration_minutes)} · {formatMoney(service.price.amount, service.price.currency)} · {service.staff_ids.length} staff</p>
              </div>
              {canEdit && <button type="button" class="btn btn-ghost px-3 text-sm" onClick={() => setEditing({ kind: "service", id: service.id })} aria-label={`Edit ${service.name}`}>Edit</button>}
            </li>
          ))}
        </ul>
        {editing?.kind === "service" && (
          <ServiceEditor service={services.find((service) => service.id === editing.id)} staff={staff} onDone={done} onCancel={() => setEditing(undefined)} />
        )}
      </section>

      <section class="glass flex flex-col gap-3 p-4" aria-labelledby="staff-title">
        <div class="flex items-center justify-between">
          <h2 id="staff-title" class="text-lg font-semibold">Staff and hours</h2>
          {canEdit && <button type="button" class="btn btn-ghost px-3" onClick={() => setEditing({ kind: "staff" })}>New staff member</button>}
        </div>
        <ul class="flex flex-col gap-2">
          {staff.map((member) => (
            <li key={member.id} class="flex items-center justify-between gap-2 rounded-xl bg-white/5 p-3">
              <div>
                <p class="font-medium">{member.name} {!member.active && <span class="text-xs text-muted">(inactive)</span>}</p>
                <p class="text-sm text-muted">{member.time_zone} · {(member.overrides ?? []).length} date overrides</p>
              </div>
              {canEdit && <button type="button" class="btn btn-ghost px-3 text-sm" onClick={() => setEditing({ kind: "staff", id: member.id })} aria-label={`Edit ${member.name}`}>Edit</button>}
            </li>
          ))}
        </ul>
        {editing?.kind === "staff" && (
          <StaffEditor member={staff.find((member) => member.id === editing.id)} onDone={done} onCancel={() => setEditing(undefined)} />
        )}
      </section>
    </div>
  );
}

function useSave<T>(onDone: () => void) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const save = async (run: () => Promise<T>) => {
    setBusy(true);
    setErrors({});
    setMessage(undefined);
    try {
      await run();
      onDone();
    } catch (problem) {
      const failure = problem as ApiError;
      setErrors(failure.byField?.() ?? {});
      setMessage(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return { errors, message, busy, save };
}

function NumberField({ id, label, value, error, onChange, min = 0 }: { id: string; label: string; value: number; error?: string; min?: number; onChange: (value: number) => void }) {
  return (
    <Field id={id} label={label} error={error}>
      <input id={id} type="number" inputMode="numeric" min={min} class="field-input" value={value}
        onInput={(event) => onChange(Number(event.currentTarget.value))} {...describedBy(id, error)} />
    </Field>
  );
}

function ServiceEditor({ service, staff, onDone, onCancel }: { service?: AdminService; staff: StaffMember[]; onDone: () => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<ServiceIn>(() => {
    if (!service) return NEW_SERVICE;
    const { id: _id, ...rest } = service;
    return rest;
  });
  const { errors, message, busy, save } = useSave<AdminService>(onDone);
  const set = <K extends keyof ServiceIn>(key: K, value: ServiceIn[K]) => setDraft({ ...draft, [key]: value });
  const submit = () =>
    save(async () =>
      service
        ? must(await adminApi.PUT("/api/bookings/admin/services/{service_id}", { params: { path: { service_id: service.id } }, body: draft }))
        : must(await adminApi.POST("/api/bookings/admin/services", { body: draft })),
    );

  return (
    <form class="mt-2 flex flex-col gap-3 border-t border-white/10 pt-4" onSubmit={(event) => { event.preventDefault(); submit(); }} aria-label={service ? `Edit ${service.name}` : "New service"}>
      {message && <Notice tone="error">{message}</Notice>}
      <Field id="svc-name" label="Name" error={errors.name}>
        <input id="svc-name" class="field-input" value={draft.name} onInput={(event) => set("name", event.currentTarget.value)} {...describedBy("svc-name", errors.name)} />
      </Field>
      <Field id="svc-description" label="Description" error={errors.description}>
        <textarea id="svc-description" class="field-input" value={draft.description} onInput={(event) => set("description", event.currentTarget.value)} />
      </Field>
      <div class="grid grid-cols-2 gap-3">
        <NumberField id="svc-duration" label="Minutes" value={draft.duration_minutes} error={errors.duration_minutes} min={5} onChange={(value) => set("duration_minutes", value)} />
        <NumberField id="svc-interval" label="Slot every (min)" value={draft.slot_interval_minutes ?? 15} error={errors.slot_interval_minutes} min={5} onChange={(value) => set("slot_interval_minutes", value)} />
        <NumberField id="svc-price" label="Price (minor units)" value={draft.price.amount} error={errors["price.amount"]} onChange={(value) => set("price", { ...draft.price, amount: value })} />
        <Field id="svc-currency" label="Currency" error={errors["price.currency"]}>
          <input id="svc-currency" class="field-input uppercase" maxLength={3} value={draft.price.currency} onInput={(event) => set("price", { ...draft.price, currency: event.currentTarget.value.toUpperCase() })} />
        </Field>
        <NumberField id="svc-before" label="Buffer before" value={draft.buffer_before_minutes ?? 0} error={errors.buffer_before_minutes} onChange={(value) => set("buffer_before_minutes", value)} />
        <NumberField id="svc-after" label="Buffer after" value={draft.buffer_after_minutes ?? 0} error={errors.buffer_after_minutes} onChange={(value) => set("buffer_after_minutes", value)} />
        <NumberField id="svc-notice" label="Notice (min)" value={draft.minimum_notice_minutes ?? 0} error={errors.minimum_notice_minutes} onChange={(value) => set("minimum_notice_minutes", value)} />
        <NumberField id="svc-window" label="Window (days)" value={draft.booking_window_days ?? 60} error={errors.booking_window_days} min={1} onChange={(value) => set("booking_window_days", value)} />
        <NumberField id="svc-seats" label="Seats per slot" value={draft.seats ?? 1} error={errors.seats} min={1} onChange={(value) => set("seats", value)} />
      </div>
      <fieldset class="flex flex-col gap-2">
        <legend class="text-sm font-medium">Performed by</legend>
        {staff.map((member) => (
          <label key={member.id} class="flex items-center gap-2">
            <input type="checkbox" class="h-5 w-5" checked={draft.staff_ids?.includes(member.id)}
              onChange={(event) => set("staff_ids", event.currentTarget.checked ? [...(draft.staff_ids ?? []), member.id] : (draft.staff_ids ?? []).filter((id) => id !== member.id))} />
            {member.name}
          </label>
        ))}
        {errors.staff_ids && <p class="text-sm text-danger" role="alert">{errors.staff_ids}</p>}
      </fieldset>
      <label class="flex items-center gap-2"><input type="checkbox" class="h-5 w-5" checked={draft.prepayment_required} onChange={(event) => set("prepayment_required", event.currentTarget.checked)} /> Prepayment required</label>
      <label class="flex items-center gap-2"><input type="checkbox" class="h-5 w-5" checked={draft.active} onChange={(event) => set("active", event.currentTarget.checked)} /> Bookable online</label>
      <div class="flex gap-2">
        <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? "Saving…" : "Save service"}</button>
        <button type="button" class="btn btn-ghost" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

/** A new range after the last one (a break of an hour), or 09:00-17:00 on an empty day. */
function nextRange(ranges: HoursRange[]): HoursRange {
  const last = ranges.at(-1);
  if (!last) return { start: "09:00", end: "17:00" };
  const [hours, minutes] = last.end.split(":").map(Number);
  const at = (value: number) => `${String(Math.min(value, 24)).padStart(2, "0")}:${value >= 24 ? "00" : String(minutes).padStart(2, "0")}`;
  return { start: at(hours + 1), end: at(hours + 3) };
}

function RangesEditor({ label, ranges, onChange }: { label: string; ranges: HoursRange[]; onChange: (ranges: HoursRange[]) => void }) {
  return (
    <div class="flex flex-wrap items-center gap-2">
      <span class="w-12 text-sm font-medium capitalize">{label}</span>
      {ranges.length === 0 && <span class="text-sm text-muted">closed</span>}
      {ranges.map((range, index) => (
        <span key={index} class="flex items-center gap-1">
          <input type="time" step={300} class="field-input w-36" aria-label={`${label} range ${index + 1} start`} value={range.start}
            onInput={(event) => onChange(ranges.map((item, at) => (at === index ? { ...item, start: event.currentTarget.value } : item)))} />
          <span aria-hidden="true">–</span>
          <input type="time" step={300} class="field-input w-36" aria-label={`${label} range ${index + 1} end`} value={range.end}
            onInput={(event) => onChange(ranges.map((item, at) => (at === index ? { ...item, end: event.currentTarget.value } : item)))} />
          <button type="button" class="btn btn-ghost px-2" aria-label={`Remove ${label} range ${index + 1}`} onClick={() => onChange(ranges.filter((_, at) => at !== index))}>×</button>
        </span>
      ))}
      <button type="button" class="btn btn-ghost px-2 text-sm" aria-label={`Add a ${label} range`} onClick={() => onChange([...ranges, nextRange(ranges)])}>+</button>
    </div>
  );
}

function StaffEditor({ member, onDone, onCancel }: { member?: StaffMember; onDone: () => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<StaffIn>(() => {
    if (!member) return { name: "", email: null, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, weekly_hours: {}, overrides: [], active: true };
    const { id: _id, ...rest } = member;
    return rest;
  });
  const [override, setOverride] = useState<DateOverride>({ date: "", ranges: [], note: "" });
  const { errors, message, busy, save } = useSave<StaffMember>(onDone);
  const hours = (draft.weekly_hours ?? {}) as Partial<Record<Weekday, HoursRange[]>>;
  const submit = () =>
    save(async () =>
      member
        ? must(await adminApi.PUT("/api/bookings/admin/staff/{staff_id}", { params: { path: { staff_id: member.id } }, body: draft }))
        : must(await adminApi.POST("/api/bookings/admin/staff", { body: draft })),
    );
  const addOverride = () => {
    if (!override.date) return;
    setDraft({ ...draft, overrides: [...(draft.overrides ?? []).filter((item) => item.date !== override.date), override].sort((a, b) => a.date.localeCompare(b.date)) });
    setOverride({ date: "", ranges: [], note: "" });
  };
  const fieldError = (prefix: string) => Object.entries(errors).find(([field]) => field.startsWith(prefix))?.[1];

  return (
    <form class="mt-2 flex flex-col gap-3 border-t border-white/10 pt-4" onSubmit={(event) => { event.preventDefault(); submit(); }} aria-label={member ? `Edit ${member.name}` : "New staff member"}>
      {message && <Notice tone="error">{message}</Notice>}
      <Field id="staff-name" label="Name" error={errors.name}>
        <input id="staff-name" class="field-input" value={draft.name} onInput={(event) => setDraft({ ...draft, name: event.currentTarget.value })} {...describedBy("staff-name", errors.name)} />
      </Field>
      <Field id="staff-email-field" label="Email (for booking notices)" error={errors.email}>
        <input id="staff-email-field" type="email" class="field-input" value={draft.email ?? ""} onInput={(event) => setDraft({ ...draft, email: event.currentTarget.value || null })} />
      </Field>
      <Field id="staff-zone" label="Time zone" error={errors.time_zone}>
        <select id="staff-zone" class="field-input" value={draft.time_zone} onChange={(event) => setDraft({ ...draft, time_zone: event.currentTarget.value })}>
          {timeZones().map((zone) => <option key={zone} value={zone}>{zone}</option>)}
        </select>
      </Field>
      <fieldset class="flex flex-col gap-2">
        <legend class="mb-1 text-sm font-medium">Weekly hours (several ranges make breaks)</legend>
        {WEEKDAYS.map((day) => (
          <RangesEditor key={day} label={day} ranges={hours[day] ?? []} onChange={(ranges) => setDraft({ ...draft, weekly_hours: { ...hours, [day]: ranges } })} />
        ))}
        {fieldError("weekly_hours") && <p role="alert" class="text-sm text-danger">{fieldError("weekly_hours")}</p>}
      </fieldset>
      <fieldset class="flex flex-col gap-2">
        <legend class="mb-1 text-sm font-medium">Date overrides and holidays</legend>
        <ul class="flex flex-col gap-1 text-sm">
          {(draft.overrides ?? []).map((item) => (
            <li key={item.date} class="flex items-center justify-between rounded-lg bg-white/5 px-3 py-1">
              <span>{item.date}: {item.ranges?.length ? item.ranges.map((range) => `${range.start}–${range.end}`).join(", ") : "closed"} {item.note && `(${item.note})`}</span>
              <button type="button" class="btn btn-ghost px-2" aria-label={`Remove override ${item.date}`} onClick={() => setDraft({ ...draft, overrides: (draft.overrides ?? []).filter((other) => other.date !== item.date) })}>×</button>
            </li>
          ))}
        </ul>
        <div class="flex flex-wrap items-end gap-2">
          <label class="flex flex-col text-sm">Date<input type="date" class="field-input" value={override.date} onInput={(event) => setOverride({ ...override, date: event.currentTarget.value })} /></label>
          <label class="flex flex-col text-sm">Note<input class="field-input" value={override.note} onInput={(event) => setOverride({ ...override, note: event.currentTarget.value })} /></label>
        </div>
        <RangesEditor label="hours" ranges={override.ranges ?? []} onChange={(ranges) => setOverride({ ...override, ranges })} />
        <button type="button" class="btn btn-ghost self-start text-sm" onClick={addOverride} disabled={!override.date}>Add override (no hours = closed)</button>
        {fieldError("overrides") && <p role="alert" class="text-sm text-danger">{fieldError("overrides")}</p>}
      </fieldset>
      <label class="flex items-center gap-2"><input type="checkbox" class="h-5 w-5" checked={draft.active} onChange={(event) => setDraft({ ...draft, active: event.currentTarget.checked })} /> Takes bookings</label>
      <div class="flex gap-2">
        <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? "Saving…" : "Save staff member"}</button>
        <button type="button" class="btn btn-ghost" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
