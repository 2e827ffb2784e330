import { EngineCallError } from "../errors.js";
import type { BatchApi, BatchInputLine } from "../llm/batch/batch-api.js";
import type { PendingBatch, SubmittedBatch } from "../store/run-store.js";

export type { PendingBatch } from "../store/run-store.js";

/** What submitting needs of the run store: the record of a batch being created, and of a batch made. */
export interface SubmissionLedger {
  recordBatch(batch: Omit<SubmittedBatch, "status">): void;
  setPendingBatch(pending: PendingBatch): void;
  clearPendingBatch(inputFileId: string): void;
}

/** A refusal that asking again cannot change (a 4xx other than 408 and 429): the batch was not made. */
function refusedForGood(error: unknown): boolean {
  const status = error instanceof EngineCallError ? error.details.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Uploads a batch's lines and creates the batch. The uploaded file is recorded before the create
 * is sent, so that a run stopped before its reply finds or makes this batch from the same file
 * (adoptBatch) instead of submitting the lines again; recording the batch clears that record in the
 * same transaction, and a create refused for good clears it too. Returns the batch's id.
 */
export async function submitBatch(
  api: BatchApi,
  ledger: SubmissionLedger,
  batch: { name: string; url: BatchInputLine["url"]; lines: readonly BatchInputLine[]; wave: number; label: string },
  signal: AbortSignal | undefined,
): Promise<string> {
  const inputFileId = await api.upload(batch.name, batch.lines, signal);
  const pending: PendingBatch = { wave: batch.wave, label: batch.label, service: api.description, inputFileId, keys: batch.lines.map((line) => line.custom_id) };
  ledger.setPendingBatch(pending);
  let made;
  try {
    made = await api.create(inputFileId, batch.url, signal);
  } catch (error) {
    if (refusedForGood(error)) ledger.clearPendingBatch(inputFileId);
    throw error;
  }
  ledger.recordBatch({ ...pending, id: made.id, submittedAt: Date.now() });
  return made.id;
}

/**
 * A batch an earlier run was creating when it stopped: found at the service, or made now from the
 * same uploaded file, and recorded: its id. When the service refuses it for good (the file expired
 * or is gone) its record is cleared, its lines are to be sent again, and the refusal is given back.
 */
export async function adoptBatch(
  api: BatchApi,
  ledger: SubmissionLedger,
  pending: PendingBatch,
  url: BatchInputLine["url"],
  signal: AbortSignal | undefined,
): Promise<{ id: string } | { refused: Error }> {
  let made;
  try {
    made = (await api.find?.(pending.inputFileId, signal)) ?? (await api.create(pending.inputFileId, url, signal));
  } catch (error) {
    if (!refusedForGood(error)) throw error;
    ledger.clearPendingBatch(pending.inputFileId);
    return { refused: error as Error };
  }
  ledger.recordBatch({ ...pending, id: made.id, submittedAt: Date.now() });
  return { id: made.id };
}
