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
const ZH_REFERENCES = [
  // 文中, but not 英文中 or 中文中 ("in English", "in Chinese"), nor 论文中 and the like
  /(?<![英中日法德外韩俄汉梵藏拉论语散韵])文中/u,
  new RegExp(`(?:根据|依据|按照|结合)${ZH_PLACE}`, "u"),
  /(?:文章|短文|材料|文档)(?:中|里)?(?:提到|指出|所述|所说|描述|表明|提及|记载)/u,
  // 本文, 原文, 上文, but not inside 日本文学, 草原文化, 网上文章, 以上文字
  /(?<!日)本文|(?<![草平高中太])原文|(?<![网以线])上文|短文/u,
];

/**
 * Whether a text refers to the document it was made from ("according to the passage", "in the
 * text", "文中", "根据文章", "原文"): an instruction or answer that does cannot stand alone.
 */
export function refersToPassage(text: string): boolean {
  const folded = text.normalize("NFKC");
  return EN_REFERENCES.some((pattern) => pattern.test(folded)) || ZH_REFERENCES.some((pattern) => pattern.test(folded));
}
