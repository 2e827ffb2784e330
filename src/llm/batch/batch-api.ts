/**
 * The shapes of a provider's Batch API (OpenAI's, which Azure OpenAI, Groq, Together and others
 * follow): a JSONL file of requests is uploaded, a batch runs it within a completion window at a
 * lower price, and its output and error files come back with one line per request, in any order,
 * matched by custom_id. `BatchApi` is what a run needs of it; an HTTP implementation talks to
 * /v1/files and /v1/batches, a folder implementation hands files to `vllm run-batch`.
 */

/** One request of a batch's input file. */
export interface BatchInputLine {
  /** The request's key (its content address in the run store): results are matched by it. */
  custom_id: string;
  method: "POST";
  url: "/v1/chat/completions" | "/v1/embeddings";
  /** The request body as the live endpoint would be sent it. */
  body: Record<string, unknown>;
}

/** One line of a batch's output or error file. */
export interface BatchOutputLine {
  id?: string;
  custom_id: string;
  /** The endpoint's answer: a chat completion (or embeddings) body when status_code is 200. */
  response?: { status_code: number; request_id?: string; body: unknown } | null;
  /** Why the request was not run. */
  error?: { code?: string; message?: string } | null;
}

export type BatchStatus = "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";

/** A batch as the provider reports it (the fields a run reads). */
export interface BatchInfo {
  id: string;
  status: BatchStatus;
  input_file_id: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
  request_counts?: { total: number; completed: number; failed: number };
  /** Why the batch failed (validation errors), when it did. */
  errors?: { data?: Array<{ code?: string; message?: string; line?: number | null }> } | null;
  /** Unix seconds. */
  created_at?: number;
}

/** What a run needs of a batch service. */
export interface BatchApi {
  /** Where batches go, for messages ("https://api.openai.com/v1", "the folder ./waves"). */
  readonly description: string;
  /** Uploads the lines as one input file (purpose "batch"); resolves with its file id. */
  upload(name: string, lines: readonly BatchInputLine[], signal?: AbortSignal): Promise<string>;
  /** Creates a batch of an uploaded file, completion window "24h". */
  create(inputFileId: string, endpoint: BatchInputLine["url"], signal?: AbortSignal): Promise<BatchInfo>;
  /** The batch as it stands now. */
  get(batchId: string, signal?: AbortSignal): Promise<BatchInfo>;
  /** The lines of an output or error file. */
  download(fileId: string, signal?: AbortSignal): Promise<BatchOutputLine[]>;
  cancel(batchId: string, signal?: AbortSignal): Promise<BatchInfo>;
  /**
   * The batch made from an input file, if the service can tell (a run stopped while creating it
   * looks for it before creating it again). A service whose create is idempotent needs none.
   */
  find?(inputFileId: string, signal?: AbortSignal): Promise<BatchInfo | undefined>;
}

/** A provider's limits on one batch: lines and bytes of its input file. */
export const BATCH_MAX_LINES = 50_000;
export const BATCH_MAX_BYTES = 200 * 1024 * 1024;
