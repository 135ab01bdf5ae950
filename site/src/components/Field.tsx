import type { ComponentChildren } from "preact";

interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ComponentChildren;
}

/** A label, its control, and the API's message for that field right beside it. */
export function Field({ id, label, error, hint, children }: FieldProps) {
  return (
    <div class="flex flex-col gap-1.5">
      <label for={id} class="text-sm font-medium text-ink">{label}</label>
      {children}
      {hint && !error && <p id={`${id}-hint`} class="text-sm text-muted">{hint}</p>}
      {error && (
        <p id={`${id}-error`} class="text-sm text-danger" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** aria props tying a control to its hint or error. */
export function describedBy(id: string, error?: string, hint?: string): Record<string, string | boolean> {
  const ids = error ? `${id}-error` : hint ? `${id}-hint` : "";
  return { "aria-invalid": Boolean(error), ...(ids ? { "aria-describedby": ids } : {}) };
}
