/**
 * Tolerant reading of model replies, for servers that ignore `response_format`: JSON inside code
 * fences or surrounded by prose, and plain numbered or bulleted lists. Pure functions.
 */

/** The first JSON value (object or array) found in the text, or undefined. */
export function extractJson(text: string): unknown {
  const candidates: string[] = [text.trim()];
  for (const fence of text.matchAll(/```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)) candidates.push(fence[1]!.trim());
  // An unterminated fence: everything after the opening one.
  const open = /```[a-zA-Z0-9_-]*[ \t]*\r?\n/.exec(text);
  if (open) candidates.push(text.slice(open.index + open[0].length).trim());
  for (const candidate of candidates) {
    const whole = tryParse(candidate);
    if (whole !== undefined && typeof whole === "object" && whole !== null) return whole;
    const embedded = firstBalancedJson(candidate);
    if (embedded !== undefined) return embedded;
  }
  return undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Scan for a balanced {...} or [...] that parses, skipping brackets inside strings. */
function firstBalancedJson(text: string): unknown {
  for (let start = 0; start < text.length; start++) {
    const opener = text[start];
    if (opener !== "{" && opener !== "[") continue;
    const end = matchingClose(text, start);
    if (end < 0) continue;
    const value = tryParse(text.slice(start, end + 1));
    if (value !== undefined) return value;
  }
  return undefined;
}

function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") stack.push("}");
    else if (ch === "[") stack.push("]");
    else if (ch === "}" || ch === "]") {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/**
 * The items of a numbered ("1.", "2)", "(3)") or bulleted ("-", "*", "•") list, with markers and
 * wrapping quotes removed. Lines that are not list items (a heading, a closing remark) are
 * ignored; an indented line right after an item continues it.
 */
export function listItems(text: string): string[] {
  const items: string[] = [];
  let inItem = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length === 0) {
      inItem = false;
      continue;
    }
    const marker = /^(?:\(?\d{1,3}[.)]|[-*•])\s+(.*)$/u.exec(line);
    if (marker) {
      items.push(unquote(marker[1]!.trim()));
      inItem = true;
    } else if (inItem && items.length > 0 && /^\s/.test(raw)) {
      items[items.length - 1] = `${items[items.length - 1]} ${unquote(line)}`;
    }
  }
  return items.filter((item) => item.length > 0);
}

function unquote(text: string): string {
  const m = /^(["'“‘])([\s\S]*)(["'”’])$/u.exec(text);
  return m ? m[2]!.trim() : text.replace(/^\*\*(.*)\*\*$/, "$1");
}

/** Whether a reply was meant to be JSON (possibly cut off), so it must not be read as prose. */
export function looksLikeJson(text: string): boolean {
  return /^\s*(?:[{[]|```)/.test(text);
}
