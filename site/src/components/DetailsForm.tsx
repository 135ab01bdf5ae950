import { useEffect, useMemo, useState } from "preact/hooks";
import type { BookingCreate } from "../api/client";
import { WHATSAPP_CONSENT_TEXT } from "../lib/data";
import { visitorLocale } from "../lib/format";
import { countryList, guessRegion, toInternational } from "../lib/phone";
import { describedBy, Field } from "./Field";

export type Details = Pick<BookingCreate, "customer" | "whatsapp_opt_in" | "whatsapp_consent_text" | "notes">;

/** What the visitor has typed, kept by the page so a retry after a taken slot keeps it. */
export interface DetailsDraft { region?: string; name: string; email: string; phone: string; optIn: boolean; notes: string }

export const emptyDraft = (): DetailsDraft => ({ name: "", email: "", phone: "", optIn: false, notes: "" });

interface DetailsFormProps {
  draft: DetailsDraft;
  busy: boolean;
  /** Messages from the API by field path, e.g. "customer.phone". */
  errors: Record<string, string>;
  onSubmit: (details: Details) => void;
}

/** Name, email, phone with a country picker, WhatsApp consent and notes. */
export function DetailsForm({ draft, busy, errors, onSubmit }: DetailsFormProps) {
  const countries = useMemo(() => countryList(visitorLocale), []);
  const [region, setRegionState] = useState(() => draft.region ?? guessRegion(visitorLocale));
  const [values, setValues] = useState(draft);
  // Fields changed since the API's last answer: their old message no longer applies.
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setEdited(new Set()), [errors]);
  const { name, email, phone, optIn, notes } = values;
  const update = (field: string, change: Partial<DetailsDraft>) => {
    Object.assign(draft, change);
    setValues({ ...draft });
    if (errors[field] && !edited.has(field)) setEdited(new Set(edited).add(field));
  };
  const setRegion = (value: string) => {
    update("customer.phone", { region: value });
    setRegionState(value);
  };
  const setName = (value: string) => update("customer.name", { name: value });
  const setEmail = (value: string) => update("customer.email", { email: value });
  const setPhone = (value: string) => update("customer.phone", { phone: value });
  const setOptIn = (value: boolean) => update("whatsapp_opt_in", { optIn: value });
  const setNotes = (value: string) => update("notes", { notes: value });
  const code = countries.find((country) => country.region === region)?.code ?? "1";
  const error = (field: string) => (edited.has(field) ? undefined : errors[field]);

  return (
    <form
      class="glass flex flex-col gap-5 p-5"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit({
          customer: { name: name.trim(), email: email.trim(), phone: toInternational(code, phone) },
          whatsapp_opt_in: optIn,
          whatsapp_consent_text: optIn ? WHATSAPP_CONSENT_TEXT : null,
          notes: notes.trim(),
        });
      }}
    >
      <Field id="name" label="Your name" error={error("customer.name")}>
        <input id="name" name="name" class="field-input" autoComplete="name" required value={name}
          onInput={(event) => setName(event.currentTarget.value)} {...describedBy("name", error("customer.name"))} />
      </Field>
      <Field id="email" label="Email" error={error("customer.email")} hint="Your confirmation and calendar invite go here.">
        <input id="email" name="email" type="email" inputMode="email" class="field-input" autoComplete="email" required value={email}
          onInput={(event) => setEmail(event.currentTarget.value)} {...describedBy("email", error("customer.email"), "x")} />
      </Field>
      <Field id="phone" label="Mobile phone" error={error("customer.phone")}>
        <div class="flex gap-2">
          <label for="country" class="sr-only">Country calling code</label>
          <select id="country" class="field-input w-32 shrink-0" value={region} autoComplete="tel-country-code"
            onChange={(event) => setRegion(event.currentTarget.value)}>
            {countries.map((country) => (
              <option key={country.region} value={country.region}>{country.name} (+{country.code})</option>
            ))}
          </select>
          <input id="phone" name="phone" type="tel" inputMode="tel" class="field-input" autoComplete="tel-national" required value={phone}
            placeholder={`+${code}…`} onInput={(event) => setPhone(event.currentTarget.value)} {...describedBy("phone", error("customer.phone"))} />
        </div>
      </Field>
      <div class="flex gap-3 rounded-xl border border-emerald-300/20 bg-emerald-400/5 p-3">
        <input id="whatsapp" type="checkbox" class="mt-1 h-5 w-5 shrink-0 accent-emerald-400" checked={optIn}
          onChange={(event) => setOptIn(event.currentTarget.checked)} aria-describedby="whatsapp-wording" />
        <div>
          <label for="whatsapp" class="font-medium">WhatsApp updates</label>
          <p id="whatsapp-wording" class="text-sm text-muted">{WHATSAPP_CONSENT_TEXT}</p>
        </div>
      </div>
      <Field id="notes" label="Anything we should know? (optional)" error={error("notes")}>
        <textarea id="notes" name="notes" class="field-input min-h-24" maxLength={2000} value={notes}
          onInput={(event) => setNotes(event.currentTarget.value)} {...describedBy("notes", error("notes"))} />
      </Field>
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? "Booking…" : "Confirm booking"}
      </button>
    </form>
  );
}
