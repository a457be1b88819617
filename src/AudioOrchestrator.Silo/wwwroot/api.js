// Calls the service's API from the page. Every request is authenticated the usual way: with keys configured, by the
// HttpOnly cookie POST /api/v1/console/login sets (the page never holds the key after signing in). A 401 asks for a key
// (the key dialog) and retries once; any other error becomes an ApiError with the problem's title and detail.

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

let askForKey = async () => false;

/** The page's way of asking for a key: resolves true once signed in, false when the person cancelled. */
export function onKeyNeeded(handler) {
  askForKey = handler;
}

async function problemOf(response) {
  let title = `${response.status} ${response.statusText}`;
  let detail = '';
  try {
    const body = await response.json();
    title = body.title ?? title;
    detail = body.detail ?? '';
  } catch {
    // not problem details
  }
  return new ApiError(response.status, title, detail);
}

/** Fetches an API path; on 401 asks for a key once and retries. Returns the Response (ok) or throws ApiError. */
export async function request(path, options = {}) {
  const send = () => fetch(path, { credentials: 'same-origin', ...options, headers: { Accept: 'application/json', ...(options.headers ?? {}) } });
  let response = await send();
  if (response.status === 401 && await askForKey()) {
    response = await send();
  }
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response;
}

export async function getJson(path) {
  return (await request(path)).json();
}

export async function postJson(path, body, method = 'POST') {
  const response = await request(path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return response.status === 204 ? null : response.json();
}

/** Signs in with a key: the service checks it and keeps it in its cookie. Throws ApiError when refused. */
export async function login(key) {
  const response = await fetch('/api/v1/console/login', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ key }),
  });
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response.json();
}

export async function logout() {
  await fetch('/api/v1/console/logout', { method: 'POST', credentials: 'same-origin' });
}
