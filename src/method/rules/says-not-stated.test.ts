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
    "The passage itself does not say.",
    "Not mentioned.",
    "It is not specified.",
    "Unknown",
    "N/A",
    "not explicitly stated",
  ])("flags %j", (answer) => expect(saysNotStated(answer)).toBe(true));

  it.each(["文中没有提到长城的长度。", "原文未说明修建的具体费用。", "文章并未具体说明是哪个朝代。", "没有相关信息。", "无法从材料中得知具体年份。", "未提及。", "不详", "文中未提及", "没有足够的信息，无法回答。"])(
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
    "The material does not contain asbestos, so it is safe.",
    "The source code does not include tests.",
    "The document did not give him power over the church.",
    "The treaty's text did not mention Taiwan, which left its status open.",
    "这种材料没有提供足够的强度。",
    "该材料未涉及有毒物质。",
    "没有足够信息时，系统会拒绝请求。",
    "Because there is no information about the sender, the email is flagged as spam.",
    "None.",
    "The name of the soldier is unknown to this day, so he is buried as the Unknown Soldier.",
  ])("lets %j stand", (answer) => expect(saysNotStated(answer)).toBe(false));
});
