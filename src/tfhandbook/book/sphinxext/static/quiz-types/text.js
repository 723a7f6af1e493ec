/* `text` questions (tfhandbook.quiz.types.text): a text box, right when the digest of the
 * normalised response is one the page holds; normalised as normalise_text does it. */
"use strict";

(() => {
  const PUNCTUATION = /\s*([()\[\]{},:=*+\-/<>])\s*/g;
  function normaliseText(text) {
    const t = text.trim().replace(/^[`'"]+|[`'"]+$/g, "").trim().toLowerCase();
    return t.split(/\s+/).filter(Boolean).join(" ").replace(PUNCTUATION, "$1");
  }
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.text = (kit) => ({
    input: (variant, context) => [kit.textInput(context)],
    isCorrect: (data, variant, response) => kit.matches(data, variant, normaliseText(String(response ?? ""))),
  });
})();
