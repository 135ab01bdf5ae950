import { useEffect, useState } from "preact/hooks";
import { Notice, Spinner } from "../components/Layout";
import { navigate, useLocation } from "../router";
import { sessionEnded } from "./api";
import { BookingsCalendar } from "./BookingsCalendar";
import { Catalogue } from "./Catalogue";
import { Inbox } from "./Inbox";
import { Outbox } from "./Outbox";
import { siteConfig, signOutStaff, watchSession, type Staff } from "./session";
import { SignIn } from "./SignIn";

interface Section { path: string; label: string; local?: boolean }

const SECTIONS: Section[] = [
  { path: "/admin", label: "Calendar" },
  { path: "/admin/inbox", label: "Inbox" },
  { path: "/admin/catalogue", label: "Services & staff" },
  { path: "/admin/outbox", label: "Outbox", local: true },
];

export function AdminApp() {
  const url = useLocation();
  const [staff, setStaff] = useState<Staff | null | undefined>(undefined);
  const [stage, setStage] = useState<string>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    document.title = "Staff · MilliIntell";
    let stop: (() => void) | undefined;
    siteConfig().then((config) => setStage(config.stage)).catch((failure: Error) => setError(failure.message));
    watchSession(setStaff).then((unsubscribe) => (stop = unsubscribe)).catch((failure: Error) => setError(failure.message));
    return () => stop?.();
  }, []);

  if (error) return <div class="p-6"><Notice tone="error">{error}</Notice></div>;
  if (staff === undefined) return <div class="p-6"><Spinner label="Checking your session…" /></div>;
  if (staff === null || !staff.role) {
    const notice = staff && !staff.role
      ? "This account has no staff role. Ask an administrator to give you access."
      : sessionEnded.current ? "Your session has ended. Please sign in again." : undefined;
    return <SignIn notice={notice} />;
  }

  const sections = SECTIONS.filter((section) => !section.local || stage === "local");
  const path = url.pathname.replace(/\/+$/, "");
  const current = sections.find((section) => section.path === path) ?? sections[0];
  return (
    <div class="min-h-dvh">
      <header class="sticky top-0 z-20 border-b border-white/10 bg-night/85 backdrop-blur">
        <div class="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <a href="/admin" class="flex items-center gap-2 font-bold text-ink no-underline">
            <img src="/icons/icon.svg" alt="" width="28" height="28" class="rounded-md" />
            <span>Milli<span class="neon-text">Intell</span> <span class="text-muted font-normal">staff</span></span>
          </a>
          <nav aria-label="Staff sections" class="order-3 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
            {sections.map((section) => (
              <a key={section.path} href={section.path} aria-current={section === current ? "page" : undefined}
                class={`btn whitespace-nowrap px-3 text-sm no-underline ${section === current ? "bg-cyan-400/15 text-neon-strong" : "text-muted hover:text-ink"}`}>
                {section.label}
              </a>
            ))}
          </nav>
          <div class="flex items-center gap-2 text-sm">
            <span class="hidden text-muted md:inline" data-testid="signed-in-as">{staff.email} · {staff.role}</span>
            <button type="button" class="btn btn-ghost px-3" onClick={() => signOutStaff().then(() => navigate("/admin"))}>Sign out</button>
          </div>
        </div>
      </header>
      <main id="main" class="mx-auto max-w-7xl px-4 py-6">
        <h1 class="sr-only">{current.label}</h1>
        {current.path === "/admin" && <BookingsCalendar />}
        {current.path === "/admin/inbox" && <Inbox />}
        {current.path === "/admin/catalogue" && <Catalogue canEdit={staff.role === "admin"} />}
        {current.path === "/admin/outbox" && <Outbox />}
      </main>
    </div>
  );
}
