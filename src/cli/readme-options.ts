import { COMMANDS, type CommandDef } from "./commands.js";
import { FLAGS, type FlagName, type FlagSpec } from "./option-table.js";

/**
 * The README's option tables, made from the option table, so the two cannot disagree: each sits
 * between `<!-- options: COMMAND -->` and `<!-- /options -->`, and a test fails when one differs
 * from what this makes (`npm run readme` writes them).
 */

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** `--mu <n>` reads `--mu N`; choices are listed: `--engine auto|api|local`. */
function flagCell(spec: FlagSpec<unknown>): string {
  const [, name, value] = /^(.*?)(?: <([\w.]+)>)?$/.exec(spec.flags)!;
  const shown = spec.choices ? (spec.choices as string[]).join("|") : value?.replace("...", " ...").toUpperCase();
  return `\`${cell(shown ? `${name} ${shown}` : name!)}\``;
}

function defaultCell(spec: FlagSpec<unknown>): string {
  if (spec.defaultHelp !== undefined) return cell(spec.defaultHelp);
  if (spec.default === undefined) return spec.flags.includes("<") ? "none" : "off";
  return `\`${cell(Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default))}\``;
}

export function commandName(def: CommandDef<readonly FlagName[]>): string {
  return def.group ? `${def.group.name} ${def.name}` : def.name;
}

/** The markdown table of one command's flags. */
export function optionsTable(def: CommandDef<readonly FlagName[]>): string {
  const rows = def.flags.map((name) => {
    const spec = FLAGS[name] as FlagSpec<unknown>;
    const required = def.required?.includes(name) ? " (required)" : "";
    return `| ${flagCell(spec)} | ${defaultCell(spec)} | ${cell(spec.help)}${required} |`;
  });
  return ["| flag | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** The README with every command's option table made anew. */
export function readmeWithOptions(readme: string): string {
  let text = readme;
  for (const def of COMMANDS as readonly CommandDef<readonly FlagName[]>[]) {
    if (def.flags.length === 0) continue;
    const open = `<!-- options: ${commandName(def)} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf("<!-- /options -->", start);
    if (start < 0 || end < 0) throw new Error(`README.md has no "${open}" ... "<!-- /options -->" block`);
    text = `${text.slice(0, start + open.length)}\n${optionsTable(def)}\n${text.slice(end)}`;
  }
  return text;
}
