import { Page } from "../components/Layout";

export function NotFound() {
  return (
    <Page title="Not found">
      <h1 class="mt-10 text-3xl font-bold">This page does not exist</h1>
      <p class="mt-3 text-muted">The link may be old. <a href="/">Back to the start</a>.</p>
    </Page>
  );
}
