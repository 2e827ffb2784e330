import { documentCalls, finishedItemCalls, type DocumentCalls } from "../cost/estimate.js";
import type { RunSettings } from "../pipeline/resolve-settings.js";
import type { RunStats } from "../pipeline/run-stats.js";

/** The calls a run is planned to take before it starts: its documents' plans, summed. */
export interface CallPlan extends DocumentCalls {
  documents: number;
  maxRounds: number;
  /** Extraction requests a level may add when the document yields too few features. */
  extraExtractionAsks: number;
}

/** Sums the plan of every document from its budget (instructions per level); budgets repeat, so each is planned once. */
export function planCalls(settings: Pick<RunSettings, "method" | "methodSettings">, budgets: Iterable<number>): CallPlan {
  const { levels, maxRounds, important, extraExtractionAsks } = settings.methodSettings;
  const input = { method: settings.method, levels, maxRounds, important: important !== undefined };
  const perBudget = new Map<number, DocumentCalls>();
  const plan: CallPlan = { documents: 0, fixed: 0, perItem: 0, maxRounds, extraExtractionAsks };
  for (const budget of budgets) {
    let calls = perBudget.get(budget);
    if (calls === undefined) perBudget.set(budget, (calls = documentCalls(input, budget)));
    plan.documents++;
    plan.fixed += calls.fixed;
    plan.perItem += calls.perItem;
  }
  return plan;
}

/** Where a run stands against its plan, in calls. */
export interface CallsProgress {
  /** The calls the whole run should take, corrected by what it has seen so far. */
  callsPlanned: number;
  /** Calls answered: sent in this run, replayed from the run store, or made by an earlier run for documents it finished. */
  callsDone: number;
}

type PlanStats = Pick<RunStats, "calls" | "replayedCalls" | "invalidReplies" | "documents" | "documentsResumed" | "levels">;

/**
 * The plan corrected by the run so far. What the plan cannot know is measured on the documents
 * finished: the item calls they took (answers, re-synthesis rounds; see finishedItemCalls), and the
 * extraction requests they added when they yielded too few features. When they took more than
 * planned, their ratio scales the plan of the whole run; when they took less, only their own plan
 * is replaced by what they took. The first documents to finish are those whose items went well,
 * which makes a ratio below 1 untrustworthy while they finish (it hid the ETA on 48 documents run
 * side by side), while one above 1 told the truth early (on 480 documents). Replies that were
 * unusable and asked for again scale every call. A document that an earlier run finished comes
 * back from the store without a call, so it counts as done by its share of the plan.
 */
export function callsProgress(plan: CallPlan, stats: PlanStats): CallsProgress {
  // Self-QA makes one call per document whatever its pairs: it has no item calls to measure.
  const levels = Object.entries(stats.levels).flatMap(([level, counts]) => (level === "self-qa" ? [] : [counts]));
  const items = finishedItemCalls(levels, plan.maxRounds);
  const fixedPerDocument = plan.documents > 0 ? plan.fixed / plan.documents : 0;
  // A level short of features asked again up to extraExtractionAsks times (fewer when an ask brought
  // nothing new); a finished document counts once per level however many features it lacks.
  let extraAsks = 0;
  for (const level of levels) extraAsks += Math.min(level.notYielded, stats.documents) * plan.extraExtractionAsks;
  const plannedFinished = stats.documents * fixedPerDocument + items.planned;
  const tookFinished = stats.documents * fixedPerDocument + extraAsks + items.took;
  const planned = plan.fixed + plan.perItem;
  const ratio = plannedFinished > 0 ? tookFinished / plannedFinished : 1;
  const whole = Math.max(planned * ratio, planned - plannedFinished + tookFinished);
  const answered = stats.calls + stats.replayedCalls;
  const reasked = answered > stats.invalidReplies ? answered / (answered - stats.invalidReplies) : 1;
  const callsPlanned = Math.round(whole * reasked);
  const resumed = plan.documents > 0 ? (stats.documentsResumed / plan.documents) * callsPlanned : 0;
  return { callsPlanned, callsDone: Math.round(answered + resumed) };
}
