/** Counts API requests by method, normalised route and status for `GET /__emulator/requests`. */
export class RequestLog {
  private readonly counts = new Map<
    string,
    { method: string; route: string; status: number; count: number }
  >();
  total = 0;

  record(method: string, route: string, status: number): void {
    this.total += 1;
    const key = `${method} ${route} ${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { method, route, status, count: 1 });
  }

  snapshot(): { total: number; byRoute: { method: string; route: string; status: number; count: number }[] } {
    const byRoute = [...this.counts.values()]
      .map((e) => ({ ...e }))
      .sort(
        (a, b) => a.route.localeCompare(b.route) || a.method.localeCompare(b.method) || a.status - b.status,
      );
    return { total: this.total, byRoute };
  }

  clear(): void {
    this.counts.clear();
    this.total = 0;
  }
}

/** `/api/v2/users/:id` (Fastify's form) becomes `/api/v2/users/{id}`. */
export function normaliseRoute(route: string): string {
  return route.replace(/:([A-Za-z_]+)/g, '{$1}');
}
