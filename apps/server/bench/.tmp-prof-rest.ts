import { requestOperation, runOperation } from "./load.js";
import { BENCH_API_KEY, startDatabase, startServerProcess } from "./processes.js";
const database = await startDatabase();
const server = await startServerProcess({ database });
try {
  const auth = { authorization: `Bearer ${BENCH_API_KEY}`, "content-type": "application/json" };
  const created = await fetch(`${server.url}/v1/prompt-2025`, { method: "POST", headers: auth, body: JSON.stringify({ name: "p", promptBody: { model: "m", messages: [{ role: "user", content: "hi {{hc:x:string}}" }] } }) });
  const { data } = (await created.json()) as { data: { id: string } };
  const r = await runOperation(server.url, requestOperation({ origin: server.url, path: "/v2/prompt-2025/query/environment-version", headers: auth, body: JSON.stringify({ promptId: data.id, environment: "production" }) }), 1, { durationMs: 15_000 });
  console.log(r);
} finally {
  await server.stop();
  await database.stop();
}
