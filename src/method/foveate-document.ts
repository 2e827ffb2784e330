import type { DocumentContext } from "./context.js";
import type { LevelPlan } from "./level-plan.js";
import type { Level } from "./levels.js";
import { macroPlan } from "./macro.js";
import { microPlan } from "./micro.js";
import { runLevel, type LevelOutcome } from "./run-level.js";
import { scatterPlan } from "./scatter.js";

const PLANS: { [L in Level]: LevelPlan<any> } = { micro: microPlan, scatter: scatterPlan, macro: macroPlan };

/** Self-Foveate on one document: the chosen levels run side by side. */
export function foveateDocument(ctx: DocumentContext): Promise<LevelOutcome[]> {
  return Promise.all(ctx.settings.levels.map((level) => runLevel(ctx, PLANS[level])));
}
