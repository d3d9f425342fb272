// Calls to the REST API of the instance that served this page (docs/rest.md).
// Every call resolves to {ok, status, body}; a refusal is data, not an exception.

export async function request(method, path) {
  let response;
  try {
    response = await fetch(path, { method, headers: { Accept: "application/json" } });
  } catch (error) {
    return { ok: false, status: 0, body: { message: `no answer: ${error.message}` } };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = { message: `HTTP ${response.status}` };
  }
  return { ok: response.ok, status: response.status, body };
}

export const get = (path) => request("GET", path);
export const post = (path) => request("POST", path);

// A GET whose failure counts as "no data" (optional features such as statistics).
export async function getOr(path, fallback) {
  const reply = await get(path);
  return reply.ok ? reply.body : fallback;
}

export const enc = encodeURIComponent;
