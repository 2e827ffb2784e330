import { randomUUID } from "node:crypto";
import { existsSync, rmSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { CURATION_STEP_PREFIX } from "../curation-step.js";
import { StoreError } from "../errors.js";
import type { BatchStatus } from "../llm/batch/batch-api.js";
import type { Completion } from "../llm/port.js";

/**
 * The embedded run store: one SQLite file (WAL) per run holding its configuration, every LLM
 * reply (content-addressed by the request), each document's state per level, and every kept and
 * dropped item. It knows requests and records, not the method that made them: records, dropped
 * items and level outcomes are the caller's JSON, given back as they were saved. A reply is committed before the pipeline uses it, so a run killed at any moment
 * resumes without paying for a reply twice. WAL with synchronous=NORMAL keeps every committed
 * transaction through a crash of the process (not necessarily through a power cut).
 */

export type DocumentStatus = "running" | "done" | "failed";

/** What identifies a document across runs: its key (a hash of source and text) and its place. */
export interface StoredDocument {
  key: string;
  index: number;
  sourceId: string;
}

export interface StoredReply {
  text: string;
  finishReason: string | undefined;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  attempts: number;
}

/** A finished level of one document as the caller hands it over: its name, its place and its items. */
export interface FinishedLevel {
  level: string;
  /** The level's place among a document's levels: the dataset comes out in this order. */
  rank: number;
  /** Items kept, in order: records of the dataset. */
  kept: readonly unknown[];
  /** Items given up on, in order. */
  dropped: readonly unknown[];
  /** What the caller needs to skip the level on resume, given back by progress(). */
  outcome: unknown;
}

/** Where a kept item is in the store: its document, level and place. Stable while its level is not run again. */
export interface ItemId {
  docKey: string;
  rank: number;
  position: number;
}

/** A kept item as curation sees it: where it is, and its record as saved. */
export interface KeptItem<R = unknown> {
  id: ItemId;
  record: R;
}

/** What curation decided about one kept item. */
export interface CurationDecision {
  id: ItemId;
  /** Why it was removed (e.g. "duplicate", "low-score"); undefined for an item kept. */
  removedFor?: string;
  /** The caller's JSON: the twin a duplicate repeats, a judge's score and reason. */
  detail: unknown;
}

/** What a resumed document already has: its status and the saved outcomes of its finished levels, by level. */
export interface DocumentProgress {
  status: DocumentStatus;
  levels: Map<string, unknown>;
}


export interface ReplyUsage {
  replies: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
}

/** A batch as the caller submitted it: recorded before anything waits on it. */
export interface SubmittedBatch {
  /** The service's batch id. */
  id: string;
  /** The wave it belongs to (0, 1, 2, ... in the order the caller runs them) and what the wave does. */
  wave: number;
  label: string;
  /** Where it went (the BatchApi's description). */
  service: string;
  inputFileId: string;
  /** Request keys of its lines (custom_id). */
  keys: readonly string[];
  /** Unix milliseconds. */
  submittedAt: number;
  /** As the service reported it at creation; "validating" when not given. */
  status?: BatchStatus;
}

export interface BatchCounts {
  total: number;
  completed: number;
  failed: number;
}

/** A recorded batch as it stands in the store. */
/** A batch whose input is uploaded and whose create may or may not have reached the provider. */
export type PendingBatch = Omit<SubmittedBatch, "id" | "submittedAt" | "status">;

export interface BatchRecord {
  id: string;
  wave: number;
  label: string;
  service: string;
  inputFileId: string;
  status: BatchStatus;
  /** The service's counts as last seen; absent until it reported some. */
  counts?: BatchCounts;
  /** Why it failed, expired or was cancelled, as the service said. */
  error?: string;
  submittedAt: number;
  updatedAt: number;
  /** When its results were taken in (finishBatch); absent while it is open. */
  collectedAt?: number;
  /** Its lines, and those of them whose reply the store holds (from it or from any other call). */
  lines: number;
  answered: number;
}

export interface StoreStatus {
  documents: Record<DocumentStatus, number>;
  /** Per level: documents whose level is finished, items kept and dropped. */
  levels: Record<string, { documents: number; kept: number; dropped: number }>;
  replies: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** The part of the replies and tokens above that came from batches (priced at the batch price). */
  batched: ReplyUsage;
  config: Record<string, unknown> | undefined;
}

const SCHEMA_VERSION = 1;
/**
 * Level names by rank in a store written before it recorded them (meta "level_names"): the ranks
 * the synthesis pipeline has always used.
 */
const UNRECORDED_LEVEL_NAMES: Record<number, string> = { 0: "micro", 1: "scatter", 2: "macro", 3: "self-qa" };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replies (
  key TEXT PRIMARY KEY,
  step TEXT NOT NULL,
  text TEXT NOT NULL,
  finish_reason TEXT,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
  doc_key TEXT PRIMARY KEY,
  article_index INTEGER NOT NULL,
  source_id TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS levels (
  doc_key TEXT NOT NULL,
  level TEXT NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY (doc_key, level)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS items (
  doc_key TEXT NOT NULL,
  level_rank INTEGER NOT NULL,
  position INTEGER NOT NULL,
  article_index INTEGER NOT NULL,
  kept INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (doc_key, level_rank, kept, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_in_order ON items (kept, article_index, level_rank, position);
-- The last curation's decision on kept items: each removed item with its reason, and what a step
-- learned of items it kept (a judge's score). Items have no row until curated.
CREATE TABLE IF NOT EXISTS curation (
  doc_key TEXT NOT NULL,
  level_rank INTEGER NOT NULL,
  position INTEGER NOT NULL,
  removed INTEGER NOT NULL,
  reason TEXT,
  detail TEXT NOT NULL,
  PRIMARY KEY (doc_key, level_rank, position)
) WITHOUT ROWID;
-- Batches submitted to a provider's Batch API (or a folder for vllm run-batch), each recorded
-- before anything waits on it, so that a run killed while it runs collects it instead of paying
-- again. Open until collected_at is set.
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY,
  wave INTEGER NOT NULL,
  label TEXT NOT NULL,
  service TEXT NOT NULL,
  input_file_id TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER,
  completed INTEGER,
  failed INTEGER,
  error TEXT,
  submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  collected_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_keys (
  batch_id TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (batch_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batch_keys_by_key ON batch_keys (key);
-- Replies that came from a batch (priced at the batch price); a reply without a row here came live.
CREATE TABLE IF NOT EXISTS batched_replies (
  key TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL
) WITHOUT ROWID;
-- An ordinary rowid table: its rows (kilobytes of vector each) are too large for WITHOUT ROWID,
-- which measured three to four times slower here.
CREATE TABLE IF NOT EXISTS embeddings (
  model TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  dim INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (model, text_hash)
);
`;

/**
 * 1 when a run's store holds nothing paid for or finished: only its settings and documents begun or
 * failed. A submitted batch is paid for, though no reply of it is in yet (--no-wait).
 */
const HOLDS_NOTHING = `SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'config') AND NOT EXISTS (SELECT 1 FROM replies) AND NOT EXISTS (SELECT 1 FROM embeddings)
  AND NOT EXISTS (SELECT 1 FROM items) AND NOT EXISTS (SELECT 1 FROM levels) AND NOT EXISTS (SELECT 1 FROM batches)
  AND NOT EXISTS (SELECT 1 FROM meta WHERE key LIKE 'pending_batch:%')`;

/** Hashes per embedding lookup: one statement binds the model and this many hashes. */
const EMBEDDING_LOOKUP_BATCH = 500;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function storeError(path: string, action: string, error: unknown): StoreError {
  // Already named (a read inside a read): kept as it is.
  if (error instanceof StoreError) return error;
  const code = (error as { code?: string })?.code;
  const reason =
    code === "SQLITE_FULL"
      ? "the disk (or the store's size limit) is full"
      : code === "SQLITE_BUSY"
        ? "another process holds the store"
        : code === "SQLITE_NOTADB"
          ? "the file is not a foveate store"
          : code === "SQLITE_CORRUPT"
            ? "the store is damaged (corrupt)"
            : error instanceof Error
            ? error.message
            : String(error);
  return new StoreError(`run store ${path}: cannot ${action}: ${reason}`, { cause: error });
}

/**
 * What an opened SQLite file holds: nothing yet (a new, empty file: a new store), a foveate store
 * (its meta table records a schema version), or another program's database. A damaged file fails
 * SQLite's quick check (which reads every page, without checking indexes against their tables) and
 * throws SQLITE_CORRUPT.
 */
function inspect(db: Database.Database): "new" | "store" | "other" {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  const problems = db.prepare<[], string>("PRAGMA quick_check").pluck().all();
  if (problems.length !== 1 || problems[0] !== "ok") {
    throw Object.assign(new Error(problems.slice(0, 3).join("; ")), { code: "SQLITE_CORRUPT" });
  }
  if (tables.length === 0) return "new";
  if (!tables.includes("meta")) return "other";
  const version = db.prepare<[], number>("SELECT count(*) FROM meta WHERE key = 'schema_version'").pluck().get();
  return version === 1 ? "store" : "other";
}

/**
 * Writers' claims this process holds (meta "writer": "pid:uuid"). A claim of another process is
 * alive while that process is; one of this process while its store is open, so that two runs in
 * one process (a library user, the tests) are told apart as two processes are.
 */
const CLAIMS_HELD_HERE = new Set<string>();

/** The process id of a live claim, or undefined when the claim died with its process. */
function liveClaimant(claim: string): number | undefined {
  const pid = Number.parseInt(claim, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid) return CLAIMS_HELD_HERE.has(claim) ? pid : undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as { code?: string }).code === "EPERM" ? pid : undefined;
  }
}

interface EmbeddingStatements {
  /** By the number of hashes bound. */
  lookup: Map<number, Database.Statement<unknown[], { text_hash: string; dim: number; vector: Buffer }>>;
  put: Database.Statement<[string, string, number, Buffer]>;
}

export class RunStore {
  private readonly statements;
  /** Embedding statements, prepared on first use (a store opened read-only may predate the table). */
  private embeddingStatements: EmbeddingStatements | undefined;
  /** Level names by rank, as recorded in meta "level_names"; undefined until first needed. */
  private levelNames: Record<number, string> | undefined;
  /** This store's writer's claim, when it was opened as the one writer (see open). */
  private claim: string | undefined;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    /** Whether this process created the file (close removes it again when it stayed empty). */
    private readonly created: boolean = false,
  ) {
    this.statements = {
      getReply: db.prepare<[string], Record<string, unknown>>("SELECT * FROM replies WHERE key = ?"),
      putReply: db.prepare(
        `INSERT OR IGNORE INTO replies (key, step, text, finish_reason, prompt_tokens, completion_tokens, cached_tokens, attempts, created_at)
         VALUES (@key, @step, @text, @finishReason, @promptTokens, @completionTokens, @cachedPromptTokens, @attempts, @createdAt)`,
      ),
      getDocument: db.prepare<[string], { status: DocumentStatus }>("SELECT status FROM documents WHERE doc_key = ?"),
      getLevels: db.prepare<[string], { level: string; outcome: string }>("SELECT level, outcome FROM levels WHERE doc_key = ?"),
      setDocument: db.prepare(
        `INSERT INTO documents (doc_key, article_index, source_id, status, error, updated_at) VALUES (@key, @index, @sourceId, @status, @error, @now)
         ON CONFLICT (doc_key) DO UPDATE SET article_index = @index, source_id = @sourceId, status = @status, error = @error, updated_at = @now`,
      ),
      putLevel: db.prepare("INSERT OR REPLACE INTO levels (doc_key, level, outcome) VALUES (?, ?, ?)"),
      deleteItems: db.prepare("DELETE FROM items WHERE doc_key = ? AND level_rank = ?"),
      putItem: db.prepare("INSERT INTO items (doc_key, level_rank, position, article_index, kept, record) VALUES (?, ?, ?, ?, ?, ?)"),
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
      deleteMeta: db.prepare("DELETE FROM meta WHERE key = ?"),
    };
  }

  /**
   * Open (or create) the store at `path`. Read-only, it creates nothing: the connection may write
   * no row, and, being allowed to clean up, leaves no empty `-wal`/`-shm` files behind at close
   * (a read-only SQLite connection would create them and could not remove them).
   */
  static open(path: string, options: { readonly?: boolean; writer?: boolean | "curation" } = {}): RunStore {
    const readonly = options.readonly ?? false;
    if (readonly && !existsSync(path)) throw new StoreError(`run store ${path}: no such file`);
    if (existsSync(path) && statSync(path).isDirectory()) throw new StoreError(`run store ${path}: is a directory, not a store file`);
    const created = !existsSync(path);
    let db: Database.Database | undefined;
    let version: string | undefined;
    try {
      db = RunStore.connect(path, readonly);
      db.pragma("busy_timeout = 5000");
      if (readonly) db.pragma("query_only = ON");
      // Before anything is written (even the journal mode, which is in the file's header): a damaged
      // store or another program's database is refused as it is.
      const found = inspect(db);
      if (found === "other" || (found === "new" && readonly)) {
        db.close();
        throw new StoreError(`run store ${path}: ${found === "other" ? "another program's SQLite database, not a foveate store; it was left untouched" : "an empty file, not a foveate store"}`);
      }
      if (!readonly) {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
        // One transaction: a store is never left with foveate's tables but no schema version.
        db.transaction(() => {
          db!.exec(SCHEMA);
          db!.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
        }).immediate();
      }
      version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value;
    } catch (error) {
      // Closed, the last connection removes the -wal and -shm files it made.
      if (db?.open) db.close();
      if (error instanceof StoreError) throw error;
      throw storeError(path, "open it", error);
    }
    const store = new RunStore(db, path, created);
    if (version !== undefined && Number(version) !== SCHEMA_VERSION) {
      db.close();
      throw new StoreError(`run store ${path} has schema version ${version}; this foveate reads version ${SCHEMA_VERSION}`);
    }
    if (options.writer && !readonly) store.claimWriter(options.writer === "curation" ? "curate it when the run has ended" : "wait for it to end, or give this run another --store");
    return store;
  }

  /**
   * Claims the store for this process as its one writer (a run), or refuses when a live process
   * holds it. The claim is a meta row, not a lock file: nothing is left beside the store, readers
   * (status, export) are not held up, and a claim whose process died (a kill -9) is taken over.
   */
  private claimWriter(advice: string): void {
    const claim = `${process.pid}:${randomUUID()}`;
    let holder: number | undefined;
    try {
      holder = this.db
        .transaction(() => {
          const current = this.statements.getMeta.get("writer")?.value;
          const pid = current === undefined ? undefined : liveClaimant(current);
          if (pid === undefined) this.statements.setMeta.run("writer", claim);
          return pid;
        })
        .immediate();
    } catch (error) {
      this.db.close();
      throw storeError(this.path, "claim it for this run", error);
    }
    if (holder !== undefined) {
      // Closed without clean-up: the file is the other run's.
      this.db.close();
      throw new StoreError(`run store ${this.path}: in use by another run (process ${holder}); ${advice}`);
    }
    this.claim = claim;
    CLAIMS_HELD_HERE.add(claim);
  }

  /** A connection; to read, a writable one when the file allows it (see open), else a read-only one. */
  private static connect(path: string, readonly: boolean): Database.Database {
    if (!readonly) return new Database(path);
    try {
      return new Database(path, { fileMustExist: true });
    } catch {
      return new Database(path, { readonly: true, fileMustExist: true });
    }
  }

  /**
   * Close the store. A run's store has its WAL checkpointed and truncated first, so that it does
   * not stay many times the store's size while a reader keeps it open; a store this process created
   * for a run (its settings are written) that holds no reply, embedding, item or finished level (the first call failed: a bad key, no server) is removed,
   * so that a failed start leaves no empty store behind.
   */
  close(): void {
    if (!this.db.open) return;
    const writable = !this.db.readonly && !this.db.pragma("query_only", { simple: true });
    let empty = false;
    if (writable) {
      try {
        if (this.claim !== undefined) this.db.prepare("DELETE FROM meta WHERE key = 'writer' AND value = ?").run(this.claim);
      } catch {
        // A claim that cannot be removed (a full disk) dies with this process.
      }
      try {
        this.db.pragma("wal_checkpoint(TRUNCATE)");
        empty = this.created && this.db.prepare(HOLDS_NOTHING).pluck().get() === 1;
      } catch {
        // A store that cannot be checkpointed (a full disk) is closed as it is; its WAL holds every commit.
      }
    }
    this.db.close();
    if (this.claim !== undefined) CLAIMS_HELD_HERE.delete(this.claim);
    if (empty) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${this.path}${suffix}`, { force: true });
  }

  /** For tests of a full disk: cap the file at this many pages. */
  limitPages(pages: number): void {
    this.db.pragma(`max_page_count = ${pages}`);
  }

  /** Runs a read or write of the store; what fails names the store and what was being done. */
  private write<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(this.path, action, error);
    }
  }

  private read<T>(action: string, work: () => T): T {
    return this.write(action, work);
  }

  /** The rows of a query as they come, a failure at any row named as read() names it. */
  private *readRows<T>(action: string, rows: () => IterableIterator<T>): Generator<T> {
    let iterator: IterableIterator<T>;
    try {
      iterator = rows();
    } catch (error) {
      throw storeError(this.path, action, error);
    }
    try {
      for (;;) {
        let next: IteratorResult<T>;
        try {
          next = iterator.next();
        } catch (error) {
          throw storeError(this.path, action, error);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A reader that stops early (a break, a throw) ends the query, or the connection stays busy and cannot close.
      iterator.return?.();
    }
  }

  meta(key: string): string | undefined {
    return this.read("read the run's settings", () => this.statements.getMeta.get(key)?.value);
  }

  setMeta(key: string, value: string): void {
    this.write("save the run's settings", () => this.statements.setMeta.run(key, value));
  }

  /** The settings the run was started with, or undefined for a new store. */
  readConfig(): Record<string, unknown> | undefined {
    const json = this.meta("config");
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  }

  writeConfig(config: Record<string, unknown>): void {
    this.setMeta("config", JSON.stringify(config));
  }

  /** Forget the run (settings, documents, items) but keep every reply: they stay valid for identical requests. */
  resetRun(): void {
    this.write("reset the run", () =>
      this.db.transaction(() => {
        this.db.exec(
          "DELETE FROM items; DELETE FROM levels; DELETE FROM documents; DELETE FROM curation; DELETE FROM meta WHERE key IN ('config', 'curation');",
        );
      })(),
    );
  }

  getReply(key: string): StoredReply | undefined {
    const row = this.read("read a reply", () => this.statements.getReply.get(key));
    if (!row) return undefined;
    return {
      text: row.text as string,
      finishReason: (row.finish_reason as string | null) ?? undefined,
      promptTokens: row.prompt_tokens as number,
      completionTokens: row.completion_tokens as number,
      cachedPromptTokens: row.cached_tokens as number,
      attempts: row.attempts as number,
    };
  }

  /**
   * Commit a reply. Returns only once it is in the store. `from.batchId`: it came from that batch,
   * and is priced at the batch price; a reply the store already holds keeps its origin.
   */
  putReply(key: string, step: string, completion: Completion, from: { batchId?: string } = {}): void {
    this.write("save a reply", () =>
      this.db.transaction(() => {
        const { changes } = this.statements.putReply.run({
          key,
          step,
          text: completion.text,
          finishReason: completion.finishReason ?? null,
          promptTokens: completion.usage.promptTokens,
          completionTokens: completion.usage.completionTokens,
          cachedPromptTokens: completion.usage.cachedPromptTokens,
          attempts: completion.attempts,
          createdAt: Date.now(),
        });
        if (changes === 1 && from.batchId !== undefined) this.db.prepare("INSERT OR REPLACE INTO batched_replies (key, batch_id) VALUES (?, ?)").run(key, from.batchId);
      })(),
    );
  }

  /**
   * Record a submitted batch with the keys of its lines, in one transaction. Call it as soon as the
   * service has created the batch and before waiting on it: once it returns, a run killed at any
   * moment finds the batch in openBatches() and collects it instead of submitting it again.
   */
  recordBatch(batch: SubmittedBatch): void {
    this.write("record a batch", () =>
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT OR IGNORE INTO batches (id, wave, label, service, input_file_id, status, submitted_at, updated_at) VALUES (@id, @wave, @label, @service, @inputFileId, @status, @submittedAt, @submittedAt)`,
          )
          .run({ status: batch.status ?? "validating", id: batch.id, wave: batch.wave, label: batch.label, service: batch.service, inputFileId: batch.inputFileId, submittedAt: batch.submittedAt });
        const put = this.db.prepare("INSERT OR IGNORE INTO batch_keys (batch_id, key) VALUES (?, ?)");
        for (const key of batch.keys) put.run(batch.id, key);
        this.statements.deleteMeta.run(`pending_batch:${batch.inputFileId}`);
      })(),
    );
  }

  /** Save what the service last said of a recorded batch: its status, counts, and why it failed when it did. */
  updateBatch(id: string, update: { status: BatchStatus; counts?: BatchCounts; error?: string }): void {
    const { changes } = this.write("update a batch", () =>
      this.db
        .prepare(
          `UPDATE batches SET status = @status, total = coalesce(@total, total), completed = coalesce(@completed, completed), failed = coalesce(@failed, failed),
           error = coalesce(@error, error), updated_at = @now WHERE id = @id`,
        )
        .run({ id, status: update.status, total: update.counts?.total ?? null, completed: update.counts?.completed ?? null, failed: update.counts?.failed ?? null, error: update.error ?? null, now: Date.now() }),
    );
    if (changes !== 1) throw new Error(`run store ${this.path}: no batch ${id} recorded`);
  }

  /** Mark a batch collected: its results are in the store (or given up on); it is no longer open. */
  finishBatch(id: string): void {
    const { changes } = this.write("update a batch", () => this.db.prepare("UPDATE batches SET collected_at = ? WHERE id = ? AND collected_at IS NULL").run(Date.now(), id));
    if (changes !== 1 && this.batchRows("WHERE b.id = ?", id).length === 0) throw new Error(`run store ${this.path}: no batch ${id} recorded`);
  }

  /** The highest wave any batch of this store was recorded in, or is being created in (-1 when none): waves go on from it. */
  lastWave(): number {
    const recorded = this.hasTable("batches") ? this.read("read the batches", () => this.db.prepare<[], number | null>("SELECT max(wave) FROM batches").pluck().get() ?? -1) : -1;
    return Math.max(recorded, ...this.pendingBatches().map((p) => p.wave));
  }

  /**
   * A batch being created: its input file is uploaded, the provider's reply to the create is not
   * in yet. Recorded (one per input file) before the create is sent, so that a run stopped meanwhile
   * finds (or makes) that batch from the same file instead of submitting the lines again;
   * `recordBatch` of a batch made from the file clears it in the same transaction.
   */
  setPendingBatch(pending: PendingBatch): void {
    this.setMeta(`pending_batch:${pending.inputFileId}`, JSON.stringify(pending));
  }

  /** Forget a batch being created (its create was refused for good). */
  clearPendingBatch(inputFileId: string): void {
    this.write("record a batch", () => this.statements.deleteMeta.run(`pending_batch:${inputFileId}`));
  }

  /** Batches being created, oldest first. */
  pendingBatches(): PendingBatch[] {
    return this.read("read the batches", () =>
      this.db
        .prepare<[], string>("SELECT value FROM meta WHERE key LIKE 'pending_batch:%' ORDER BY rowid")
        .pluck()
        .all()
        .map((json) => JSON.parse(json) as PendingBatch),
    );
  }

  /** Batches submitted and not yet collected, oldest first, with the keys of their lines. */
  openBatches(): Array<BatchRecord & { keys: string[] }> {
    return this.batchRows("WHERE b.collected_at IS NULL").map((batch) => ({
      ...batch,
      keys: this.read("read a batch", () => this.db.prepare<[string], string>("SELECT key FROM batch_keys WHERE batch_id = ? ORDER BY key").pluck().all(batch.id)),
    }));
  }

  /** The open batch holding a request key, if any: a call for it waits for that batch instead of paying again. */
  batchOf(key: string): BatchRecord | undefined {
    return this.batchRows("WHERE b.collected_at IS NULL AND b.id IN (SELECT batch_id FROM batch_keys WHERE key = ?)", key)[0];
  }

  /** Every recorded batch, by wave and submission: what `foveate status` shows. */
  batches(): BatchRecord[] {
    return this.batchRows("");
  }

  /** Keys of the stored replies that came from a batch. */
  batchedKeys(): Set<string> {
    if (!this.hasTable("batched_replies")) return new Set();
    return new Set(this.read("read the replies", () => this.db.prepare<[], string>("SELECT key FROM batched_replies").pluck().all()));
  }

  private batchRows(where: string, ...params: string[]): BatchRecord[] {
    // A store written before batches existed, opened read-only, has none.
    if (!this.hasTable("batches")) return [];
    const rows = this.read("read its batches", () =>
      this.db
        .prepare<string[], Record<string, string | number | null>>(
          `SELECT b.*, (SELECT count(*) FROM batch_keys k WHERE k.batch_id = b.id) AS lines,
             (SELECT count(*) FROM batch_keys k JOIN replies r ON r.key = k.key WHERE k.batch_id = b.id) AS answered
           FROM batches b ${where} ORDER BY b.wave, b.submitted_at, b.id`,
        )
        .all(...params),
    );
    return rows.map((r) => ({
      id: r.id as string,
      wave: r.wave as number,
      label: r.label as string,
      service: r.service as string,
      inputFileId: r.input_file_id as string,
      status: r.status as BatchStatus,
      ...(r.total !== null ? { counts: { total: r.total as number, completed: (r.completed as number | null) ?? 0, failed: (r.failed as number | null) ?? 0 } } : {}),
      ...(r.error !== null ? { error: r.error as string } : {}),
      submittedAt: r.submitted_at as number,
      updatedAt: r.updated_at as number,
      ...(r.collected_at !== null ? { collectedAt: r.collected_at as number } : {}),
      lines: r.lines as number,
      answered: r.answered as number,
    }));
  }

  /**
   * Cached embedding vectors of `model` (the cache's model key) by text hash; hashes the store does
   * not have are absent from the map. Looked up a batch of hashes per query.
   */
  getEmbeddings(model: string, hashes: string[]): Map<string, Float32Array> {
    const found = new Map<string, Float32Array>();
    if (hashes.length === 0) return found;
    try {
      const statements = this.embeddings();
      for (let start = 0; start < hashes.length; start += EMBEDDING_LOOKUP_BATCH) {
        const chunk = hashes.slice(start, start + EMBEDDING_LOOKUP_BATCH);
        let lookup = statements.lookup.get(chunk.length);
        if (!lookup) {
          lookup = this.db.prepare(
            `SELECT text_hash, dim, vector FROM embeddings WHERE model = ? AND text_hash IN (${chunk.map(() => "?").join(",")})`,
          );
          statements.lookup.set(chunk.length, lookup);
        }
        for (const row of lookup.all(model, ...chunk)) {
          // A row whose size does not match its length is skipped: the text is embedded again.
          if (row.vector.length === row.dim * 4) found.set(row.text_hash, vectorFromBlob(row.vector));
        }
      }
    } catch (error) {
      throw storeError(this.path, "read cached embeddings", error);
    }
    return found;
  }

  /** Commit embedding vectors of `model` by text hash, in one transaction; a stored hash is replaced. */
  putEmbeddings(model: string, entries: Array<[hash: string, vector: Float32Array]>): void {
    if (entries.length === 0) return;
    this.write("save embeddings", () => {
      const { put } = this.embeddings();
      this.db.transaction(() => {
        for (const [hash, vector] of entries) put.run(model, hash, vector.length, blobFromVector(vector));
      })();
    });
  }

  private embeddings(): EmbeddingStatements {
    this.embeddingStatements ??= {
      lookup: new Map(),
      put: this.db.prepare<[string, string, number, Buffer]>("INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)"),
    };
    return this.embeddingStatements;
  }

  /** Where a document stands, or undefined when the store has never seen it. */
  progress(docKey: string): DocumentProgress | undefined {
    const row = this.read("read a document's state", () => this.statements.getDocument.get(docKey));
    if (!row) return undefined;
    const outcomes = this.read("read a document's state", () => this.statements.getLevels.all(docKey));
    const levels = new Map(outcomes.map((l) => [l.level, JSON.parse(l.outcome) as unknown]));
    return { status: row.status, levels };
  }

  /** The content address of every stored reply. */
  replyKeys(): Set<string> {
    return new Set(this.read("read the replies", () => this.db.prepare<[], string>("SELECT key FROM replies").pluck().all()));
  }

  /** Keys of every finished document: one query, for scanning a corpus before a resume. */
  doneDocuments(): Set<string> {
    return new Set(this.read("read the documents", () => this.db.prepare<[], string>("SELECT doc_key FROM documents WHERE status = 'done'").pluck().all()));
  }

  startDocument(doc: StoredDocument): void {
    this.setStatus(doc, "running", null);
  }

  failDocument(doc: StoredDocument, error: string): void {
    this.setStatus(doc, "failed", error);
  }

  finishDocument(doc: StoredDocument): void {
    this.setStatus(doc, "done", null);
  }

  private setStatus(doc: StoredDocument, status: DocumentStatus, error: string | null): void {
    this.write("save a document's state", () =>
      this.statements.setDocument.run({ key: doc.key, index: doc.index, sourceId: doc.sourceId, status, error, now: Date.now() }),
    );
  }

  /** Save one finished level of a document with its kept and dropped items, in one transaction. */
  saveLevel(doc: StoredDocument, finished: FinishedLevel): void {
    const { level, rank } = finished;
    const names = this.recordedLevelNames();
    const newName = names[rank] !== level;
    this.write("save a finished level", () =>
      this.db.transaction(() => {
        this.statements.deleteItems.run(doc.key, rank);
        // A decision on an item of a level run again would fall on another item.
        this.db.prepare("DELETE FROM curation WHERE doc_key = ? AND level_rank = ?").run(doc.key, rank);
        finished.kept.forEach((record, i) => this.statements.putItem.run(doc.key, rank, i, doc.index, 1, JSON.stringify(record)));
        finished.dropped.forEach((item, i) => this.statements.putItem.run(doc.key, rank, i, doc.index, 0, JSON.stringify(item)));
        this.statements.putLevel.run(doc.key, level, JSON.stringify(finished.outcome));
        if (newName) this.statements.setMeta.run("level_names", JSON.stringify({ ...names, [rank]: level }));
      })(),
    );
    if (newName) this.levelNames = { ...names, [rank]: level };
  }

  /** Level names by rank as this store has recorded them (none for a store from before). */
  private recordedLevelNames(): Record<number, string> {
    if (!this.levelNames) {
      const json = this.meta("level_names");
      this.levelNames = json === undefined ? {} : (JSON.parse(json) as Record<number, string>);
    }
    return this.levelNames;
  }

  /**
   * Every kept record of every finished level, in document order and level rank: the dataset.
   * Records come back as saved; `R` is the type the caller saved them as. `curated`: without the
   * items the last curation removed (what `export` writes).
   */
  *records<R = unknown>(options: { curated?: boolean } = {}): Generator<R> {
    const curated = options.curated === true && this.hasTable("curation");
    const sql = curated
      ? `SELECT i.record FROM items i LEFT JOIN curation c ON c.doc_key = i.doc_key AND c.level_rank = i.level_rank AND c.position = i.position
         WHERE i.kept = 1 AND coalesce(c.removed, 0) = 0 ORDER BY i.article_index, i.level_rank, i.position`
      : "SELECT record FROM items WHERE kept = 1 ORDER BY article_index, level_rank, position";
    const rows = this.readRows("read its records", () => this.db.prepare<[], { record: string }>(sql).iterate());
    for (const row of rows) yield JSON.parse(row.record) as R;
  }

  /**
   * What `records({ curated: true })` gives, each with where it is: to match a record with the
   * last curation's decision on it (a judge's score).
   */
  *curatedItems<R = unknown>(): Generator<KeptItem<R>> {
    const curated = this.hasTable("curation");
    const sql = `SELECT i.doc_key, i.level_rank, i.position, i.record FROM items i
      ${curated ? "LEFT JOIN curation c ON c.doc_key = i.doc_key AND c.level_rank = i.level_rank AND c.position = i.position" : ""}
      WHERE i.kept = 1 ${curated ? "AND coalesce(c.removed, 0) = 0" : ""} ORDER BY i.article_index, i.level_rank, i.position`;
    const rows = this.readRows("read its records", () =>
      this.db.prepare<[], { doc_key: string; level_rank: number; position: number; record: string }>(sql).iterate(),
    );
    for (const row of rows) yield { id: { docKey: row.doc_key, rank: row.level_rank, position: row.position }, record: JSON.parse(row.record) as R };
  }

  /**
   * The kept items of finished documents, in dataset order, with where each is: what curation
   * decides on. Items of documents still unfinished are left out (their levels may be run again).
   */
  *finishedItems<R = unknown>(): Generator<KeptItem<R>> {
    const rows = this.readRows("read its records", () =>
      this.db
        .prepare<[], { doc_key: string; level_rank: number; position: number; record: string }>(
          `SELECT i.doc_key, i.level_rank, i.position, i.record FROM items i JOIN documents d ON d.doc_key = i.doc_key
           WHERE i.kept = 1 AND d.status = 'done' ORDER BY i.article_index, i.level_rank, i.position`,
        )
        .iterate(),
    );
    for (const row of rows) yield { id: { docKey: row.doc_key, rank: row.level_rank, position: row.position }, record: JSON.parse(row.record) as R };
  }

  /**
   * Record a curation: replaces the last one's decisions (and its summary, meta "curation") in one
   * transaction, so a store holds the decisions of one curation, whole.
   */
  saveCuration(decisions: readonly CurationDecision[], summary: unknown): void {
    this.write("save the curation", () =>
      this.db.transaction(() => {
        this.db.exec("DELETE FROM curation");
        const put = this.db.prepare("INSERT INTO curation (doc_key, level_rank, position, removed, reason, detail) VALUES (?, ?, ?, ?, ?, ?)");
        for (const d of decisions) put.run(d.id.docKey, d.id.rank, d.id.position, d.removedFor === undefined ? 0 : 1, d.removedFor ?? null, JSON.stringify(d.detail));
        this.statements.setMeta.run("curation", JSON.stringify(summary));
      })(),
    );
  }

  /** The last curation's decisions, in dataset order; none when the store was never curated. */
  *curationDecisions(): Generator<CurationDecision> {
    if (!this.hasTable("curation")) return;
    const rows = this.readRows("read its curation", () =>
      this.db
        .prepare<[], { doc_key: string; level_rank: number; position: number; reason: string | null; detail: string }>(
          `SELECT c.doc_key, c.level_rank, c.position, c.reason, c.detail FROM curation c
           LEFT JOIN items i ON i.doc_key = c.doc_key AND i.level_rank = c.level_rank AND i.position = c.position AND i.kept = 1
           ORDER BY i.article_index, c.level_rank, c.position`,
        )
        .iterate(),
    );
    for (const row of rows) {
      yield {
        id: { docKey: row.doc_key, rank: row.level_rank, position: row.position },
        ...(row.reason !== null ? { removedFor: row.reason } : {}),
        detail: JSON.parse(row.detail) as unknown,
      };
    }
  }

  /** Items the last curation removed, by reason; empty when the store was never curated. */
  removedCounts(): Record<string, number> {
    if (!this.hasTable("curation")) return {};
    const rows = this.read("read its curation", () =>
      this.db.prepare<[], { reason: string; n: number }>("SELECT reason, count(*) AS n FROM curation WHERE removed = 1 GROUP BY reason ORDER BY reason").all(),
    );
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  /** What the last curation recorded of itself (its settings and counts), as the caller saved it. */
  curationSummary<S = unknown>(): S | undefined {
    const json = this.meta("curation");
    return json === undefined ? undefined : (JSON.parse(json) as S);
  }

  /** Whether the store has the table: a store written by an earlier foveate and opened read-only may lack a newer one. */
  private hasTable(name: string): boolean {
    return this.read("read its tables", () => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined);
  }

  /** The saved level outcomes of every finished document, in document order: what a run's counts are made of. */
  *finishedLevelOutcomes<O = unknown>(): Generator<O> {
    const rows = this.readRows("read its finished levels", () =>
      this.db
        .prepare<[], { outcome: string }>(
          "SELECT l.outcome FROM levels l JOIN documents d ON d.doc_key = l.doc_key WHERE d.status = 'done' ORDER BY d.article_index, d.doc_key, l.level",
        )
        .iterate(),
    );
    for (const row of rows) yield JSON.parse(row.outcome) as O;
  }

  status(): StoreStatus {
    return this.read("read its status", () => this.readStatus());
  }

  private readStatus(): StoreStatus {
    const documents: Record<DocumentStatus, number> = { running: 0, done: 0, failed: 0 };
    for (const row of this.db.prepare<[], { status: DocumentStatus; n: number }>("SELECT status, count(*) AS n FROM documents GROUP BY status").all()) {
      documents[row.status] = row.n;
    }
    const levels: StoreStatus["levels"] = {};
    const byRank = { ...UNRECORDED_LEVEL_NAMES, ...this.recordedLevelNames() };
    const rankOf = new Map(Object.entries(byRank).map(([rank, level]) => [level, Number(rank)]));
    const rows = this.db.prepare<[], { level: string; n: number }>("SELECT level, count(*) AS n FROM levels GROUP BY level").all();
    rows.sort((a, b) => (rankOf.get(a.level) ?? Infinity) - (rankOf.get(b.level) ?? Infinity));
    for (const row of rows) {
      levels[row.level] = { documents: row.n, kept: 0, dropped: 0 };
    }
    for (const row of this.db
      .prepare<[], { rank: number; kept: number; n: number }>("SELECT level_rank AS rank, kept, count(*) AS n FROM items GROUP BY level_rank, kept")
      .all()) {
      const level = (levels[byRank[row.rank] ?? "?"] ??= { documents: 0, kept: 0, dropped: 0 });
      if (row.kept) level.kept += row.n;
      else level.dropped += row.n;
    }
    return { documents, levels, ...this.replyUsage(false), batched: this.replyUsage(false, true), config: this.readConfig() };
  }

  /** Replies and tokens of the curation's calls (a judge's), counted apart from the run's. */
  curationUsage(): ReplyUsage {
    return this.read("read its replies", () => this.replyUsage(true));
  }

  /**
   * Replies and tokens of the run (curation: false) or of its curation, told apart by their step;
   * `batched`: only those that came from a batch.
   */
  private replyUsage(curation: boolean, batched = false): ReplyUsage {
    if (batched && !this.hasTable("batched_replies")) return { replies: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
    const usage = this.db
      .prepare<[{ prefix: string }], { n: number; p: number | null; c: number | null; k: number | null }>(
        `SELECT count(*) AS n, sum(prompt_tokens) AS p, sum(completion_tokens) AS c, sum(cached_tokens) AS k FROM replies
         WHERE (substr(step, 1, length(@prefix)) = @prefix) = ${curation ? 1 : 0}${batched ? " AND key IN (SELECT key FROM batched_replies)" : ""}`,
      )
      .get({ prefix: CURATION_STEP_PREFIX })!;
    return { replies: usage.n, promptTokens: usage.p ?? 0, completionTokens: usage.c ?? 0, cachedPromptTokens: usage.k ?? 0 };
  }
}

/** A vector as little-endian float32 bytes. */
function blobFromVector(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes;
}

/** A copy of little-endian float32 bytes as a vector (the blob need not be 4-byte aligned). */
function vectorFromBlob(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
