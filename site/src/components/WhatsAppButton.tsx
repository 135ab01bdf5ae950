import { useEffect, useState } from "preact/hooks";
import { loadPublicConfig } from "../lib/data";

/** The business's wa.me chat link, when WhatsApp is switched on. */
export function WhatsAppButton() {
  const [link, setLink] = useState<string | null>(null);
  useEffect(() => {
    loadPublicConfig().then((config) => setLink(config.enabled ? config.wa_me_link ?? null : null));
  }, []);
  if (!link) return null;
  return (
    <a href={link} target="_blank" rel="noopener noreferrer" class="btn btn-ghost" data-testid="whatsapp-chat">
      <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="#86efac"><path d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2Zm5.3 14.1c-.2.6-1.3 1.2-1.8 1.2-.5.1-1 .2-3.3-.7a11.4 11.4 0 0 1-4.4-3.9c-.3-.5-1.1-1.5-1.1-2.9s.7-2 1-2.3c.2-.3.5-.3.7-.3h.5c.2 0 .4 0 .6.5l.8 2c.1.2.1.3 0 .5l-.3.5-.4.4c-.1.1-.3.3-.1.6.2.3.8 1.3 1.7 2.1 1.2 1 2.1 1.3 2.4 1.5.3.1.5.1.6-.1l.9-1.1c.2-.3.4-.2.6-.1l1.9.9c.3.1.5.2.5.3.1.2.1.7-.1 1.3Z"/></svg>
      Chat on WhatsApp
    </a>
  );
}
