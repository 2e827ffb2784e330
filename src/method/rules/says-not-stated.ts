const SOURCE = "(?:passage|text|document|article|excerpt|context|source|material|information provided|provided information|given information)";
const VERB = "(?:specify|say|state|mention|provide|include|contain|give|indicate|describe|disclose|explain|detail|reveal|address|discuss|clarify)";
const EN_PATTERNS = [
  // "The document does not specify ...", "the text doesn't say"
  new RegExp(`\\b${SOURCE}\\b[^.!?]{0,40}?\\b(?:does not|doesn't|did not|didn't|do not|don't|fails to|makes no)\\s+(?:\\w+ly\\s+)?${VERB}`, "i"),
  // "... is not specified in the passage", "not mentioned in the text"
  new RegExp(`\\bnot (?:\\w+ly )?(?:specified|mentioned|stated|provided|given|indicated|included|described|disclosed|detailed|available|addressed) (?:in|by) the ${SOURCE}`, "i"),
  // "There is no information about ...", "no mention of"
  /\b(?:there is|there's|there are) no (?:information|mention|details?|indication)\b/i,
  new RegExp(`\\b(?:cannot|can't|can not|could not) be (?:determined|answered|found|inferred) (?:from|in|with|based on) the ${SOURCE}`, "i"),
];
const ZH_SOURCE = "(?:文中|文章|原文|材料|文档|本文|文本|上文|短文|资料|段落)";
const ZH_PATTERNS = [
  // 文中没有提到 / 原文未说明 / 文章并未具体说明
  new RegExp(`${ZH_SOURCE}[^。！？]{0,12}?(?:没有|未|并未|并没有|没|不曾)(?:具体|明确|详细)?(?:提到|提及|说明|指出|给出|提供|记载|涉及|透露|交代|描述|说)`, "u"),
  /(?:没有|未提供|缺乏|无)(?:相关|足够|具体)(?:信息|资料|内容)/u,
  new RegExp(`无法(?:从|根据)${ZH_SOURCE}`, "u"),
];

/**
 * Whether an answer says that the document does not hold what was asked ("the document does not
 * specify", "文中没有提到"): such an answer is unanswerable whatever the model marked it.
 */
export function saysNotStated(answer: string): boolean {
  const folded = answer.normalize("NFKC");
  return EN_PATTERNS.some((pattern) => pattern.test(folded)) || ZH_PATTERNS.some((pattern) => pattern.test(folded));
}
