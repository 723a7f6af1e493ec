/* `code` questions (tfhandbook.quiz.types.code): the starter code, the public checks and
 * the command that grades an answer file in the terminal. Not marked on the page: a web
 * page cannot run the learner's code safely. */
"use strict";

(() => {
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.code = (kit) => {
    const { element } = kit;
    // A block of code with a button that copies it: the starter to edit, the command to run.
    const copyable = (text, what, extra = "") => {
      const button = element("button", { type: "button", class: "tfh-quiz-copy", "aria-label": `Copy the ${what}`, text: "Copy" });
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(text);
          button.textContent = "Copied";
        } catch {
          button.textContent = "Select the text to copy it";
        }
      });
      return element("div", { class: `tfh-quiz-copyable ${extra}`.trim() }, button, element("pre", {}, element("code", { text })));
    };
    return {
      input(variant, { fieldset }) {
        fieldset.classList.add("tfh-quiz-code");
        return [
          element("p", { text: "Starter code:" }), copyable(variant.starter, "starter code"),
          element("details", {}, element("summary", { text: "Public checks" }),
            ...variant.publicChecks.map((probe) => element("pre", {}, element("code", { text: probe })))),
          element("p", { html: "Graded in the terminal, not on this page: save your answer as <code>answer.py</code> and run" }),
          copyable(variant.command, "grading command", "tfh-quiz-command"),
        ];
      },
      note: "Coding question: graded in the terminal.",
    };
  };
})();
