import { useEffect, useState } from "preact/hooks";
import type { ApiError, Service } from "../api/client";
import { Notice, Page, Spinner } from "../components/Layout";
import { WhatsAppButton } from "../components/WhatsAppButton";
import { loadServices } from "../lib/data";
import { formatDuration, formatPrice } from "../lib/format";

export function Landing() {
  const [services, setServices] = useState<Service[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    loadServices().then(setServices).catch((failure: ApiError) => setError(failure.message));
  }, []);

  return (
    <Page title="Book an appointment">
      <section class="fade-in py-10 sm:py-16">
        <p class="mb-3 text-sm font-semibold uppercase tracking-widest text-neon-strong">MilliIntell</p>
        <h1 class="max-w-2xl text-4xl font-bold leading-tight sm:text-5xl">
          Your next appointment, <span class="neon-text">booked in under a minute</span>.
        </h1>
        <p class="mt-4 max-w-xl text-lg text-muted">
          Pick a service, pick a time in your own time zone, and you're done. Reminders arrive by email — and on WhatsApp if you like.
        </p>
        <div class="mt-8 flex flex-wrap gap-3">
          <a href="/book" class="btn btn-primary">Book an appointment</a>
          <WhatsAppButton />
        </div>
      </section>

      <section aria-labelledby="services-heading">
        <h2 id="services-heading" class="mb-4 text-2xl font-semibold">Services</h2>
        {error && <Notice tone="error">{error}</Notice>}
        {!services && !error && <Spinner label="Loading services…" />}
        {services && services.length === 0 && <p class="text-muted">No services can be booked online right now.</p>}
        <ul class="grid gap-4 sm:grid-cols-2">
          {services?.map((service) => (
            <li key={service.id} class="glass fade-in flex flex-col gap-2 p-5">
              <h3 class="text-lg font-semibold">{service.name}</h3>
              {service.description && <p class="text-muted">{service.description}</p>}
              <p class="text-sm text-muted">
                {formatDuration(service.duration_minutes)} · <span class="text-ink">{formatPrice(service.price.amount, service.price.currency)}</span>
              </p>
              <a href={`/book?service=${encodeURIComponent(service.id)}`} class="btn btn-ghost mt-auto self-start" aria-label={`Book ${service.name}`}>
                Book
              </a>
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
