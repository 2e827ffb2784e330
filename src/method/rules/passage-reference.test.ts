import { describe, expect, it } from "vitest";
import { refersToPassage } from "./passage-reference.js";

describe("refersToPassage in English", () => {
  it.each([
    "According to the passage, who designed the bridge?",
    "What does the text say about the span?",
    "In the document, why were trains moved?",
    "As stated in the article, the bridge opened in 1911.",
    "Based on the given text, explain the repainting.",
    "Summarise this passage.",
    "The passage mentions a new span.",
    "What is described in the above excerpt?",
  ])("flags %j", (text) => expect(refersToPassage(text)).toBe(true));

  it.each([
    "Who designed the bridge that opened in 1911?",
    "What does the text of the treaty say about tolls?",
    "How did the passage of the bill change tolls?",
    "Which article of the constitution covers bridges?",
    "Why did the context of war matter?",
    "In this context, what does the term mean?",
  ])("lets %j stand", (text) => expect(refersToPassage(text)).toBe(false));
});

describe("refersToPassage in Chinese", () => {
  it.each(["文中提到的长城修建了多久？", "根据文章，长城有什么作用？", "根据短文回答：谁修建了长城？", "根据材料，长城修建于何时？", "原文如何描述长城？", "文章中提到了哪些朝代？", "本文的主要观点是什么？", "如上文所述，长城有什么作用？", "根据本文，长城修建了多久？", "本文中提到了哪些朝代？", "在原文中，长城被称为什么？", "长城修建于何时？（见文中第二段）"])(
    "flags %j",
    (text) => expect(refersToPassage(text)).toBe(true),
  );

  it.each([
    "长城的修建持续了多久？",
    "长城在英文中叫什么？",
    "这篇论文中的方法是什么？",
    "中文中的“长城”一词指什么？",
    "日本文学受到了哪些影响？",
    "草原文化有什么特点？",
    "网上文章如何评价长城？",
    "建筑材料中含有哪些成分？",
    "碑文中记载了哪位皇帝？",
    "法律条文中的“善意”指什么？",
    "经文中的比喻有什么含义？",
    "这件青铜器的铭文中出现了哪些字？",
    "中国是世界上文明最古老的国家之一吗？",
    "唐朝是历史上文化最繁荣的朝代吗？",
    "原文化部部长是谁？",
    "如何还原文件的早期版本？",
    "Python脚本文件的扩展名是什么？",
    "研究长城需要哪些基本文献？",
    "短文本分类有哪些难点？",
  ])("lets %j stand", (text) =>
    expect(refersToPassage(text)).toBe(false),
  );
});
