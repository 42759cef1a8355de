import { describe, expect, it } from 'vitest';
import { eventLine, lines, nodeRows, parseEvent, placement, replicasError, serviceRows, taskRows } from './model';

const nodes = [
  { id: 'n1aaaaaaaaaa', spec: { role: 'MANAGER', availability: 'ACTIVE', labels: { zone: 'a' } },
    status: { state: 'READY', hostname: 'h1', address: '127.0.11.1' } },
  { id: 'n2bbbbbbbbbb', spec: { role: 'WORKER', availability: 'DRAIN', labels: {} }, status: { state: 'DOWN' } },
];
const task = (id: string, slot: number, state: string, desired = 'RUNNING', createdAt = '2026-01-01T00:00:0' + slot + 'Z') => ({
  id, serviceId: 's1', serviceName: 'shop_web', slot, nodeId: 'n1aaaaaaaaaa', desiredState: desired, createdAt,
  status: { state, message: state === 'PENDING' ? 'no node has 64M free' : 'ok', hostPorts: { http: 4000 + slot } },
  addresses: [{ network: 'shop_default', address: '10.0.0.' + slot }],
});

describe('the views', () => {
  it('counts each node\'s wanted tasks and marks the leader', () => {
    const rows = nodeRows(nodes, [task('t1', 1, 'RUNNING'), task('t2', 2, 'PENDING'), task('t0', 1, 'FAILED', 'SHUTDOWN')], 'n1aaaaaaaaaa');
    expect(rows[0]).toMatchObject({ name: 'h1 (n1aaaaaa)', role: 'manager', running: 1, tasks: 2, leader: true, labels: 'zone=a' });
    expect(rows[1]).toMatchObject({ availability: 'drain', state: 'down', tasks: 0, leader: false });
  });

  it('gives a service its pending reasons once each', () => {
    const services = [{ service: { id: 's1', spec: { name: 'shop_web', stack: 'shop', mode: 'REPLICATED', task: { image: 'web:2' } },
      updateStatus: { state: 'UPDATING', message: '1 of 3' } }, running: 1, desired: 3 }];
    const [row] = serviceRows(services, [task('t1', 1, 'RUNNING'), task('t2', 2, 'PENDING'), task('t3', 3, 'PENDING')]);
    expect(row).toMatchObject({ running: 1, desired: 3, image: 'web:2', update: 'updating: 1 of 3', pending: ['no node has 64M free'] });
  });

  it('shows a slot\'s current task with the replaced ones as its history', () => {
    const rows = taskRows([task('old1', 1, 'FAILED', 'SHUTDOWN', '2026-01-01T00:00:00Z'), task('new1', 1, 'RUNNING'), task('t2', 2, 'RUNNING')], nodes);
    expect(rows.map(r => r.name)).toEqual(['shop_web.1', 'shop_web.2']);
    expect(rows[0]).toMatchObject({ id: 'new1', state: 'running', node: 'h1', ports: 'http→4001', addresses: 'shop_default: 10.0.0.1' });
    expect(rows[0].history).toEqual(['old1 failed ok']);
  });

  it('maps running tasks onto their nodes', () => {
    const map = placement(nodes, [task('t1', 1, 'RUNNING'), task('t0', 2, 'SHUTDOWN', 'SHUTDOWN')]);
    expect(map[0].tasks).toEqual([{ name: 'shop_web.1', state: 'running' }]);
    expect(map[1].tasks).toEqual([]);
  });

  it('reads events, log chunks and a scale value', () => {
    expect(eventLine({ index: 7, type: 'service.scaled', stack: 'shop', service: 'shop_web', time: 't', message: '3 → 5' }))
      .toBe('t #7 service.scaled shop shop_web: 3 → 5');
    expect(lines('par', 'tial\nnext\nhal')).toEqual({ lines: ['partial', 'next'], rest: 'hal' });
    expect(replicasError('5')).toBeNull();
    expect(replicasError('-1')).not.toBeNull();
    expect(replicasError('two')).not.toBeNull();
  });
});

describe('parseEvent', () => {
  it('keeps events and drops heartbeats, notices and other lines', () => {
    expect(parseEvent('{"index":7,"seq":0,"time":"2026-12-05T23:00:00Z","type":"service.scaled","service":"s"}'))
      .toMatchObject({ index: 7, type: 'service.scaled' });
    expect(parseEvent('{"type":"heartbeat","index":7,"time":"2026-12-05T23:00:00Z"}')).toBeNull();
    expect(parseEvent('{"type":"events.truncated","index":3,"message":"…"}')).toBeNull();
    expect(parseEvent('not json')).toBeNull();
  });
});
