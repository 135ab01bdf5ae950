import { useEffect, useState } from "preact/hooks";
import { must, type ApiError } from "../api/client";
import { Notice, Spinner } from "../components/Layout";
import { formatDateTime, visitorZone } from "../lib/format";
import { platformApi } from "./api";

type Item = Record<string, unknown> & { id: string };

/** Local stage only: every email and WhatsApp message the providers recorded instead of sending. */
export function Outbox() {
  const [channel, setChannel] = useState<"" | "email" | "whatsapp">("");
  const [items, setItems] = useState<Item[]>();
  const [open, setOpen] = useState<string>();
  const [error, setError] = useState<string>();

  const load = () =>
    platformApi.GET("/api/dev/outbox", { params: { query: { channel: channel || undefined, limit: 100 } } }).then(must)
      .then((body) => setItems(body.items as Item[]))
      .catch((problem: ApiError) => setError(problem.message));
  useEffect(() => {
    setItems(undefined);
    load();
  }, [channel]);

  return (
    <section class="glass flex flex-col gap-3 p-4" aria-label="Outbox">
      <div class="flex flex-wrap items-center gap-2">
        {(["", "email", "whatsapp"] as const).map((name) => (
          <button key={name} type="button" class="chip" aria-pressed={channel === name} onClick={() => setChannel(name)}>{name || "all"}</button>
        ))}
        <button type="button" class="btn btn-ghost ml-auto px-3 text-sm" onClick={load}>Refresh</button>
      </div>
      {error && <Notice tone="error">{error}</Notice>}
      {!items && !error && <Spinner label="Loading the outbox…" />}
      {items?.length === 0 && <p class="text-muted">Nothing has been sent yet.</p>}
      <ul class="flex flex-col gap-2">
        {items?.map((item) => {
          const message = (item.message ?? item) as Record<string, unknown>;
          return (
            <li key={item.id} class="rounded-xl bg-white/5 p-3" data-channel={String(item.channel)}>
              <button type="button" class="flex w-full flex-wrap items-baseline justify-between gap-2 text-left" aria-expanded={open === item.id} onClick={() => setOpen(open === item.id ? undefined : item.id)}>
                <span><span class="mr-2 rounded bg-white/10 px-1.5 text-xs uppercase">{String(item.channel)}</span>{String(message.to ?? "")}</span>
                <span class="text-sm text-muted">{String(message.subject ?? message.template ?? message.text ?? "")}</span>
                <span class="text-xs text-muted">{typeof item.recorded_at === "string" ? formatDateTime(item.recorded_at, visitorZone) : ""}</span>
              </button>
              {open === item.id && <pre class="mt-2 max-h-96 overflow-auto whitespace-pre-wrap text-xs text-muted">{JSON.stringify(item, null, 2)}</pre>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
