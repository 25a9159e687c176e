// The console's calls to its own server: JSON in and out, a stream of lines for "try it".

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `${path}: HTTP ${response.status}`);
  return body;
}

/** A change: always a JSON body, so that no cross-site form could make one. The service's answer comes back as it is. */
export async function sendJson(method, path, body) {
  const response = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const answer = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, ...answer };
}

/** Each line of an NDJSON answer as it arrives. */
export async function streamLines(path, body, onLine) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    const error = await response.json().catch(() => ({}));
    onLine({ kind: 'error', status: response.status, body: error.message ?? '' });
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.trim()) onLine(JSON.parse(line));
    }
  }
}
