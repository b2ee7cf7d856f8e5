// deltaprop explore: the server's routes, as JSON. A failed request throws an Error with the
// server's one-line message; a run the server has closed (410) throws a Closed.

export class Closed extends Error {}

export async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, opts);
  let data = {};
  try { data = await res.json(); } catch { data = { error: res.statusText }; }
  if (res.status === 410 || data.closed) throw new Closed(data.error || "the run was closed");
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}
