/**
 * Who is signed in (GET /provisio/v1/auth/session), and what they may do. Roles are the API's
 * (docs/security.md#roles): a Reader sees everything and changes nothing, an Operator also runs
 * jobs (start, pause, restart, provision on demand), an Administrator also configures them. The
 * console disables what the role cannot do; the API refuses it anyway.
 */
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from 'react';
import { ApiProblem, api, call, setCsrfToken, setUnauthorizedHandler } from '../api/client';
import type { components } from '../api/schema';

export type ConsoleSession = components['schemas']['ConsoleSession'];
export type Role = ConsoleSession['user']['role'];
export type Access = 'Reader' | 'Operator' | 'Administrator';

const rank: Record<Access, number> = { Reader: 1, Operator: 2, Administrator: 3 };

export function roleAllows(role: Role | undefined, access: Access): boolean {
  return role !== undefined && rank[role as Access] >= rank[access];
}

interface SessionState {
  readonly session: ConsoleSession | null;
  readonly loading: boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Whether the signed-in user's role allows an action that needs `access`. */
  can(access: Access): boolean;
}

const SessionContext = createContext<SessionState | null>(null);
const SESSION_KEY = ['session'] as const;

/** Drops everything read under the previous user (the session's own query stays observed). */
function forgetData(queries: QueryClient): void {
  queries.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const query = useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => {
      try {
        return await call(api.GET('/provisio/v1/auth/session'));
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const session = query.data ?? null;
  setCsrfToken(session?.csrfToken);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(undefined);
      queries.setQueryData(SESSION_KEY, null);
    });
    return () => setUnauthorizedHandler(undefined);
  }, [queries]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const signedIn = await call(api.POST('/provisio/v1/auth/signin', { body: { username, password } }));
      setCsrfToken(signedIn.csrfToken);
      forgetData(queries);
      queries.setQueryData(SESSION_KEY, signedIn);
    },
    [queries],
  );
  const signOut = useCallback(async () => {
    try {
      await call(api.POST('/provisio/v1/auth/signout'));
    } finally {
      setCsrfToken(undefined);
      forgetData(queries);
      queries.setQueryData(SESSION_KEY, null);
    }
  }, [queries]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      loading: query.isPending,
      signIn,
      signOut,
      can: (access) => roleAllows(session?.user.role, access),
    }),
    [session, query.isPending, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error('useSession outside <SessionProvider>');
  return state;
}

/** Shorthand: may the signed-in user do what needs `access`? */
export function useCan(access: Access): boolean {
  return useSession().can(access);
}
