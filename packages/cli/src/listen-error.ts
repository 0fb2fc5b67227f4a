/** A port already taken, said with the fix instead of a bare `EADDRINUSE`. */
export function describeListenError(error: unknown, flags: string): string {
  const e = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE')
    return `${e.address ?? '127.0.0.1'}:${e.port ?? '?'} is already in use (another provisio, or an earlier demo still running?): stop it, or choose another port with ${flags}`;
  if (e?.code === 'EACCES')
    return `${e.address ?? ''}:${e.port ?? '?'} cannot be opened by this user (ports below 1024 need privileges): choose another with ${flags}`;
  return error instanceof Error ? error.message : String(error);
}
