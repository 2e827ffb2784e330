import type { DocumentContext } from "./context.js";
import type { LevelPlan } from "./level-plan.js";
import type { Level } from "./levels.js";
import { macroPlan } from "./macro.js";
import { microPlan } from "./micro.js";
import { runLevel, type LevelOutcome } from "./run-level.js";
import { scatterPlan } from "./scatter.js";

const PLANS: { [L in Level]: LevelPlan<any> } = { micro: microPlan, scatter: scatterPlan, macro: macroPlan };

/** Self-Foveate on one document: the given levels run side by side; each is reported as it finishes. */
export function foveateDocument(
  ctx: DocumentContext,
  levels: readonly Level[] = ctx.settings.levels,
  onLevel: (outcome: LevelOutcome) => void = () => {},
): Promise<LevelOutcome[]> {
  return Promise.all(
    levels.map(async (level) => {
      const outcome = await runLevel(ctx, PLANS[level]);
      onLevel(outcome);
      return outcome;
    }),
  );
}
