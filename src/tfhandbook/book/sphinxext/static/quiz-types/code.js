/* `code` questions (tfhandbook.quiz.types.code): the starter code, the public checks and
 * the command that grades an answer file in the terminal (or the chapter's notebook, whose
 * grading cells run the same grader). A web page cannot run the learner's code safely, so
 * the question is marked with the learner's latest grade of it, imported from a progress
 * file (quiz.js keeps them); a question with no grade counts as unanswered. */
"use strict";

(() => {
  const types = (window.tfhandbookQuizTypes = window.tfhandbookQuizTypes || {});
  types.code = (kit) => {
    const { element, latestGrade } = kit;
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
    const when = (grade) => new Date(grade.graded * 1000).toLocaleString();
    const where = (grade) => (grade.via === "notebook" ? "in a notebook" : "in the terminal");
    // The chapter's notebook, where the theme or the repository links offer it.
    const notebookLink = () => {
      const colab = document.querySelector('a[href^="https://colab.research.google.com/"]');
      const download = document.querySelector('a[href$=".ipynb"]');
      const link = colab || download;
      if (!link) return [];
      const text = colab ? "open the chapter's notebook in Colab" : "download the chapter's notebook";
      return [element("p", { class: "tfh-quiz-notebook" }, "Or grade it in the notebook: ",
        element("a", { href: link.href, text }), ", whose last cells grade this question.")];
    };
    const status = (variant) => {
      const grade = latestGrade(variant.grade);
      const text = grade
        ? `Your latest grade (${where(grade)}, ${when(grade)}): ${grade.status}. It counts when you submit.`
        : "Not graded yet: it counts as unanswered until you grade your answer and import the progress file below.";
      return element("p", { class: `tfh-quiz-grade ${grade ? `tfh-quiz-grade-${grade.status}` : ""}`.trim(), role: "status", text });
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
          element("p", { html: "Then export your progress (<code>nox -s quiz -- export progress.json</code>) and choose the file under <em>Import progress</em> below, before you submit." }),
          ...notebookLink(),
          status(variant),
        ];
      },
      // The grade kept for this question when the attempt is submitted.
      response(variant) {
        const grade = latestGrade(variant.grade);
        return grade ? { status: grade.status, summary: grade.summary, graded: grade.graded, via: grade.via } : null;
      },
      isCorrect: (data, variant, response) => response !== null && typeof response === "object" && response.status === "passed",
      shown(variant, response) {
        const text = `${response.status}: ${response.summary}`;
        const escaped = text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
        return `graded ${response.via === "notebook" ? "in a notebook" : "in the terminal"}, ${escaped}`;
      },
    };
  };
})();
