const PLACE = "(?:passage|text|document|article|excerpt|paragraph|source text)";
const EN_REFERENCES = [
  // "according to the passage", "in the given text", "as stated in this document" (but not "in the text of the treaty")
  new RegExp(
    `\\b(?:according to|in|from|within|based on|per|(?:stated|said|described|mentioned|noted|given|shown|explained|discussed|indicated|presented|outlined|provided|written) in)` +
      ` (?:the|this)(?: (?:given|provided|above|following|original|preceding))? ${PLACE}(?!\\s+of\\b)\\b`,
    "i",
  ),
  // "this passage", "the above text", "the provided document"
  new RegExp(`\\b(?:this|the (?:given|provided|above|following|preceding|original)) ${PLACE}\\b(?!\\s+of\\b)`, "i"),
  // "the passage says", "the text does not mention"
  new RegExp(`\\bthe ${PLACE} (?:say|says|said|state|states|mention|describe|suggest|stated|mentions|mentioned|describes|suggests|notes|explains|discusses|indicates|claims|tells|does|did|doesn't|didn't)\\b`, "i"),
];
const ZH_PLACE = "(?:文章|短文|材料|文本|段落|原文|本文|上文|全文|该文|文档|这篇文章|此文)";
// A reference starts a clause or follows a preposition: "文中提到", "如上文所述", "在原文中"; inside
// a longer word it is another word (碑文中, 世界上文明, 还原文件, 基本文献).
const ZH_EDGE = "(?:^|(?<=[\\s\\p{P}]|根据|依据|按照|结合|在|从|据|如|由|于|对|就|照|见))";
// 本文, 原文, 上文 and the like as the document, not as the start of 本文件, 原文化部, 短文本
const ZH_AS_DOCUMENT = "(?:中|里|内|所|的|提到|提及|指出|说|称|描述|记载|认为|写|如何|主要|介绍|讨论|表明|讲|谈|列举|给出|没有|未|并未)";
const ZH_REFERENCES = [
  new RegExp(`${ZH_EDGE}文中`, "u"),
  new RegExp(`${ZH_EDGE}(?:本文|原文|上文|全文|该文|此文|短文)${ZH_AS_DOCUMENT}`, "u"),
  new RegExp(`(?:根据|依据|按照|结合)${ZH_PLACE}`, "u"),
  /(?:文章|短文|材料|文档)(?:中|里)?(?:提到|指出|所述|所说|描述|表明|提及|记载)/u,
];

/**
 * Whether a text refers to the document it was made from ("according to the passage", "in the
 * text", "文中", "根据文章", "原文"): an instruction or answer that does cannot stand alone.
 */
export function refersToPassage(text: string): boolean {
  const folded = text.normalize("NFKC");
  return EN_REFERENCES.some((pattern) => pattern.test(folded)) || ZH_REFERENCES.some((pattern) => pattern.test(folded));
}
