import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { Spinner } from "./components/Layout";
import { Book } from "./pages/Book";
import { Landing } from "./pages/Landing";
import { Manage } from "./pages/Manage";
import { NotFound } from "./pages/NotFound";
import { interceptLinks, useLocation } from "./router";

/** The staff app (Firebase Auth, FullCalendar) loads only under /admin. */
function LazyAdmin() {
  const [Admin, setAdmin] = useState<(() => preact.JSX.Element) | null>(null);
  useEffect(() => {
    import("./admin/AdminApp").then((module) => setAdmin(() => module.AdminApp));
  }, []);
  return Admin ? <Admin /> : <div class="p-6"><Spinner label="Loading the staff app…" /></div>;
}

function App() {
  const url = useLocation();
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (path === "/") return <Landing />;
  if (path === "/book") return <Book />;
  const manage = path.match(/^\/manage\/([^/]+)$/);
  // The page takes its token from the link's #token= (or an old ?token=) itself.
  if (manage) return <Manage key={manage[1]} bookingId={decodeURIComponent(manage[1])} />;
  if (path === "/admin" || path.startsWith("/admin/")) return <LazyAdmin />;
  return <NotFound />;
}

interceptLinks();
render(<App />, document.getElementById("app")!);
