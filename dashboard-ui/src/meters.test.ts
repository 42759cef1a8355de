import { describe, expect, it } from 'vitest';
import { series, totals } from './meters';

const scrape = (t1: number, t2err: number, count: number, sum: number) => `
# HELP flotilla_mesh_requests_total Requests
flotilla_mesh_requests_total{backend="t1",code="2xx",service="shop_web"} ${t1}
flotilla_mesh_requests_total{backend="t2",code="5xx",service="shop_web"} ${t2err}
flotilla_mesh_requests_total{backend="b1",code="tcp",service="shop_backend"} 7
flotilla_mesh_request_duration_seconds_count{backend="t1",service="shop_web"} ${count}
flotilla_mesh_request_duration_seconds_sum{backend="t1",service="shop_web"} ${sum}
flotilla_mesh_backend_errors_total{backend="t1",service="shop_web"} 99
`;

describe('the mesh meters', () => {
  it('keeps a service\'s counters per backend, over answer classes', () => {
    const t = totals(scrape(10, 2, 12, 0.6));
    expect(t.get('shop_web')?.get('t1')).toEqual({ requests: 10, errors: 0, durationCount: 12, durationSum: 0.6 });
    expect(t.get('shop_web')?.get('t2')).toEqual({ requests: 2, errors: 2, durationCount: 0, durationSum: 0 });
    expect(t.get('shop_backend')?.get('b1')?.requests).toBe(7);
  });

  it('takes rate and mean latency from two reads; a counter that went back was reset and counts from 0', () => {
    const s = series([
      { at: 0, services: totals(scrape(10, 2, 10, 0.5)) },
      { at: 5000, services: totals(scrape(60, 2, 60, 3.0)) },
      { at: 10000, services: totals(scrape(5, 2, 5, 0.1)) },
    ]);
    const web = s.get('shop_web')!;
    expect(web[0]).toMatchObject({ requests: 50, errorRate: 0 });
    expect(web[0].rate).toBeCloseTo(10);
    expect(web[0].latencyMs).toBeCloseTo(50);
    expect(web[1].requests).toBe(5);
    expect(web[1].latencyMs).toBeCloseTo(20);
  });

  it('counts a backend that appeared between two reads whole', () => {
    const s = series([
      { at: 0, services: totals('') },
      { at: 1000, services: totals(scrape(3, 1, 3, 0.3)) },
    ]);
    expect(s.get('shop_web')![0]).toMatchObject({ requests: 4, errorRate: 1 });
  });
});
