import { describe, expect, it } from "vitest";
import { saysNotStated } from "./says-not-stated.js";

describe("saysNotStated", () => {
  it.each([
    "The document does not specify who designed the bridge.",
    "The passage doesn't mention the cost.",
    "The text does not explicitly state the year.",
    "The year is not specified in the passage.",
    "There is no information about the cost of the repainting.",
    "This cannot be determined from the text.",
    "The provided information does not include the architect's name.",
  ])("flags %j", (answer) => expect(saysNotStated(answer)).toBe(true));

  it.each(["文中没有提到长城的长度。", "原文未说明修建的具体费用。", "文章并未具体说明是哪个朝代。", "没有相关信息。", "无法从材料中得知具体年份。"])(
    "flags %j",
    (answer) => expect(saysNotStated(answer)).toBe(true),
  );

  it.each([
    "Clara Houtman designed the bridge, which opened in 1911.",
    "The engineers did not mention the cost to the council, which caused a scandal.",
    "The treaty does not specify tolls, which is why the dispute arose.",
    "长城的修建持续了两千多年。",
    "他没有说明原因，因此引起了争议。",
    "科学家无法确定它的确切年龄。",
    "无法从化石中确定它的年龄。",
    "The age cannot be determined from the fossils alone.",
    "The survey provides no data on income.",
  ])("lets %j stand", (answer) => expect(saysNotStated(answer)).toBe(false));
});
