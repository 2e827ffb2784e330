/** The three foveation levels of Self-Foveate. */
export const LEVELS = ["micro", "scatter", "macro"] as const;
export type Level = (typeof LEVELS)[number];

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}
