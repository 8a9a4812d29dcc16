// The resolution benchmark's baseline, run as its own process (bench/processes.ts startBaseline): the
// smallest Express 5 app that answers a prompt read from the same database the server uses, with the same
// driver and JSON body parsing, and nothing else (no auth, no validation, no logging, no metrics).
//
//   POST /version               {versionId}               1 findOne: versions by _id
//   POST /environment-version   {promptId, environment}   2 findOnes: the environment pointer by _id, then its version
//   POST /cached-version        {versionId}               a Map lookup after the first findOne (the HTTP floor of any cached read)
//   GET  /healthz                                          no database: Express's own floor
// and, on a second port (RAW_PORT), the same cached read on plain node:http with no framework (the way the
// server mounts its gateway ahead of Express): POST /cached-version {versionId}.
import { createServer } from "node:http";
import express from "express";
import { MongoClient } from "mongodb";

const client = new MongoClient(process.env["MONGODB_URI"]!, { appName: "promptreg-bench-baseline" });
await client.connect();
const db = client.db(process.env["MONGODB_DB"] ?? "promptreg");
const versions = db.collection<{ _id: string }>("versions");
const environments = db.collection<{ _id: string; versionId: string | null }>("environments");
const cache = new Map<string, unknown>();

const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.use(express.json());

app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});

app.post("/version", async (req, res) => {
  const doc = await versions.findOne({ _id: String(req.body.versionId) });
  if (!doc) return void res.status(404).json({ data: null, error: "not found" });
  res.json({ data: doc, error: null });
});

app.post("/environment-version", async (req, res) => {
  const pointer = await environments.findOne({ _id: `${req.body.promptId}:${req.body.environment}` });
  const doc = pointer?.versionId ? await versions.findOne({ _id: pointer.versionId }) : null;
  if (!doc) return void res.status(404).json({ data: null, error: "not found" });
  res.json({ data: doc, error: null });
});

app.post("/cached-version", async (req, res) => {
  const id = String(req.body.versionId);
  let doc = cache.get(id);
  if (doc === undefined) {
    doc = await versions.findOne({ _id: id });
    if (!doc) return void res.status(404).json({ data: null, error: "not found" });
    cache.set(id, doc);
  }
  res.json({ data: doc, error: null });
});

const server = app.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1");

const raw = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    void (async () => {
      const { versionId } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { versionId: string };
      let doc = cache.get(versionId);
      if (doc === undefined) {
        doc = await versions.findOne({ _id: versionId });
        if (doc) cache.set(versionId, doc);
      }
      const body = JSON.stringify(doc ? { data: doc, error: null } : { data: null, error: "not found" });
      res.writeHead(doc ? 200 : 404, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
      res.end(body);
    })();
  });
});
raw.listen(Number(process.env["RAW_PORT"] ?? 0), "127.0.0.1");

const stop = () => {
  server.close();
  server.closeAllConnections();
  raw.close();
  raw.closeAllConnections();
  void client.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
