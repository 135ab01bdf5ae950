import { useEffect, useRef, useState } from "preact/hooks";
import { must, type ApiError } from "../api/client";
import { Notice, Spinner } from "../components/Layout";
import { formatDateTime, visitorZone } from "../lib/format";
import { inboxApi, type Conversation, type Message, type ReplyTemplate } from "./api";

const POLL_MS = 10_000;

/** WhatsApp conversations, one thread, and a reply box that respects the 24-hour window. */
export function Inbox() {
  const [conversations, setConversations] = useState<Conversation[]>();
  const [phone, setPhone] = useState<string>();
  const [error, setError] = useState<string>();

  const load = () =>
    inboxApi.GET("/api/whatsapp/admin/conversations", { params: { query: { limit: 50 } } }).then(must)
      .then((page) => setConversations(page.items))
      .catch((problem: ApiError) => setError(problem.message));
  useEffect(() => {
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const current = conversations?.find((conversation) => conversation.phone === phone);
  return (
    <div class="grid gap-4 md:grid-cols-[20rem_minmax(0,1fr)]">
      <section class={`glass flex flex-col p-2 ${phone ? "hidden md:flex" : ""}`} aria-label="Conversations">
        {error && <Notice tone="error">{error}</Notice>}
        {!conversations && !error && <div class="p-3"><Spinner label="Loading conversations…" /></div>}
        {conversations?.length === 0 && <p class="p-3 text-muted">No WhatsApp conversations yet.</p>}
        <ul aria-label="Conversations">
          {conversations?.map((conversation) => (
            <li key={conversation.phone}>
              <button type="button" data-phone={conversation.phone} aria-current={conversation.phone === phone ? "true" : undefined}
                class={`flex w-full flex-col gap-0.5 rounded-xl p-3 text-left hover:bg-white/5 ${conversation.phone === phone ? "bg-cyan-400/10" : ""}`}
                onClick={() => setPhone(conversation.phone)}>
                <span class="flex items-center justify-between gap-2">
                  <span class="font-medium">{conversation.name ?? conversation.phone}</span>
                  {conversation.unread_count > 0 && (
                    <span class="rounded-full bg-neon px-2 text-xs font-bold text-night" aria-label={`${conversation.unread_count} unread`}>{conversation.unread_count}</span>
                  )}
                </span>
                <span class="truncate text-sm text-muted">{conversation.last_message_preview}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {current ? <Thread key={current.phone} conversation={current} onBack={() => setPhone(undefined)} onChange={load} /> : (
        <section class="glass hidden items-center justify-center p-6 text-muted md:flex">Pick a conversation.</section>
      )}
    </div>
  );
}

function Thread({ conversation, onBack, onChange }: { conversation: Conversation; onBack: () => void; onChange: () => void }) {
  const [messages, setMessages] = useState<Message[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const path = { phone: conversation.phone };
  const bottom = useRef<HTMLDivElement>(null);

  const load = (before?: string) =>
    inboxApi.GET("/api/whatsapp/admin/conversations/{phone}/messages", { params: { path, query: { limit: 30, cursor: before } } }).then(must)
      .then((page) => {
        setMessages((previous) => (before ? [...(previous ?? []), ...page.items] : page.items));
        if (!before) setCursor(page.next_cursor ?? null);
        else setCursor(page.next_cursor ?? null);
      })
      .catch((problem: ApiError) => setError(problem.message));

  useEffect(() => {
    load().then(() => bottom.current?.scrollIntoView({ block: "end" }));
    if (conversation.unread_count > 0) {
      inboxApi.POST("/api/whatsapp/admin/conversations/{phone}/read", { params: { path } }).then(onChange);
    }
    const timer = setInterval(() => load(), POLL_MS);
    return () => clearInterval(timer);
  }, [conversation.phone]);

  const ordered = [...(messages ?? [])].reverse(); // the API pages newest first
  const optedOut = conversation.whatsapp_consent === "opted_out";
  return (
    <section class="glass flex min-h-[60dvh] flex-col gap-3 p-4" aria-label={`Conversation with ${conversation.name ?? conversation.phone}`}>
      <header class="flex items-center justify-between gap-2 border-b border-white/10 pb-3">
        <div class="flex min-w-0 items-center gap-2">
          <button type="button" class="btn btn-ghost shrink-0 px-3 md:hidden" onClick={onBack} aria-label="Back to conversations">‹</button>
          <div class="flex min-w-0 flex-col">
            <span class="truncate font-semibold">{conversation.name ?? conversation.phone}</span>
            <span class="text-sm text-muted">{conversation.phone}</span>
          </div>
        </div>
        <span class={`shrink-0 whitespace-nowrap rounded-full px-2 py-0.5 text-xs ${optedOut ? "bg-rose-400/15 text-danger" : conversation.whatsapp_consent === "opted_in" ? "bg-emerald-400/15 text-ok" : "bg-white/10 text-muted"}`}
          data-testid="consent-state">
          {optedOut ? "opted out" : conversation.whatsapp_consent === "opted_in" ? "opted in" : "no opt-in recorded"}
        </span>
      </header>
      {error && <Notice tone="error">{error}</Notice>}
      {cursor && <button type="button" class="btn btn-ghost self-center text-sm" onClick={() => load(cursor)}>Load older messages</button>}
      {!messages && <Spinner label="Loading messages…" />}
      <ol class="flex flex-1 flex-col gap-2" aria-label="Messages" aria-live="polite">
        {ordered.map((message) => (
          <li key={message.id} data-direction={message.direction}
            class={`max-w-[85%] rounded-2xl px-3 py-2 ${message.direction === "in" ? "self-start bg-white/8" : "self-end bg-cyan-400/15"}`}>
            <p class="whitespace-pre-wrap">{message.body ?? (message.template ? `Template: ${message.template}` : "")}</p>
            <p class="mt-1 text-xs text-muted">
              {message.created_at ? formatDateTime(message.created_at, visitorZone) : ""}
              {message.direction === "out" && ` · ${message.status}`}
              {message.error_code && ` · error ${message.error_code}`}
              {message.skip_reason && ` · skipped: ${message.skip_reason}`}
            </p>
          </li>
        ))}
      </ol>
      <div ref={bottom} />
      {optedOut ? (
        <Notice tone="info">This person opted out of WhatsApp messages. They can send START to opt back in.</Notice>
      ) : (
        <ReplyBox conversation={conversation} onSent={(message) => { setMessages((previous) => [message, ...(previous ?? [])]); onChange(); }} />
      )}
    </section>
  );
}

function ReplyBox({ conversation, onSent }: { conversation: Conversation; onSent: (message: Message) => void }) {
  const [text, setText] = useState("");
  const [templates, setTemplates] = useState<ReplyTemplate[]>([]);
  const [template, setTemplate] = useState<string>("");
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const windowOpen = conversation.window_open;

  useEffect(() => {
    if (windowOpen) return;
    inboxApi.GET("/api/whatsapp/admin/templates").then(must).then((items) => {
      setTemplates(items);
      setTemplate(items[0]?.name ?? "");
    }).catch((problem: ApiError) => setError(problem.message));
  }, [windowOpen]);

  const chosen = templates.find((item) => item.name === template);
  const send = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = windowOpen ? { text } : { template, variables };
      const message = must(await inboxApi.POST("/api/whatsapp/admin/conversations/{phone}/reply", { params: { path: { phone: conversation.phone } }, body }));
      onSent(message);
      setText("");
      setVariables({});
    } catch (problem) {
      const failure = problem as ApiError;
      setError(Object.values(failure.byField?.() ?? {})[0] ?? failure.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="flex flex-col gap-2 border-t border-white/10 pt-3" onSubmit={(event) => { event.preventDefault(); send(); }}>
      {error && <Notice tone="error">{error}</Notice>}
      {windowOpen ? (
        <>
          <label for="reply-text" class="text-sm text-muted">Reply (they wrote within 24 hours, so free text is allowed)</label>
          <textarea id="reply-text" class="field-input min-h-20" maxLength={1600} value={text} onInput={(event) => setText(event.currentTarget.value)} required />
        </>
      ) : (
        <>
          <p class="text-sm text-muted">Their last message is over 24 hours old: WhatsApp only allows an approved template.</p>
          <label for="reply-template" class="text-sm">Template</label>
          <select id="reply-template" class="field-input" value={template} onChange={(event) => { setTemplate(event.currentTarget.value); setVariables({}); }}>
            {templates.map((item) => <option key={item.name} value={item.name}>{item.description}</option>)}
          </select>
          {chosen?.variables.map((variable) => (
            <label key={variable.key} class="flex flex-col gap-1 text-sm">
              {variable.label}
              <input class="field-input" value={variables[variable.key] ?? ""} required
                onInput={(event) => setVariables({ ...variables, [variable.key]: event.currentTarget.value })} />
            </label>
          ))}
        </>
      )}
      <button type="submit" class="btn btn-primary self-end" disabled={busy || (windowOpen ? !text.trim() : !template)}>{busy ? "Sending…" : "Send"}</button>
    </form>
  );
}
