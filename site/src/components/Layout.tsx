import type { ComponentChildren } from "preact";

export function Header() {
  return (
    <header class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-4">
      <a href="/" class="flex items-center gap-2 text-lg font-bold text-ink no-underline" aria-label="MilliIntell home">
        <img src="/icons/icon.svg" alt="" width="32" height="32" class="rounded-lg" />
        <span>Milli<span class="neon-text">Intell</span></span>
      </a>
      <nav aria-label="Main" class="flex items-center gap-2">
        <a href="/book" class="btn btn-primary">Book now</a>
      </nav>
    </header>
  );
}

export function Page({ children, title }: { children: ComponentChildren; title?: string }) {
  if (title) document.title = `${title} · MilliIntell`;
  return (
    <>
      <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 btn btn-ghost">Skip to content</a>
      <Header />
      <main id="main" class="mx-auto max-w-5xl px-4 pb-16">{children}</main>
      <footer class="mx-auto max-w-5xl px-4 pb-8 text-sm text-muted">
        © MilliIntell · Booking, messages and payments for service businesses
      </footer>
    </>
  );
}

export function Notice({ tone = "info", children }: { tone?: "info" | "error" | "ok"; children: ComponentChildren }) {
  const colour = tone === "error" ? "border-rose-400/50 text-danger" : tone === "ok" ? "border-emerald-400/40 text-ok" : "border-cyan-300/40 text-neon-strong";
  return (
    <div role={tone === "error" ? "alert" : "status"} class={`fade-in rounded-xl border bg-white/5 px-4 py-3 ${colour}`}>
      {children}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p role="status" class="flex items-center gap-2 text-muted">
      <span aria-hidden="true" class="inline-block h-4 w-4 animate-spin rounded-full border-2 border-neon border-t-transparent" />
      {label}
    </p>
  );
}
