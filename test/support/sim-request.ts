/**
 * Reading a chat completion request the way the simulated model does: which step of the method it
 * is, the document and the task (always from the first user message), the task's tagged inputs and
 * the counts it asks for. Pure functions.
 */

/** The steps of the synthesis method. */
export const METHOD_STEPS = [
  "micro_elements",
  "micro_instructions",
  "scatter_keywords",
  "scatter_importance",
  "scatter_instructions",
  "macro_sentences",
  "macro_instructions",
  "answer",
  "resynthesis",
  "self_qa",
] as const;

/** The judges of the evaluations. */
export const JUDGE_STEPS = ["difficulty_verdict", "qa_judgement", "curate_item_judgement"] as const;

export const STEPS = [...METHOD_STEPS, ...JUDGE_STEPS] as const;
export type Step = (typeof STEPS)[number];

/** Steps whose reply is a list that a server without JSON support may give as a numbered list. */
export const LIST_STEPS: ReadonlySet<string> = new Set([
  "micro_elements",
  "scatter_keywords",
  "macro_sentences",
  "micro_instructions",
  "scatter_instructions",
  "macro_instructions",
]);

export const REASK_PREFIX = "That reply cannot be used";

export interface SimMessage {
  role: string;
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: SimMessage[];
  step: Step | "unknown";
  /** The JSON schema sent in response_format, when there was one. */
  schema: Record<string, unknown> | undefined;
  hasResponseFormat: boolean;
  document: string;
  task: string;
  /** Whether the last message asks again after an unusable reply. */
  isReask: boolean;
  /** System message plus the `<document>` block: the prefix a provider cache could reuse. */
  cachePrefix: string;
}

/** A request that cannot be served, with the status and message to answer. */
export interface RequestProblem {
  status: number;
  message: string;
  param?: string;
}

function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    // Content parts: keep the text ones.
    return content
      .map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
      .join("");
  }
  return undefined;
}

/** Validate a parsed request body and read what the simulator needs from it. */
export function readChatRequest(body: unknown): ChatRequest | RequestProblem {
  if (!body || typeof body !== "object" || Array.isArray(body)) return { status: 400, message: "the request body must be a JSON object" };
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model.length === 0) return { status: 400, message: "you must provide a model parameter", param: "model" };
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return { status: 400, message: "messages must be a non-empty array", param: "messages" };
  }
  const messages: SimMessage[] = [];
  for (const [i, m] of (b.messages as unknown[]).entries()) {
    const role = (m as { role?: unknown })?.role;
    const content = contentText((m as { content?: unknown })?.content);
    if (typeof role !== "string" || content === undefined) {
      return { status: 400, message: `messages[${i}] needs a role and a text content`, param: `messages[${i}]` };
    }
    messages.push({ role, content });
  }
  if (b.stream === true) return { status: 400, message: "stream is not supported by the simulated server", param: "stream" };

  const format = b.response_format as { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } } | undefined;
  const hasResponseFormat = format !== undefined && format !== null;
  const schemaName = typeof format?.json_schema?.name === "string" ? format.json_schema.name : undefined;
  const schema =
    format?.json_schema?.schema && typeof format.json_schema.schema === "object"
      ? (format.json_schema.schema as Record<string, unknown>)
      : undefined;

  const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const { document, task, block } = splitUserMessage(firstUser);
  const last = messages[messages.length - 1]!;
  return {
    model: b.model,
    messages,
    step: (STEPS as readonly string[]).includes(schemaName ?? "") ? (schemaName as Step) : inferStep(task),
    schema,
    hasResponseFormat,
    document,
    task,
    isReask: messages.length > 2 && last.role === "user" && last.content.startsWith(REASK_PREFIX),
    cachePrefix: system + block,
  };
}

/** The document between `<document>` tags and the task after it; without tags, the whole message is both. */
export function splitUserMessage(text: string): { document: string; task: string; block: string } {
  const open = "<document>\n";
  const close = "\n</document>";
  if (text.startsWith(open)) {
    const end = text.indexOf(close, open.length);
    if (end >= 0) {
      return {
        document: text.slice(open.length, end),
        task: text.slice(end + close.length).replace(/^\s+/, ""),
        block: text.slice(0, end + close.length),
      };
    }
  }
  return { document: text, task: text, block: "" };
}

/** The text of `<tag>\n...\n</tag>` in the task, or undefined. */
export function tagText(task: string, tag: string): string | undefined {
  const open = `<${tag}>\n`;
  const start = task.indexOf(open);
  if (start < 0) return undefined;
  const end = task.indexOf(`\n</${tag}>`, start + open.length);
  return end < 0 ? undefined : task.slice(start + open.length, end);
}

/** The JSON inside a tag, or undefined when absent or not JSON. */
export function tagJson(task: string, tag: string): unknown {
  const text = tagText(task, tag);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A tag holding a JSON list of strings; [] when absent. */
export function tagStrings(task: string, tag: string): string[] {
  const value = tagJson(task, tag);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The step, from the "Reply as {...}" line and the task text, for a request without a schema. */
export function inferStep(task: string): Step | "unknown" {
  const reply = /Reply as (\{.*)$/m.exec(task)?.[1] ?? "";
  const key = /^\{\s*"(\w+)"/.exec(reply)?.[1];
  switch (key) {
    case "elements":
      return "micro_elements";
    case "keywords":
      return "scatter_keywords";
    case "core":
      return "scatter_importance";
    case "sentences":
      return "macro_sentences";
    case "answerable":
      return "answer";
    case "instruction":
      return "resynthesis";
    case "pairs":
      return "self_qa";
    case "reason":
      return task.includes("<set_1>") ? "difficulty_verdict" : "qa_judgement";
    case "groundedness":
      return "curate_item_judgement";
    case "instructions": {
      const items = tagJson(task, "items");
      if (Array.isArray(items) && items.some((item) => Array.isArray(item))) return "scatter_instructions";
      if (/\belement\b/.test(task)) return "micro_instructions";
      if (/\bsentence\b/.test(task)) return "macro_instructions";
      return "unknown";
    }
    default:
      return "unknown";
  }
}

function property(schema: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const props = schema?.properties as Record<string, Record<string, unknown>> | undefined;
  return props?.[key];
}

const positive = (n: unknown): number | undefined => (typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined);

/** How many list items the request allows: the schema's maxItems, else "at most N" in the task. */
export function listLimit(request: ChatRequest, key: string, fallback = 8): number {
  return (
    positive(property(request.schema, key)?.maxItems) ??
    positive(Number(/at most (\d+)/.exec(request.task)?.[1])) ??
    positive(Number(/\b(?:pick out|list|quote|write) (\d+)\b/.exec(request.task)?.[1])) ??
    fallback
  );
}

/** The core and major counts of the importance step: schema minItems, else "exactly N core and M major". */
export function importanceCounts(request: ChatRequest): { core: number; major: number } {
  const text = /exactly (\d+) core and (\d+) major/.exec(request.task);
  return {
    core: positive(property(request.schema, "core")?.minItems) ?? positive(Number(text?.[1])) ?? 2,
    major: positive(property(request.schema, "major")?.minItems) ?? positive(Number(text?.[2])) ?? 3,
  };
}
