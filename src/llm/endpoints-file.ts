import { InputError } from "../errors.js";
import type { EndpointSpec } from "./endpoint-spec.js";

/** What a line may leave out and the run's flags then give: every field of an endpoint but its URL. */
export type EndpointDefaults = Omit<EndpointSpec, "baseUrl">;

const NUMBER_FIELDS = ["rpm", "tpm", "concurrency"] as const;
const FIELDS = ["key", "key-env", "model", ...NUMBER_FIELDS] as const;
type Field = (typeof FIELDS)[number];

/** The form of one line, for messages. */
export const ENDPOINT_LINE_FORM = "URL [key=KEY | key-env=VARNAME] [model=NAME] [rpm=N] [tpm=N] [concurrency=N]";

/**
 * Reads an endpoints file: one endpoint per line, `URL [key=KEY | key-env=VARNAME] [model=NAME]
 * [rpm=N] [tpm=N] [concurrency=N]`, blank lines and `#` comments allowed. `defaults` fill the fields a
 * line leaves out. Every problem is an InputError naming `path` and the line.
 */
export function parseEndpoints(text: string, path: string, env: NodeJS.ProcessEnv, defaults: EndpointDefaults = {}): EndpointSpec[] {
  const endpoints: EndpointSpec[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNumber = index + 1;
    const fail = (problem: string): never => {
      throw new InputError(path, lineNumber, problem);
    };
    // A `#` starts a comment at the start of a line or after a space; inside a word (a key, a URL) it is kept.
    const words = raw.replace(/(^|\s)#.*$/, "").trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [url, ...fields] = words as [string, ...string[]];
    if (!isHttpUrl(url)) fail(`not an http(s) URL: "${url}" (expected ${ENDPOINT_LINE_FORM})`);

    const given = new Map<Field, string>();
    for (const word of fields) {
      const equals = word.indexOf("=");
      if (equals <= 0) fail(`expected FIELD=VALUE after the URL, got "${word}"`);
      const name = word.slice(0, equals);
      const value = word.slice(equals + 1);
      if (!(FIELDS as readonly string[]).includes(name)) fail(`unknown field "${name}" (expected ${FIELDS.join(", ")})`);
      if (given.has(name as Field)) fail(`${name} given twice`);
      if (value === "") fail(`${name}= has no value`);
      given.set(name as Field, value);
    }

    const spec: EndpointSpec = { baseUrl: url, ...definedOnly(defaults) };
    const key = given.get("key");
    const keyEnv = given.get("key-env");
    if (key !== undefined && keyEnv !== undefined) fail("key and key-env both given: give one");
    if (key !== undefined) spec.apiKey = key;
    if (keyEnv !== undefined) {
      const fromEnv = env[keyEnv];
      if (fromEnv === undefined || fromEnv === "") fail(`key-env=${keyEnv} names a variable that is not set`);
      spec.apiKey = fromEnv;
    }
    const model = given.get("model");
    if (model !== undefined) spec.model = model;
    for (const name of NUMBER_FIELDS) {
      const value = given.get(name);
      if (value === undefined) continue;
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) fail(`${name}=${value} is not a whole number >= 1`);
      spec[name] = n;
    }

    const identity = endpointIdentity(spec);
    const earlier = seen.get(identity);
    if (earlier !== undefined) fail(`the same URL${spec.apiKey === undefined ? " (without a key)" : " and key"} as line ${earlier}`);
    seen.set(identity, lineNumber);
    endpoints.push(spec);
  });
  if (endpoints.length === 0) throw new InputError(path, undefined, `no endpoint: every line is blank or a comment (expected ${ENDPOINT_LINE_FORM})`);
  return endpoints;
}

/** The defaults that are set: a flag not given leaves its field out rather than undefined. */
function definedOnly(defaults: EndpointDefaults): EndpointDefaults {
  return Object.fromEntries(Object.entries(defaults).filter(([, value]) => value !== undefined));
}

/** Whether `text` is an absolute http or https URL with a host. */
export function isHttpUrl(text: string): boolean {
  try {
    const { protocol, host } = new URL(text);
    return (protocol === "http:" || protocol === "https:") && host !== "";
  } catch {
    return false;
  }
}

/** What two endpoints share when they are one: the URL, however spelled (`HTTP://Host:80/v1/` is `http://host/v1`), and the key. */
export function endpointIdentity(endpoint: EndpointSpec): string {
  return `${new URL(endpoint.baseUrl).href.replace(/\/+$/, "")} ${endpoint.apiKey ?? ""}`;
}
