import './style.css';
// /ui/login#token=…: the token is in the fragment, which no server, proxy or log sees; this
// page posts it once, and the answer sets the session cookie.
const status = document.getElementById('status')!;
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname); // the token leaves the address bar and history
if (!token) {
  status.textContent = 'No login token in this link: run `flotilla dashboard` for one.';
} else {
  // A network error (Chromium drops requests when the host's interfaces change) is tried again; an
  // answer is final (a token the first try used up answers 401 and says so).
  const post = (attempt: number): Promise<Response> =>
    fetch('/ui/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) })
      .catch(e => attempt < 3 ? new Promise(r => setTimeout(r, 500)).then(() => post(attempt + 1)) : Promise.reject(e));
  post(1)
    .then(async r => {
      if (r.ok) {
        location.replace('/ui/');
      } else {
        const body = await r.json().catch(() => ({}));
        status.textContent = body.message ?? `Login refused (HTTP ${r.status}).`;
      }
    })
    .catch(e => { status.textContent = 'Login failed: ' + e; });
}
