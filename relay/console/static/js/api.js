// The relay's JSON API (relay/API.md): cookie session plus the CSRF token
// header on every state-changing request.

let csrf = '';
let skew = 0; // relay clock minus local clock, ms (only when clearly off)
let onUnauthenticated = () => {};

export function setCSRF(token) { csrf = token || ''; }
export function setUnauthenticatedHandler(f) { onUnauthenticated = f; }

/** serverNow is the relay's idea of now, for waits and countdowns. */
export function serverNow() { return Date.now() + skew; }

export class APIError extends Error {
  constructor(status, code, message, retryAfterMS) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMS = retryAfterMS || 0;
  }
}

export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
  if (body instanceof Blob) { // a file as it is (a guide pack's zip)
    opts.headers['Content-Type'] = body.type || 'application/octet-stream';
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) opts.headers['X-CSRF-Token'] = csrf;
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch {
    throw new APIError(0, 'network', 'Cannot reach the relay. Check the network; the console keeps trying to reconnect.');
  }
  const date = Date.parse(resp.headers.get('Date') || '');
  if (!isNaN(date)) {
    const s = date - Date.now();
    skew = Math.abs(s) > 2500 ? s : 0; // the header has 1 s resolution
  }
  if (resp.status === 204) return null;
  const type = resp.headers.get('Content-Type') || '';
  const data = type.includes('application/json') ? await resp.json().catch(() => null) : await resp.text();
  if (!resp.ok) {
    const code = (data && data.error) || `http_${resp.status}`;
    let msg = (data && data.message) || `The relay answered with status ${resp.status}. Try again in a moment.`;
    if (code === 'csrf') msg = 'Your session token is out of date. Reload the page and try again.';
    const err = new APIError(resp.status, code, msg, data && data.retry_after_ms);
    err.data = data; // the whole reply, e.g. the problems of a refused publish
    if (resp.status === 401 && path !== '/api/login') onUnauthenticated(err);
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b);
export const put = (p, b) => api('PUT', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

/** query builds "?a=1&b=2" from the non-empty entries of obj. */
export function query(obj) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== '' && v != null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
