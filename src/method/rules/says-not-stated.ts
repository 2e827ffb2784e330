/** The document, as an answer names it: "the passage", "this text", "the provided information" (not "the material", "the source code"). */
const PLACE =
  "(?:the|this)(?: (?:given|provided|above|original|source))? (?:passage|text|document|article|excerpt|context|paragraph|information provided|information)";
/** Verbs an answer uses to say the document does not say (not "give": "the document did not give him power"). */
const VERB = "(?:specify|say|state|mention|provide|include|contain|indicate|describe|disclose|explain|detail|reveal|address|discuss|clarify|tell|note|offer)";
const EN_PATTERNS = [
  // "The document does not specify ...", "the text doesn't explicitly say"
  new RegExp(`\\b${PLACE}(?: itself)? (?:does not|doesn't|did not|didn't|do not|don't|fails to|makes no)\\s+(?:\\w+ly\\s+)?${VERB}`, "i"),
  // "... is not specified in the passage", "not mentioned in the text"
  new RegExp(`\\bnot (?:\\w+ly )?(?:specified|mentioned|stated|provided|given|indicated|included|described|disclosed|detailed|available|addressed) (?:in|by) ${PLACE}\\b`, "i"),
  // "There is no information about ..." as the answer, not inside a clause ("Because there is no information about the sender, ...")
  /^(?:there is|there's|there are) no (?:information|mention|details?|indication)\b[^,;]*$/i,
  new RegExp(`\\b(?:cannot|can't|can not|could not) be (?:determined|answered|found|inferred) (?:from|in|with|based on) ${PLACE}\\b`, "i"),
  // A short denial that is the whole answer: "Not mentioned.", "It is not specified.", "Unknown", "N/A"
  /^(?:(?:it|this|that) is |it's )?(?:not (?:\w+ly )?(?:mentioned|specified|stated|given|known|provided|available|indicated|disclosed)|unknown|unspecified|n\/?a|not applicable)$/i,
];
const ZH_SOURCE = "(?:文中|文章|原文|本文|上文|短文|材料中|资料中|段落中)";
const ZH_PATTERNS = [
  // 文中没有提到 / 原文未说明 / 文章并未具体说明
  new RegExp(`${ZH_SOURCE}[^。！？，]{0,12}?(?:没有|未|并未|并没有|没|不曾)(?:具体|明确|详细)?(?:提到|提及|说明|指出|给出|提供|记载|涉及|透露|交代|描述|说)`, "u"),
  // 没有相关信息 as the answer, not 没有足够信息时，系统会拒绝请求
  /^(?:没有|未提供|缺乏|无)(?:相关|足够|具体)的?(?:信息|资料|内容)(?:[，,]?(?:无法|不能|难以)?(?:回答|确定|判断|得知)[^。！？]*)?$/u,
  new RegExp(`无法(?:从|根据)${ZH_SOURCE}`, "u"),
  // A short denial that is the whole answer: 未提及, 不详
  /^(?:文中|原文)?(?:未提及|未提到|没有提到|没有提及|未说明|没有说明|未明确说明|不详|未知|无法确定|不清楚)$/u,
];

/**
 * Whether an answer says that the document does not hold what was asked ("the document does not
 * specify", "文中没有提到", "Not mentioned."): such an answer is unanswerable whatever the model
 * marked it.
 */
export function saysNotStated(answer: string): boolean {
  const folded = answer.normalize("NFKC").trim();
  const whole = folded.replace(/[\s.!?。！？]+$/u, "");
  return EN_PATTERNS.some((pattern) => pattern.test(whole)) || ZH_PATTERNS.some((pattern) => pattern.test(whole));
}
