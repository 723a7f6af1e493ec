/* `single` and `multiple` questions (tfhandbook.quiz.types.choice): radio buttons or
 * checkboxes. A response is the chosen index, or a list of them, in the bank's order; it is
 * right when the digest of that text ("2", "0,2") is one the page holds. */
"use strict";

(() => {
  const choice = (inputType, responseText) => (kit) => ({
    input(variant, { name, order, saved, remember, fieldset }) {
      return order.map((index) => {
        const input = kit.element("input", { type: inputType, name, value: String(index) });
        input.checked = inputType === "radio" ? saved === index : (saved || []).includes(index);
        input.addEventListener("change", () => {
          const checked = [...fieldset.querySelectorAll("input:checked")].map((i) => Number(i.value));
          remember(inputType === "radio" ? checked[0] : checked);
        });
        return kit.element("label", { class: "tfh-quiz-choice" }, input, kit.element("span", { html: variant.choices[index] }));
      });
    },
    isCorrect: (data, variant, response) => kit.matches(data, variant, responseText(response)),
    // In the bank's order, whatever order the page showed the choices in.
    shown: (variant, response) =>
      [].concat(response).sort((x, y) => x - y).map((index) => variant.choices[index]).join("; "),
  });
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.single = choice("radio", (response) => (response === undefined || response === null ? null : String(response)));
  types.multiple = choice("checkbox", (response) => (response || []).slice().sort((x, y) => x - y).join(","));
})();
