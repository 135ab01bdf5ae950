// Firebase Auth for the staff app. The web config comes from /site-config.json
// at run time (written by `make site` on Netlify, served by the local stack
// with its Auth emulator), so one build runs in every stage.
import { initializeApp } from "firebase/app";
import {
  browserSessionPersistence,
  connectAuthEmulator,
  initializeAuth,
  onIdTokenChanged,
  signInWithEmailAndPassword,
  signOut,
  type Auth,
  type User,
} from "firebase/auth";

export interface SiteConfig {
  stage: string;
  firebase: { apiKey: string; authDomain: string; projectId: string };
  authEmulator?: string | null;
}

export interface Staff { user: User; role: "admin" | "staff" | null; email: string }

let auth: Auth | undefined;
let config: SiteConfig | undefined;

export async function siteConfig(): Promise<SiteConfig> {
  if (!config) {
    const response = await fetch("/site-config.json", { cache: "no-store" });
    if (!response.ok) throw new Error("The staff app is not configured (site-config.json is missing).");
    config = (await response.json()) as SiteConfig;
  }
  return config;
}

async function getAuthInstance(): Promise<Auth> {
  if (!auth) {
    const { firebase, authEmulator } = await siteConfig();
    const app = initializeApp(firebase);
    // Session persistence: closing the browser signs staff out of shared devices.
    auth = initializeAuth(app, { persistence: browserSessionPersistence });
    if (authEmulator) connectAuthEmulator(auth, authEmulator, { disableWarnings: true });
  }
  return auth;
}

async function toStaff(user: User): Promise<Staff> {
  const token = await user.getIdTokenResult();
  const role = token.claims.role;
  return { user, email: user.email ?? "", role: role === "admin" || role === "staff" ? role : null };
}

/** Calls back with the signed-in staff member, or null when signed out or the session ended. */
export async function watchSession(callback: (staff: Staff | null) => void): Promise<() => void> {
  const instance = await getAuthInstance();
  return onIdTokenChanged(instance, (user) => {
    if (!user) callback(null);
    else toStaff(user).then(callback, () => callback(null));
  });
}

export async function signIn(email: string, password: string): Promise<void> {
  await signInWithEmailAndPassword(await getAuthInstance(), email, password);
}

export async function signOutStaff(): Promise<void> {
  await signOut(await getAuthInstance());
}

/** A fresh ID token (the SDK refreshes it before it expires); null when signed out. */
export async function idToken(): Promise<string | null> {
  const user = (await getAuthInstance()).currentUser;
  return user ? user.getIdToken() : null;
}
