import { useState } from "preact/hooks";
import { describedBy, Field } from "../components/Field";
import { Notice } from "../components/Layout";
import { sessionEnded } from "./api";
import { signIn } from "./session";

/** Firebase's error codes, in words staff can act on (never which half was wrong). */
function reason(code: string): string {
  if (code === "auth/too-many-requests") return "Too many attempts. Wait a minute and try again.";
  if (code === "auth/network-request-failed") return "We can't reach the sign-in service. Check your connection.";
  if (code === "auth/user-disabled") return "This account is disabled.";
  return "That email and password don't match an account.";
}

export function SignIn({ notice }: { notice?: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  return (
    <main id="main" class="mx-auto flex min-h-dvh max-w-sm flex-col justify-center gap-6 px-4">
      <div class="flex items-center gap-3">
        <img src="/icons/icon.svg" alt="" width="40" height="40" class="rounded-xl" />
        <h1 class="text-2xl font-bold">Staff sign-in</h1>
      </div>
      {notice && <Notice tone="info">{notice}</Notice>}
      <form
        class="glass flex flex-col gap-4 p-5"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            await signIn(email.trim(), password);
            sessionEnded.current = false;
          } catch (failure) {
            setError(reason((failure as { code?: string }).code ?? ""));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field id="staff-email" label="Email">
          <input id="staff-email" type="email" class="field-input" autoComplete="username" required value={email}
            onInput={(event) => setEmail(event.currentTarget.value)} {...describedBy("signin", error)} />
        </Field>
        <Field id="staff-password" label="Password">
          <input id="staff-password" type="password" class="field-input" autoComplete="current-password" required value={password}
            onInput={(event) => setPassword(event.currentTarget.value)} {...describedBy("signin", error)} />
        </Field>
        {error && <p id="signin-error" role="alert" class="text-sm text-danger">{error}</p>}
        <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <p class="text-sm text-muted"><a href="/">Back to the booking site</a></p>
    </main>
  );
}
