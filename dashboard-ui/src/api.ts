// The page's calls: /ui/api/... with the session cookie (the browser sends it), and for actions
// the session's anti-forgery value as X-Flotilla-Session.

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

let csrf = '';

export function useCsrf(value: string): void { csrf = value; }

async function answer(response: Response): Promise<any> {
  const text = await response.text();
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = JSON.parse(text).message ?? message; } catch { /* not JSON */ }
    throw new ApiError(response.status, message);
  }
  return text ? JSON.parse(text) : null;
}

export async function get(path: string): Promise<any> {
  return answer(await fetch('/ui/api' + path, { credentials: 'same-origin' }));
}

export async function act(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> {
  return answer(await fetch('/ui/api' + path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Flotilla-Session': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
}
