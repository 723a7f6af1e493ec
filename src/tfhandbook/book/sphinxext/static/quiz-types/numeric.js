/* `numeric` questions (tfhandbook.quiz.types.numeric): a text box. Nothing is judged here:
 * the page holds the number pattern (the quiz's numberPattern) and each question's accepted
 * interval as tfhandbook.quiz.types.numeric defines them, and this script compares. */
"use strict";

(() => {
  // The number a response states, or null, by the pattern the page data carries.
  function parseNumber(data, response) {
    const text = String(response ?? "");
    if (!new RegExp(`^(?:${data.numberPattern})$`).test(text)) return null;
    const number = Number(text.trim());
    return Number.isFinite(number) ? number : null;
  }
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.numeric = (kit) => ({
    input: (variant, context) => [kit.textInput(context)],
    isCorrect(data, variant, response) {
      const number = parseNumber(data, response);
      const [low, high] = kit.unmask(variant.accept, `${data.salt}:${variant.key}:accept`);
      return number !== null && low <= number && number <= high;
    },
  });
})();
