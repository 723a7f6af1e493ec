/* `code` questions (tfhandbook.quiz.types.code): the starter code, the public checks and
 * the command that grades an answer file in the terminal. Not marked on the page: a web
 * page cannot run the learner's code safely. */
"use strict";

(() => {
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.code = (kit) => {
    const { element } = kit;
    return {
      input(variant, { fieldset }) {
        fieldset.classList.add("tfh-quiz-code");
        return [
          element("p", { text: "Starter code:" }), element("pre", {}, element("code", { text: variant.starter })),
          element("details", {}, element("summary", { text: "Public checks" }),
            ...variant.publicChecks.map((probe) => element("pre", {}, element("code", { text: probe })))),
          element("p", { html: "Graded in the terminal, not on this page: save your answer as <code>answer.py</code> and run" }),
          element("pre", {}, element("code", { text: variant.command })),
        ];
      },
      note: "Coding question: graded in the terminal.",
    };
  };
})();
