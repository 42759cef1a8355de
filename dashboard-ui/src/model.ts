// What the page shows, computed from the API's JSON (the same views the CLI reads): pure
// functions, so that vitest checks them without a browser.

export type Json = Record<string, any>;

export interface NodeRow {
  id: string; name: string; role: string; availability: string; state: string; address: string;
  labels: string; running: number; tasks: number; leader: boolean;
}

export interface ServiceRow {
  id: string; name: string; stack: string; mode: string; running: number; desired: number;
  image: string; update: string; pending: string[];
}

export interface TaskRow {
  id: string; name: string; service: string; slot: number; node: string; desired: string; state: string;
  message: string; addresses: string; ports: string; history: string[];
}

const LIVE = new Set(['RUNNING', 'STARTING', 'PREPARING', 'ASSIGNED', 'ACCEPTED', 'PENDING', 'NEW']);

/** Tasks that count: the state wants them running (older tasks of a slot are its history). */
export function wanted(tasks: Json[]): Json[] {
  return tasks.filter(t => t.desiredState === 'RUNNING' || t.desiredState === 'READY');
}

export function nodeRows(nodes: Json[], tasks: Json[], leaderId: string | null): NodeRow[] {
  return nodes.map(n => {
    const mine = wanted(tasks).filter(t => t.nodeId === n.id);
    return {
      id: n.id,
      name: n.status?.hostname ? `${n.status.hostname} (${short(n.id)})` : short(n.id),
      role: (n.spec?.role ?? '').toLowerCase(),
      availability: (n.spec?.availability ?? '').toLowerCase(),
      state: (n.status?.state ?? 'unknown').toLowerCase(),
      address: n.status?.address ?? '',
      labels: Object.entries(n.spec?.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(' '),
      running: mine.filter(t => t.status?.state === 'RUNNING').length,
      tasks: mine.length,
      leader: n.id === leaderId,
    };
  });
}

export function serviceRows(services: Json[], tasks: Json[]): ServiceRow[] {
  return services.map(s => {
    const spec = s.service.spec;
    const mine = wanted(tasks).filter(t => t.serviceId === s.service.id);
    const pending = [...new Set(mine.filter(t => t.status?.state === 'PENDING' && t.status?.message)
      .map(t => t.status.message as string))];
    const u = s.service.updateStatus;
    return {
      id: s.service.id,
      name: spec.name,
      stack: spec.stack ?? '',
      mode: (spec.mode ?? '').toLowerCase(),
      running: s.running,
      desired: s.desired,
      image: spec.task?.image ?? (spec.task?.command ?? []).join(' '),
      update: u ? `${String(u.state).toLowerCase()}${u.message ? ': ' + u.message : ''}` : '',
      pending,
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/** One row per slot (or global task per node): its current task, and the older ones as history. */
export function taskRows(tasks: Json[], nodes: Json[]): TaskRow[] {
  const nodeName = new Map(nodes.map(n => [n.id, n.status?.hostname ?? short(n.id)]));
  const bySlot = new Map<string, Json[]>();
  for (const t of tasks) {
    const key = `${t.serviceName}.${t.slot > 0 ? t.slot : t.nodeId}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), t]);
  }
  const rows: TaskRow[] = [];
  for (const [name, group] of bySlot) {
    group.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
    const current = group.find(t => t.desiredState === 'RUNNING') ?? group[0];
    rows.push({
      id: current.id,
      name,
      service: current.serviceName,
      slot: current.slot,
      node: current.nodeId ? nodeName.get(current.nodeId) ?? short(current.nodeId) : '',
      desired: String(current.desiredState).toLowerCase(),
      state: String(current.status?.state ?? '').toLowerCase(),
      message: current.status?.error ?? current.status?.message ?? '',
      addresses: (current.addresses ?? []).map((a: Json) => `${a.network}: ${a.address}`).join(', '),
      ports: Object.entries(current.status?.hostPorts ?? {}).map(([k, v]) => `${k}→${v}`).join(' '),
      history: group.filter(t => t !== current).map(t =>
        `${short(t.id)} ${String(t.status?.state ?? '').toLowerCase()} ${t.status?.error ?? t.status?.message ?? ''}`.trim()),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The map: each node with the tasks that run (or are on their way) on it. */
export function placement(nodes: Json[], tasks: Json[]): { node: string; id: string; tasks: { name: string; state: string }[] }[] {
  return nodes.map(n => ({
    node: n.status?.hostname ? `${n.status.hostname} (${short(n.id)})` : short(n.id),
    id: n.id,
    tasks: wanted(tasks).filter(t => t.nodeId === n.id && LIVE.has(t.status?.state))
      .map(t => ({ name: `${t.serviceName}.${t.slot > 0 ? t.slot : ''}`.replace(/\.$/, ''), state: String(t.status.state).toLowerCase() }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
  }));
}

/** An event of the stream's NDJSON line, or null for a heartbeat, a notice or a line that is no event. */
export function parseEvent(text: string): Json | null {
  try {
    const e = JSON.parse(text);
    return e && typeof e.type === 'string' && e.type !== 'heartbeat' && typeof e.index === 'number' && e.time ? e : null;
  } catch {
    return null;
  }
}

/** A line of the event stream (docs/api.md, GET /v1/events). */
export function eventLine(e: Json): string {
  const what = [e.stack, e.service, e.node, e.task].filter(Boolean).join(' ');
  return `${e.time ?? ''} #${e.index ?? ''} ${e.type ?? ''} ${what}${e.message ? ': ' + e.message : ''}`.trim();
}

/** Splits a log stream's text into whole lines, keeping the unfinished rest for the next chunk. */
export function lines(rest: string, chunk: string): { lines: string[]; rest: string } {
  const all = (rest + chunk).split('\n');
  return { lines: all.slice(0, -1), rest: all[all.length - 1] };
}

/** Why a scale value is refused, or null: a whole number from 0 to 10000. */
export function replicasError(value: string): string | null {
  return /^\d{1,5}$/.test(value.trim()) && Number(value) <= 10000 ? null : 'replicas: a whole number from 0 to 10000';
}

export function short(id: string): string {
  return id ? id.slice(0, 8) : '';
}
