// The real server for the browser tests: the server binary (E2E_MATCHRAUM_BIN) on a free port with a fresh
// SQLite database holding the real public catalogue (../shared/data), served UI from dist/.
//
// Importing and embedding ~6,600 entries takes minutes, so the first run keeps a copy of
// the indexed database under target/ui-e2e/ (see `dataKey`) and later runs start from a
// copy of it in seconds.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const dataDir = process.env.E2E_DATA_DIR ?? resolve(repoRoot, '../shared/data');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
export const binary = process.env.E2E_MATCHRAUM_BIN ?? join(targetDir, 'debug/matchraum');
export const OPERATOR = { email: 'betrieb@e2e.matchraum.test', password: 'E2e-Betrieb-Passwort-1' };

export interface RunningServer {
  url: string;
  dbUrl: string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** The caller's environment without MATCHRAUM_* (the server rejects unknown keys). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MATCHRAUM_')));
}

function baseEnv(dbFile: string): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    MATCHRAUM_DATABASE_URL: `sqlite://${dbFile}?mode=rwc`,
    MATCHRAUM_MATCHING_MODEL_DIR: process.env.MATCHRAUM_MATCHING_MODEL_DIR ?? join(repoRoot, 'models/multilingual-e5-small'),
    MATCHRAUM_MATCHING_ORT_LIB: process.env.MATCHRAUM_MATCHING_ORT_LIB ?? join(repoRoot, 'models/onnxruntime/libonnxruntime.so'),
    MATCHRAUM_HTTP_UI_DIR: join(repoRoot, 'frontend/dist'),
    MATCHRAUM_HTTP_COOKIE_SECURE: 'false',
    // No metrics listener: its fixed default port would clash with a `make run` beside the tests.
    MATCHRAUM_METRICS_BIND: '',
    MATCHRAUM_LOG_LEVEL: process.env.MATCHRAUM_LOG_LEVEL ?? 'warn',
    MATCHRAUM_HTTP_WORKERS: '2',
    // Many accounts and searches come from one address in a test run.
    MATCHRAUM_RATE_LOGIN_PER_IP: '1000',
    MATCHRAUM_RATE_LOGIN_PER_ACCOUNT: '1000',
    MATCHRAUM_RATE_REGISTER_PER_IP: '1000',
    MATCHRAUM_RATE_MATCH_PER_IP: '10000',
    MATCHRAUM_RATE_MATCH_PER_ACCOUNT: '10000',
    MATCHRAUM_RATE_WRITE_PER_IP: '10000',
    MATCHRAUM_RATE_WRITE_PER_ACCOUNT: '10000',
    // The stale sweep every few seconds, so that an entry made stale by a test is noticed.
    MATCHRAUM_CATALOG_STALE_SWEEP_SECS: '3',
  };
}

function run(args: string[], env: NodeJS.ProcessEnv, okCodes = [0]): void {
  const res = spawnSync(binary, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (res.status === null || !okCodes.includes(res.status)) {
    throw new Error(`matchraum ${args.join(' ')} failed (${res.status}): ${res.stderr.slice(-2000)}`);
  }
}

async function waitReady(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      const health = await fetch(`${url}/readyz`);
      if (health.ok) {
        // With a background index build (GET /api/v1/status), wait until it is done so
        // that every test sees the same ranking.
        const status = await fetch(`${url}/api/v1/status`);
        if (status.status === 404) return;
        const body = (await status.json()) as { semantic?: { state?: string } };
        if (body.semantic?.state !== 'building') return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms`);
}

async function serve(dbFile: string, logFile: string, readyWithinMs: number): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  const proc = spawn(binary, ['serve'], {
    env: { ...baseEnv(dbFile), MATCHRAUM_HTTP_BIND: `127.0.0.1:${port}` },
    stdio: ['ignore', log, log],
  });
  const stop = () =>
    new Promise<void>((ok) => {
      if (proc.exitCode !== null) return ok();
      proc.once('exit', () => ok());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    });
  try {
    await waitReady(url, proc, readyWithinMs);
  } catch (e) {
    await stop();
    throw new Error(`${String(e)} (log: ${logFile})`, { cause: e });
  }
  return { url, dbUrl: `sqlite://${dbFile}`, stop };
}

/**
 * What the cached catalogue depends on: the data files and the importer's sources (a change
 * there re-imports). Other server changes reuse the cache: the server applies new migrations
 * (which are additive; a landed migration is never edited) and brings vectors up to date at
 * start, so a branch that adds a table does not re-embed the whole catalogue.
 */
function dataKey(): string {
  const h = createHash('sha256');
  const walk = (dir: string, contents: boolean) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, contents);
      else if (contents) h.update(p).update(readFileSync(p));
      else h.update(`${p}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  walk(dataDir, false);
  walk(join(repoRoot, 'backend/import/src'), true);
  return h.digest('hex').slice(0, 16);
}

/** Copies an SQLite database with its write-ahead log (which may hold the newest pages). */
function copySqlite(from: string, to: string): void {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
  else rmSync(`${to}-wal`, { force: true });
}

/** The real catalogue, imported and indexed once; returns the cached database file. */
async function catalogue(workDir: string): Promise<string> {
  const cacheDir = join(repoRoot, 'target/ui-e2e');
  mkdirSync(cacheDir, { recursive: true });
  const cached = join(cacheDir, `catalogue-${dataKey()}.sqlite`);
  if (existsSync(cached)) return cached;
  const building = join(workDir, 'catalogue.sqlite');
  const sources = readdirSync(dataDir)
    .map((n) => join(dataDir, n))
    .filter((p) => statSync(p).isDirectory());
  // Exit code 1: two publiccode.yml files in the data are malformed and are skipped.
  run(['import', ...sources], baseEnv(building), [0, 1]);
  run(['user', 'create', '--email', OPERATOR.email, '--operator'], {
    ...baseEnv(building),
    MATCHRAUM_BOOTSTRAP_PASSWORD: OPERATOR.password,
  });
  // One start embeds every entry and stores the vectors in the database.
  // Embedding ~6,600 entries: minutes on a busy 2-core machine.
  const first = await serve(building, join(workDir, 'index-build.log'), 20 * 60_000);
  await first.stop();
  for (const old of readdirSync(cacheDir)) if (old.startsWith('catalogue-')) rmSync(join(cacheDir, old), { force: true });
  copySqlite(building, cached);
  return cached;
}

export async function startServer(): Promise<RunningServer> {
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: scripts/server_binary.sh`);
  if (!existsSync(join(repoRoot, 'frontend/dist/index.html'))) throw new Error('frontend/dist is missing: npm run build');
  const workDir = mkdtempSync(join(tmpdir(), 'matchraum-e2e-'));
  const db = join(workDir, 'e2e.sqlite');
  let server: RunningServer;
  try {
    copySqlite(await catalogue(workDir), db);
    server = await serve(db, join(workDir, 'server.log'), 3 * 60_000);
  } catch (e) {
    console.error(`server logs kept in ${workDir}`);
    throw e;
  }
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
