import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { FoveateError } from "../index.js";
import { COMMANDS, type CliIo, type CommandDef } from "./commands.js";
import { envName, FLAGS, type FlagName, type FlagSpec } from "./option-table.js";

export type { CliIo } from "./commands.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * Runs the foveate command line on `argv` (the words after `foveate`) with the given streams and
 * environment, and resolves with the exit code. Nothing here touches the process: main.ts does.
 */
export async function runFoveate(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    // Commander has printed its own message (a bad flag, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof FoveateError) {
      io.stderr.write(`foveate: ${error.message}\n`);
      return error.exitCode;
    }
    const problem = environmentProblem(error);
    if (problem) {
      io.stderr.write(`foveate: ${problem}\n`);
      return 1;
    }
    const detail = io.env.FOVEATE_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
    io.stderr.write(`foveate: unexpected error: ${detail ?? String(error)}\n(set FOVEATE_DEBUG=1 for details)\n`);
    return 70;
  }
}

/** What each file-system error a user can meet (and fix) means, in words. */
const ENVIRONMENT_PROBLEMS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EISDIR: "a directory where a file is expected",
  ENOTDIR: "a file where a directory is expected",
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  EMFILE: "too many open files",
  EFBIG: "the file is larger than this system allows (a file-size limit)",
};

/**
 * One line for an error of the user's environment rather than of foveate (a full disk, a directory
 * where a file was expected, a missing permission), naming the path when the error has one.
 */
export function environmentProblem(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  const meaning = typeof code === "string" ? ENVIRONMENT_PROBLEMS[code] : undefined;
  if (!meaning) return undefined;
  return typeof path === "string" ? `${path}: ${meaning}` : `${meaning} (${code as string})`;
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command("foveate")
    .description("Turn unlabeled text into instruction-tuning data with the Self-Foveate method.")
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const groups = new Map<string, Command>();
  for (const def of COMMANDS) {
    let parent = program;
    if (def.group) {
      let group = groups.get(def.group.name);
      if (!group) groups.set(def.group.name, (group = program.command(def.group.name).description(def.group.description)));
      parent = group;
    }
    addCommand(parent, def as CommandDef<readonly FlagName[]>, io, setExitCode);
  }
  return program;
}

function addCommand(parent: Command, def: CommandDef<readonly FlagName[]>, io: CliIo, setExitCode: (code: number) => void): void {
  const command = parent.command(def.name).description(def.description);
  for (const arg of def.args ?? []) command.argument(`<${arg.name}>`, arg.help);
  for (const name of def.flags) {
    const option = toOption(FLAGS[name] as FlagSpec<unknown>, def.repeatable?.includes(name) === true);
    if (def.required?.includes(name)) option.makeOptionMandatory();
    command.addOption(option);
    // Set after addOption, so that commander does not read process.env itself: the environment is io.env.
    if (def.env?.includes(name)) option.envVar = envName(option.flags);
  }
  if (def.helpAfter) command.addHelpText("after", def.helpAfter);
  command.hook("preAction", (_, action) => applyEnvironment(action, io.env));
  command.action(async (...received: unknown[]) => {
    const args = received.slice(0, def.args?.length ?? 0) as string[];
    const flags = command.opts();
    setExitCode(await def.action(args, flags as never, io));
  });
}

/** A flag as commander takes it; `repeatable`: whether this command takes it several times, when the table allows it. */
export function toOption(spec: FlagSpec<unknown>, repeatable: boolean): Option {
  const option = new Option(spec.flags, spec.help);
  if (spec.choices) option.choices(spec.choices as string[]);
  const parse = spec.parse;
  if (parse && spec.repeatable && !repeatable) {
    option.argParser((value: string, previous: unknown) => {
      if (previous !== undefined) throw new InvalidArgumentError("given more than once: this command takes one");
      return parse(value, previous);
    });
  } else if (parse) option.argParser(parse);
  if (spec.default !== undefined) option.default(spec.default, spec.defaultHelp);
  else if (spec.defaultHelp) option.description = `${spec.help} [default: ${spec.defaultHelp}]`;
  return option;
}

/** FOVEATE_<FLAG> from the environment, for each flag not given on the command line. */
function applyEnvironment(command: Command, env: NodeJS.ProcessEnv): void {
  for (const option of command.options) {
    const raw = option.envVar ? env[option.envVar] : undefined;
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if (raw === undefined || (source !== undefined && source !== "default")) continue;
    if (!option.required && !option.optional) {
      // FOVEATE_NO_WAIT=1 sets --no-wait: the value of a negating flag is false.
      command.setOptionValueWithSource(key, !option.negate, "env");
      continue;
    }
    const where = `${option.envVar}=${JSON.stringify(raw)}`;
    if (option.argChoices && !option.argChoices.includes(raw)) {
      command.error(`error: ${where} for option '${option.flags}' is invalid. Allowed choices are ${option.argChoices.join(", ")}.`);
    }
    try {
      command.setOptionValueWithSource(key, option.parseArg ? option.parseArg(raw, undefined) : raw, "env");
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      command.error(`error: ${where} for option '${option.flags}' is invalid. ${error.message}`);
    }
  }
}
