// The PouchDB "device" of the benchmark: a long-lived node process that keeps its
// in-memory databases between steps (a no-op sync needs the previous checkpoint).
// Reads one JSON command per line on stdin, answers one JSON line on stdout.
//   {"op":"load","local":L,"docs":[...]}        put docs into a fresh local db (not timed)
//   {"op":"push","local":L,"remote":URL}        replicate L -> URL (timed)
//   {"op":"pull","local":L,"remote":URL}        replicate URL -> L (timed; L fresh or not)
//   {"op":"sync","local":L,"remote":URL}        both ways, as an app's db.sync() (timed)
//   {"op":"info","local":L}                     doc count of L
// Usage: node pouch_side.js  (with NODE_PATH pointing at bench/.work/node_modules)
"use strict";

const readline = require("readline");
const PouchDB = require("pouchdb").plugin(require("pouchdb-adapter-memory"));

const dbs = new Map();

function local(name) {
  if (!dbs.has(name)) dbs.set(name, new PouchDB(name, { adapter: "memory" }));
  return dbs.get(name);
}

async function handle(cmd) {
  const db = local(cmd.local);
  if (cmd.op === "load") {
    const res = await db.bulkDocs(cmd.docs);
    return { ok: res.every((r) => r.ok), count: res.length };
  }
  if (cmd.op === "push" || cmd.op === "pull" || cmd.op === "sync") {
    const remote = new PouchDB(cmd.remote, { skip_setup: true });
    const started = process.hrtime.bigint();
    let res;
    if (cmd.op === "push") res = await db.replicate.to(remote);
    else if (cmd.op === "pull") res = await db.replicate.from(remote);
    else {
      const both = await db.sync(remote);
      res = { ok: both.push.ok && both.pull.ok, docs_read: both.pull.docs_read,
              docs_written: both.push.docs_written + both.pull.docs_written };
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await remote.close();
    return { ok: res.ok, ms, docs_read: res.docs_read, docs_written: res.docs_written };
  }
  if (cmd.op === "info") {
    const info = await db.info();
    return { ok: true, count: info.doc_count };
  }
  throw new Error("unknown op " + cmd.op);
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let queue = Promise.resolve();
rl.on("line", (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    let out;
    try {
      out = await handle(JSON.parse(line));
    } catch (err) {
      out = { ok: false, error: String(err && (err.stack || err.message || err)) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  });
});
rl.on("close", () => queue.then(() => process.exit(0)));
