import { documentCalls, itemCallRatio, type DocumentCalls } from "../cost/estimate.js";
import type { RunSettings } from "../pipeline/resolve-settings.js";
import type { RunStats } from "../pipeline/run-stats.js";

/** The calls a run is planned to take before it starts: its documents' plans, summed. */
export interface CallPlan extends DocumentCalls {
  documents: number;
  maxRounds: number;
}

/** Sums the plan of every document from its budget (instructions per level); budgets repeat, so each is planned once. */
export function planCalls(settings: Pick<RunSettings, "method" | "methodSettings">, budgets: Iterable<number>): CallPlan {
  const { levels, maxRounds, important } = settings.methodSettings;
  const input = { method: settings.method, levels, maxRounds, important: important !== undefined };
  const perBudget = new Map<number, DocumentCalls>();
  const plan: CallPlan = { documents: 0, fixed: 0, perItem: 0, maxRounds };
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

type PlanStats = Pick<RunStats, "calls" | "replayedCalls" | "invalidReplies" | "documentsResumed" | "levels">;

/**
 * The plan corrected by the run so far, and the calls done. Two things the plan cannot know are
 * measured instead: how the items of finished documents fared (re-synthesis rounds, features not
 * found), which scales the calls per item; and the share of replies that were unusable and asked
 * for again, which scales every call. A document that an earlier run finished comes back from the
 * store without a call, so it counts as done by its share of the plan.
 */
export function callsProgress(plan: CallPlan, stats: PlanStats): CallsProgress {
  const ratio = itemCallRatio(Object.values(stats.levels), plan.maxRounds) ?? 1;
  const answered = stats.calls + stats.replayedCalls;
  const reasked = answered > stats.invalidReplies ? answered / (answered - stats.invalidReplies) : 1;
  const callsPlanned = Math.round((plan.fixed + plan.perItem * ratio) * reasked);
  const resumed = plan.documents > 0 ? (stats.documentsResumed / plan.documents) * callsPlanned : 0;
  return { callsPlanned, callsDone: Math.round(answered + resumed) };
}
