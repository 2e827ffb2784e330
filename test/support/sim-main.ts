/**
 * The simulated server as a process, for benchmarks that want it apart from the code they
 * measure:
 *
 *   npx tsx test/support/sim-main.ts --port 0 --latency 50 --rate429 0.1 --ignore-response-format
 *   npx tsx test/support/sim-main.ts --latency 100 --max-concurrent 8 --limit-requests 500 --limit-window-ms 60000
 *
 * Any option of SimOptions is a flag `--name value` (camelCase or kebab-case); boolean options are
 * bare flags (or `--name false`); list options take commas (`--models a,b`). `--latency` is short
 * for `--latency-ms`. Prints the base URL as one line on stdout; on SIGTERM or SIGINT it closes and
 * prints the final statistics as one JSON line.
 */
import { pathToFileURL } from "node:url";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimOptions } from "./sim-server.js";

export { startSimServer };

const ALIASES: Record<string, keyof SimOptions> = { latency: "latencyMs", jitter: "latencyJitterMs", key: "apiKey" };

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Read `--name value` flags into options; throws an Error naming a bad flag or value. */
export function parseSimFlags(argv: readonly string[]): Partial<SimOptions> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-zA-Z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}" (flags look like --name value)`);
    const name = ALIASES[m[1]!] ?? (camel(m[1]!) as keyof SimOptions);
    if (!(name in DEFAULT_SIM_OPTIONS)) throw new Error(`unknown flag --${m[1]}`);
    const example = DEFAULT_SIM_OPTIONS[name];
    if (typeof example === "boolean") {
      const next = m[2] ?? (argv[i + 1] === "true" || argv[i + 1] === "false" ? argv[++i] : undefined);
      out[name] = next === undefined ? true : next === "true";
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag --${m[1]} needs a value`);
    if (Array.isArray(example)) out[name] = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    else if (typeof example === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`flag --${m[1]} needs a number, got "${value}"`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as Partial<SimOptions>;
}

async function main(): Promise<void> {
  let options: Partial<SimOptions>;
  try {
    options = parseSimFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`sim-main: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const sim = await startSimServer(options);
  process.stdout.write(`${sim.baseURL}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void sim.close().then(() => {
      process.stdout.write(`${JSON.stringify(sim.stats)}\n`, () => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`sim-main: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
