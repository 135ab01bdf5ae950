import { defineConfig } from "vite";
import preact from "@preact/preset-vite";
import tailwindcss from "@tailwindcss/vite";

// Locally `make run` serves site/dist and the API from one origin, so the
// dev server only proxies /api and /site-config.json to it.
const api = process.env.MILLI_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [preact(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The staff app (Firebase Auth, FullCalendar) is split into lazy chunks
    // that the public booking pages never load.
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { "/api": api, "/site-config.json": api } },
});
