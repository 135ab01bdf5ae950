import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, bookingsApi, must, type BookingCreated, type Service, type Slot } from "../api/client";
import { DetailsForm, emptyDraft, type Details } from "../components/DetailsForm";
import { Notice, Page, Spinner } from "../components/Layout";
import { SlotPicker } from "../components/SlotPicker";
import { loadServices } from "../lib/data";
import { downloadIcs, icsPath } from "../lib/manageToken";
import { formatDateTime, formatDuration, formatPrice, formatTime, visitorLocale, visitorZone } from "../lib/format";
import { navigate, useLocation } from "../router";

type Step = "service" | "time" | "details" | "done";

const STEP_TITLES: Record<Step, string> = {
  service: "Choose a service",
  time: "Choose a time",
  details: "Your details",
  done: "You're booked",
};

export function Book() {
  const url = useLocation();
  const [services, setServices] = useState<Service[]>();
  const [loadError, setLoadError] = useState<string>();
  const [zone, setZone] = useState(visitorZone);
  const [slot, setSlot] = useState<Slot>();
  const [refresh, setRefresh] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [booked, setBooked] = useState<BookingCreated>();
  const heading = useRef<HTMLHeadingElement>(null);
  const draft = useRef(emptyDraft());

  const serviceId = url.searchParams.get("service");
  const service = services?.find((candidate) => candidate.id === serviceId);
  const step: Step = booked ? "done" : !service ? "service" : slot ? "details" : "time";

  useEffect(() => {
    loadServices().then(setServices).catch((failure: ApiError) => setLoadError(failure.message));
  }, []);
  useEffect(() => {
    heading.current?.focus();
  }, [step]);

  const chooseService = (id: string) => {
    setSlot(undefined);
    setNotice(undefined);
    navigate(`/book?service=${encodeURIComponent(id)}`);
  };

  const submit = async (details: Details) => {
    if (!service || !slot) return;
    setBusy(true);
    setErrors({});
    setNotice(undefined);
    try {
      const created = must(
        await bookingsApi.POST("/api/bookings", {
          body: { service_id: service.id, start: slot.start, tz: zone, locale: visitorLocale, ...details },
        }),
      );
      setBooked(created);
    } catch (failure) {
      const error = failure as ApiError;
      if (error.status === 409 || error.byField?.().start) {
        // Someone else took it meanwhile: fresh slots, nothing the visitor typed is lost.
        setSlot(undefined);
        setRefresh((value) => value + 1);
        setNotice(
          error.status === 409
            ? "Sorry — that time was just booked by someone else. Here are the times still free."
            : `That time can no longer be booked (${error.byField().start}). Please pick another.`,
        );
      } else if (error.fields?.length) {
        setErrors(error.byField());
      } else {
        setNotice(error.message);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={STEP_TITLES[step]}>
      <ol class="mb-6 mt-4 flex flex-wrap gap-2 text-sm" aria-label="Booking steps">
        {(["service", "time", "details", "done"] as Step[]).map((name, index) => (
          <li key={name} aria-current={name === step ? "step" : undefined}
            class={`rounded-full px-3 py-1 ${name === step ? "bg-cyan-400/20 text-neon-strong" : "text-muted"}`}>
            {index + 1}. {STEP_TITLES[name]}
          </li>
        ))}
      </ol>
      <h1 ref={heading} tabIndex={-1} class="mb-4 text-3xl font-bold">{STEP_TITLES[step]}</h1>
      {notice && <div class="mb-4"><Notice tone="error">{notice}</Notice></div>}
      {loadError && <Notice tone="error">{loadError}</Notice>}
      {!services && !loadError && <Spinner label="Loading services…" />}

      {step === "service" && services && (
        <ul class="grid gap-3 sm:grid-cols-2">
          {services.map((candidate) => (
            <li key={candidate.id}>
              <button type="button" class="glass flex w-full flex-col items-start gap-1 p-4 text-left transition hover:border-cyan-300/50"
                onClick={() => chooseService(candidate.id)}>
                <span class="text-lg font-semibold">{candidate.name}</span>
                <span class="text-sm text-muted">
                  {formatDuration(candidate.duration_minutes)} · {formatPrice(candidate.price.amount, candidate.price.currency)}
                  {candidate.prepayment_required && " · paid when booking"}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}

      {service && step !== "service" && step !== "done" && (
        <p class="mb-4 text-muted">
          <strong class="text-ink">{service.name}</strong> · {formatDuration(service.duration_minutes)}
          {slot && <> · <strong class="text-ink">{formatDateTime(slot.start, zone)}</strong></>}{" "}
          <button type="button" class="ml-1 underline decoration-dotted" onClick={() => (slot ? setSlot(undefined) : navigate("/book"))}>
            Change
          </button>
        </p>
      )}

      {step === "time" && service && (
        <SlotPicker serviceId={service.id} zone={zone} onZoneChange={setZone} refresh={refresh}
          windowDays={service.booking_window_days} onPick={(picked) => { setSlot(picked); setNotice(undefined); }} />
      )}

      {step === "details" && <DetailsForm draft={draft.current} busy={busy} errors={errors} onSubmit={submit} />}

      {step === "done" && booked && service && <Confirmation booked={booked} service={service} zone={zone} />}
    </Page>
  );
}

function Confirmation({ booked, service, zone }: { booked: BookingCreated; service: Service; zone: string }) {
  const manage = new URL(booked.manage_url);
  const [problem, setProblem] = useState<string>();
  return (
    <div class="glass fade-in flex flex-col gap-4 p-5" data-booking-id={booked.id}>
      <Notice tone="ok">
        {booked.status === "pending_payment"
          ? `Your time is held until ${formatTime(booked.hold_expires_at ?? booked.start, zone)}: complete the payment to confirm it.`
          : "Confirmed. A confirmation is on its way to your email."}
      </Notice>
      <p class="text-lg">
        <strong>{service.name}</strong>
        <br />
        {formatDateTime(booked.start, zone)} – {formatTime(booked.end, zone)}
      </p>
      <div class="flex flex-wrap gap-3">
        <a class="btn btn-ghost" href={icsPath(booked.ics_url)} download="booking.ics"
          onClick={(event) => { event.preventDefault(); downloadIcs(booked.id, booked.manage_token).catch((failure: ApiError) => setProblem(failure.message)); }}>
          Add to calendar (.ics)
        </a>
        <a class="btn btn-ghost" href={booked.google_calendar_url} target="_blank" rel="noopener noreferrer">Add to Google Calendar</a>
      </div>
      {problem && <Notice tone="error">{problem}</Notice>}
      <p class="text-sm text-muted">
        Need to change it? <a href={manage.pathname + manage.hash} data-testid="manage-link">Reschedule or cancel</a> — keep this link; it is also in your email.
      </p>
    </div>
  );
}
