// The dashboard: the cluster's views through /ui/api/v1 (the API's own answers), read again when
// /ui/api/live says the state changed; the event stream and a service's logs live; the actions
// behind a confirmation. Plain TypeScript: a few tables redrawn from JSON need no framework.
import './style.css';
import { act, ApiError, get, useCsrf } from './api';
import { button, el, fill, table } from './dom';
import { Sample, series, totals } from './meters';
import { eventLine, Json, lines, parseEvent, nodeRows, placement, replicasError, serviceRows, short, taskRows } from './model';

let readOnly = true;
let leaderId: string | null = null;

function banner(text: string | null): void {
  const b = document.getElementById('banner')!;
  b.hidden = !text;
  b.textContent = text ?? '';
}

/** The confirmation dialog; with {@code input}, a value too. Resolves null when cancelled. */
function confirmAction(text: string, input?: { name: string; value: string; check?: (v: string) => string | null }):
    Promise<string | null> {
  const dialog = document.getElementById('confirm') as HTMLDialogElement;
  const field = document.getElementById('confirm-input') as HTMLInputElement;
  const error = document.getElementById('confirm-error')!;
  document.getElementById('confirm-text')!.textContent = text;
  document.getElementById('confirm-label')!.hidden = !input;
  document.getElementById('confirm-input-name')!.textContent = input?.name ?? '';
  field.value = input?.value ?? '';
  error.textContent = '';
  return new Promise(resolve => {
    const ok = document.getElementById('confirm-ok')!;
    const cancel = document.getElementById('confirm-cancel')!;
    const done = (value: string | null) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.close();
      resolve(value);
    };
    const onOk = (e: Event) => {
      e.preventDefault();
      const why = input?.check?.(field.value) ?? null;
      if (why) { error.textContent = why; return; }
      done(input ? field.value.trim() : 'ok');
    };
    const onCancel = () => done(null);
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.showModal();
  });
}

async function run(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    banner(null);
    scheduleRefresh();
  } catch (e) {
    banner(`${what} refused: ${e instanceof Error ? e.message : e}`);
  }
}

function actions(...buttons: HTMLElement[]): HTMLElement | null {
  return readOnly ? null : el('span', { class: 'actions' }, ...buttons);
}

async function settled(path: string): Promise<Json[]> {
  try { return await get(path); } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    return [];
  }
}

async function refresh(): Promise<void> {
  let info: Json, nodes: Json[], services: Json[], tasks: Json[], stacks: Json[], volumes: Json[], registry: Json[];
  try {
    [info, nodes, services, tasks, stacks, volumes, registry] = await Promise.all([
      get('/v1/info'), settled('/v1/nodes'), settled('/v1/services'), settled('/v1/tasks'),
      settled('/v1/stacks'), settled('/v1/volumes'), settled('/v1/registry')]);
  } catch (e) {
    banner(e instanceof ApiError && e.status === 401 ? 'Logged out: run `flotilla dashboard` for a new login link.'
      : `Cannot read the cluster: ${e}`);
    return;
  }
  leaderId = info.leaderId ?? leaderId;
  document.getElementById('leader')!.textContent = `leader ${short(leaderId ?? '?')} · index ${info.index}`;
  drawNodes(nodes, tasks);
  drawMap(nodes, tasks);
  drawStacks(stacks);
  drawServices(services, tasks);
  drawTasks(tasks, nodes);
  fill('volumes', table(['name', 'driver', 'scope', 'node', 'used by'], volumes.map(v =>
    [v.name, v.driver, v.scope, v.nodeName ?? short(v.nodeId ?? ''), (v.usedBy ?? []).join(', ')]), 'no volumes'));
  fill('registrations', table(['name', 'address', 'ports', 'owner'], registry.map(r =>
    [r.name ?? r.service ?? '', r.address ?? '', JSON.stringify(r.ports ?? {}), r.owner ?? '']), 'no registrations'));
}

function drawNodes(nodes: Json[], tasks: Json[]): void {
  fill('nodes', table(['node', 'role', 'state', 'availability', 'address', 'labels', 'tasks', ''],
    nodeRows(nodes, tasks, leaderId).map(n => [
      n.name + (n.leader ? ' ★ leader' : ''), n.role, n.state, n.availability, n.address, n.labels,
      `${n.running}/${n.tasks} running`,
      n.availability === 'drain' ? null : actions(button('Drain', `drain-${n.id}`, () => void drain(n.id, n.name))),
    ]), 'no nodes'));
}

function drawMap(nodes: Json[], tasks: Json[]): void {
  fill('map', el('div', { class: 'map' }, ...placement(nodes, tasks).map(n =>
    el('div', { class: 'node-box', 'data-node': n.id },
      el('h3', {}, n.node),
      ...n.tasks.map(t => el('span', { class: `chip ${t.state}`, title: t.state }, t.name)),
      n.tasks.length === 0 ? el('span', { class: 'empty' }, 'no tasks') : null))));
}

function drawStacks(stacks: Json[]): void {
  fill('stacks', table(['stack', 'services', ''], stacks.map(s => [s.name, String(s.services),
    actions(button('Remove', `remove-${s.name}`, () => void removeStack(s.name)))]), 'no stacks'));
}

function drawServices(services: Json[], tasks: Json[]): void {
  fill('services', table(['service', 'mode', 'replicas', 'image / command', 'update', 'pending because', ''],
    serviceRows(services, tasks).map(s => [
      s.name, s.mode, el('span', { 'data-testid': `replicas-${s.name}` }, `${s.running}/${s.desired}`),
      s.image, s.update, s.pending.join('; '),
      el('span', {}, button('Logs', `logs-${s.name}`, () => void followLogs(s.name)),
        actions(
          button('Scale', `scale-${s.name}`, () => void scale(s.name, s.desired)),
          button('Update image', `update-${s.name}`, () => void updateImage(s.name, s.image)),
          button('Rollback', `rollback-${s.name}`, () => void rollback(s.name)))),
    ]), 'no services'));
}

function drawTasks(tasks: Json[], nodes: Json[]): void {
  fill('tasks', table(['task', 'node', 'desired', 'state', 'message', 'addresses', 'ports', 'history'],
    taskRows(tasks, nodes).map(t => [
      el('span', { title: t.id, 'data-task': t.id }, t.name), t.node, t.desired,
      el('span', { class: `state ${t.state}` }, t.state), t.message, t.addresses, t.ports,
      t.history.length ? el('details', {}, el('summary', {}, `${t.history.length} earlier`),
        ...t.history.map(h => el('div', {}, h))) : '',
    ]), 'no tasks'));
}

async function scale(service: string, desired: number): Promise<void> {
  const value = await confirmAction(`Scale ${service}?`, { name: 'replicas', value: String(desired), check: replicasError });
  if (value !== null) await run('scale', () => act('POST', `/v1/services/${encodeURIComponent(service)}/scale`, { replicas: Number(value) }));
}

async function updateImage(service: string, image: string): Promise<void> {
  const value = await confirmAction(`Roll ${service} to a new image?`, { name: 'image', value: image,
    check: v => v.trim() ? null : 'image: required' });
  if (value !== null) await run('update', () => act('POST', `/v1/services/${encodeURIComponent(service)}/update`, { image: value }));
}

async function rollback(service: string): Promise<void> {
  if (await confirmAction(`Roll ${service} back to its previous spec?`)) {
    await run('rollback', () => act('POST', `/v1/services/${encodeURIComponent(service)}/rollback`));
  }
}

async function drain(node: string, name: string): Promise<void> {
  if (await confirmAction(`Drain node ${name}? Its tasks move to other nodes.`)) {
    await run('drain', () => act('POST', `/v1/nodes/${encodeURIComponent(node)}/update`, { availability: 'DRAIN' }));
  }
}

async function removeStack(stack: string): Promise<void> {
  if (await confirmAction(`Remove stack ${stack} and all its services?`)) {
    await run('remove', () => act('DELETE', `/v1/stacks/${encodeURIComponent(stack)}`));
  }
}

/** Reads a streamed answer's body to its end, handing each chunk's whole lines (if any) to {@code onLines}. */
async function eachLines(r: Response, onLines: (texts: string[]) => void): Promise<void> {
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const split = lines(rest, value);
    rest = split.rest;
    if (split.lines.length) onLines(split.lines);
  }
}

let logs: AbortController | null = null;

async function followLogs(service: string): Promise<void> {
  logs?.abort();
  const mine = new AbortController();
  logs = mine;
  const pre = document.getElementById('logs')!;
  document.getElementById('logs-of')!.textContent = service;
  pre.textContent = '';
  try {
    const r = await fetch(`/ui/api/v1/services/${encodeURIComponent(service)}/logs?follow=true&tail=100`, { signal: mine.signal });
    if (!r.ok || !r.body) { pre.textContent = `cannot read the logs (HTTP ${r.status})`; return; }
    await eachLines(r, texts => {
      pre.append(texts.join('\n') + '\n');
      while (pre.childNodes.length > 500) pre.firstChild!.remove();
      pre.scrollTop = pre.scrollHeight;
    });
  } catch (e) {
    if (!mine.signal.aborted) pre.append(`\n(log stream ended: ${e})`);
  }
}

/**
 * Follows GET /v1/events as NDJSON (one event a line; heartbeats skipped), newest first, the last
 * 300 kept. A broken stream resumes after the last event shown (no gap, no repeat), a second later.
 */
async function followEvents(since = '0'): Promise<void> {
  const pane = document.getElementById('events')!;
  let resume = since;
  try {
    const r = await fetch(`/ui/api/v1/events?since=${encodeURIComponent(since)}&follow=true`,
      { headers: { Accept: 'application/x-ndjson' } });
    if (r.ok && r.body) {
      await eachLines(r, texts => {
        for (const text of texts) {
          const e = parseEvent(text);
          if (!e) continue;
          if (!pane.firstElementChild) pane.replaceChildren(); // the "no events yet" text
          pane.prepend(el('div', {}, eventLine(e)));
          while (pane.childNodes.length > 300) pane.lastChild!.remove();
          resume = `${e.index}/${e.seq ?? 0}`;
        }
      });
    }
  } catch { /* the stream broke: resume below */ }
  setTimeout(() => followEvents(resume), 1000);
}

const samples: Sample[] = [];
const WINDOW_MS = 10 * 60_000;

/** Reads every node's mesh meters (the leader gathers them) every 5 s; draws the last 10 minutes per service. */
async function followMeters(): Promise<void> {
  try {
    const r = await fetch('/ui/api/meters');
    if (r.status === 204) {
      fill('meters', el('p', { class: 'empty' }, 'No request meters on this node.'));
      return;
    }
    if (r.ok) {
      samples.push({ at: Date.now(), services: totals(await r.text()) });
      while (samples.length > 2 && samples[0].at < Date.now() - WINDOW_MS) samples.shift();
      drawMeters();
    }
  } catch { /* next time */ }
  setTimeout(() => void followMeters(), 5000);
}

function drawMeters(): void {
  const all = series(samples);
  if (all.size === 0) {
    fill('meters', el('p', { class: 'empty' }, samples.length < 2 ? 'measuring…'
      : 'no requests through the mesh yet'));
    return;
  }
  fill('meters', table(['service', 'requests/s', 'mean latency', '5xx/s', 'requests, 10 min', 'requests/s, last 10 minutes'],
    [...all].sort(([a], [b]) => a.localeCompare(b)).map(([service, points]) => {
      const last = points[points.length - 1];
      return [service, last.rate.toFixed(1), last.latencyMs === null ? '–' : `${last.latencyMs.toFixed(1)} ms`,
        last.errorRate.toFixed(1),
        el('span', { 'data-testid': `requests-${service}` }, String(points.reduce((n, p) => n + p.requests, 0))),
        sparkline(points.map(p => p.rate))];
    }), 'no requests yet'));
}

function sparkline(values: number[]): Element {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', '240');
  svg.setAttribute('height', '32');
  svg.setAttribute('class', 'spark');
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? 240 / (values.length - 1) : 0;
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', values.map((v, i) => `${(i * step).toFixed(1)},${(30 - (v / max) * 28).toFixed(1)}`).join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#2463eb');
  line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  return svg;
}

let pending: number | null = null;

function scheduleRefresh(): void {
  if (pending !== null) return;
  pending = window.setTimeout(() => { pending = null; void refresh(); }, 150);
}

function followState(): void {
  const badge = document.getElementById('live')!;
  const source = new EventSource('/ui/api/live');
  source.onopen = () => { badge.textContent = 'live'; badge.className = 'badge live'; };
  source.addEventListener('state', () => scheduleRefresh());
  source.addEventListener('expired', () => { source.close(); banner('The session expired: run `flotilla dashboard` for a new login link.'); });
  source.onerror = () => { badge.textContent = 'reconnecting…'; badge.className = 'badge'; };
}

async function start(): Promise<void> {
  document.getElementById('logout')!.addEventListener('click', async () => {
    await fetch('/ui/logout', { method: 'POST' });
    location.replace('/ui/login');
  });
  try {
    const session = await get('/session');
    readOnly = session.readOnly;
    useCsrf(session.csrf);
    document.getElementById('mode')!.textContent = readOnly ? 'read-only' : 'read-write';
  } catch {
    banner('Not logged in: run `flotilla dashboard` and open the link it prints.');
    return;
  }
  void followMeters();
  await refresh();
  followState();
  followEvents();
}

void start();
