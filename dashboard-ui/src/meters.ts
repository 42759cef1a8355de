// Request rate and latency per service from the mesh's meters (GET /ui/api/meters: every node's
// counters in the Prometheus text format, a backend label per node and backend). Counters only grow, so the page takes rates from two reads,
// per backend (a task), as Prometheus' rate() does: a counter that went back was reset (the mesh
// made the backend's meters again) and counts from 0; a backend that is new counts whole.

export interface Counters { requests: number; errors: number; durationCount: number; durationSum: number }
/** Per service, per backend. */
export type Totals = Map<string, Map<string, Counters>>;
export interface Sample { at: number; services: Totals }
export interface Point { at: number; rate: number; latencyMs: number | null; errorRate: number; requests: number }

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const zero = (): Counters => ({ requests: 0, errors: 0, durationCount: 0, durationSum: 0 });

/** The mesh's counters per service and backend, summed over answer classes. */
export function totals(text: string): Totals {
  const out: Totals = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const labels = new Map([...m[2].matchAll(LABEL)].map(l => [l[1], l[2]]));
    const service = labels.get('service');
    const backend = labels.get('backend') ?? '';
    const value = Number(m[3]);
    if (!service || !Number.isFinite(value)) continue;
    const backends = out.get(service) ?? new Map<string, Counters>();
    const c = backends.get(backend) ?? zero();
    if (m[1] === 'flotilla_mesh_requests_total') {
      c.requests += value;
      if (labels.get('code') === '5xx') c.errors += value;
    } else if (m[1] === 'flotilla_mesh_request_duration_seconds_count') {
      c.durationCount += value;
    } else if (m[1] === 'flotilla_mesh_request_duration_seconds_sum') {
      c.durationSum += value;
    } else {
      continue;
    }
    backends.set(backend, c);
    out.set(service, backends);
  }
  return out;
}

const increase = (now: number, before: number | undefined) =>
  before === undefined || now < before ? now : now - before;

/** Per service, a point per pair of successive samples: requests, requests/s, mean latency, 5xx/s. */
export function series(samples: Sample[]): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1], samples[i]];
    const seconds = (b.at - a.at) / 1000;
    if (seconds <= 0) continue;
    for (const [service, backends] of b.services) {
      const d = zero();
      for (const [backend, now] of backends) {
        const before = a.services.get(service)?.get(backend);
        d.requests += increase(now.requests, before?.requests);
        d.errors += increase(now.errors, before?.errors);
        d.durationCount += increase(now.durationCount, before?.durationCount);
        d.durationSum += increase(now.durationSum, before?.durationSum);
      }
      out.set(service, [...(out.get(service) ?? []), {
        at: b.at,
        requests: d.requests,
        rate: d.requests / seconds,
        latencyMs: d.durationCount > 0 ? d.durationSum / d.durationCount * 1000 : null,
        errorRate: d.errors / seconds,
      }]);
    }
  }
  return out;
}
