/**
 * Who is signed in: the API key (kept in localStorage so a reload keeps the session), the typed client
 * made from it, and sign-in / sign-out. A key is checked against the server before it is kept.
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { createApiClient, type PromptregClient } from "./api/client";
import { isUnauthorized } from "./api/errors";
import { clearDrafts } from "./lib/playground-draft";

const STORAGE_KEY = "promptreg.apiKey";

interface Session {
  apiKey: string;
  client: PromptregClient;
}

interface SessionContextValue {
  session: Session | null;
  /** Why the user was signed out, shown on the sign-in screen. */
  notice: string | null;
  signIn: (apiKey: string) => Promise<void>;
  signOut: (notice?: string) => void;
}

/** Exported for component tests, which provide a session without signing in. */
export const SessionContext = createContext<SessionContextValue | null>(null);

function readStoredKey(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeKey(apiKey: string | null): void {
  try {
    if (apiKey === null) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, apiKey);
  } catch {
    // Private modes may refuse storage; the session then lasts until the tab closes.
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | null>(() => {
    const apiKey = readStoredKey();
    return apiKey ? { apiKey, client: createApiClient(apiKey) } : null;
  });
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback(
    async (apiKey: string) => {
      const client = createApiClient(apiKey);
      // Any authenticated call proves the key; "who am I" is the one every role may make (a runtime key may
      // not even count prompts, and should still be told what it can do here rather than "not accepted").
      await client.apiKeys.me.query();
      storeKey(apiKey);
      queryClient.clear();
      setNotice(null);
      setSession({ apiKey, client });
    },
    [queryClient],
  );

  const signOut = useCallback(
    (why?: string) => {
      storeKey(null);
      clearDrafts();
      queryClient.clear();
      setNotice(why ?? null);
      setSession(null);
    },
    [queryClient],
  );

  // A key revoked while signed in: the next call answers 401, and the user is sent back to sign in.
  useEffect(() => {
    const expired = "Your API key is no longer accepted (revoked or changed). Sign in again.";
    const unsubscribeQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error" && isUnauthorized(event.action.error)) signOut(expired);
    });
    const unsubscribeMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error" && isUnauthorized(event.action.error)) signOut(expired);
    });
    return () => {
      unsubscribeQueries();
      unsubscribeMutations();
    };
  }, [queryClient, signOut]);

  const value = useMemo(() => ({ session, notice, signIn, signOut }), [session, notice, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSessionContext outside SessionProvider");
  return value;
}

/** The signed-in session; only screens behind sign-in use it. */
export function useSession(): Session {
  const { session } = useSessionContext();
  if (!session) throw new Error("useSession while signed out");
  return session;
}
