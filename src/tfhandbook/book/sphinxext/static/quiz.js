/* The handbook's quizzes in the browser: draw an attempt from the bank embedded in the page,
 * mark it, score it and keep progress in localStorage. The draw (Mulberry32) and the
 * digests match tfhandbook.quiz's Python, so a seed and an answer mean the same thing in the
 * terminal and here. How each type of question is shown and marked is its own script's
 * (static/quiz-types/), registered by name; this one names no type. */
"use strict";

(() => {
  // ---- SHA-256, synchronous, so it also works where crypto.subtle is unavailable (file://).
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function sha256Bytes(text) {
    const data = new TextEncoder().encode(text);
    const length = ((data.length + 9 + 63) >> 6) << 6;
    const bytes = new Uint8Array(length);
    bytes.set(data);
    bytes[data.length] = 0x80;
    const view = new DataView(bytes.buffer);
    view.setUint32(length - 4, data.length * 8);
    view.setUint32(length - 8, Math.floor(data.length / 0x20000000));
    const h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let offset = 0; offset < length; offset += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
      }
      [a, b, c, d, e, f, g, hh].forEach((value, i) => { h[i] = (h[i] + value) | 0; });
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((value, i) => outView.setUint32(i * 4, value));
    return out;
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const digest = (salt, key, answer) => hex(sha256Bytes(`${salt}\x1f${key}\x1f${answer}`));

  // ---- The draw: Mulberry32 and the same order of calls as tfhandbook.quiz.sampling.draw.
  function mulberry32(seed) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    const below = (n) => next() % n;
    const shuffled = (items) => {
      const copy = items.slice();
      for (let i = copy.length - 1; i > 0; i--) {
        const j = below(i + 1);
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    };
    return { next, below, shuffled };
  }

  function draw(data, seed) {
    const rng = mulberry32(seed);
    const drawn = [];
    for (const pool of data.pools) {
      for (const variants of rng.shuffled(pool.questions).slice(0, pool.draw)) {
        const variant = variants[rng.below(variants.length)];
        const order = rng.shuffled([...variant.choices.keys()]);
        drawn.push({ variant, order });
      }
    }
    return drawn;
  }

  // ---- Marking: a response is right when its text's digest is one the page holds; each
  // question type says which text that is (static/quiz-types/*.js).
  const matches = (data, variant, text) =>
    text !== null && variant.digests.includes(digest(data.salt, variant.key, text));
  const reveal = (data, variant) => unmask(variant.reveal, `${data.salt}:${variant.key}`);
  // Undo tfhandbook.book.sphinxext.quiz._obfuscate: base64, XOR with a SHA-256 key stream, JSON.
  function unmask(masked, key) {
    const bytes = Uint8Array.from(atob(masked), (c) => c.charCodeAt(0));
    let stream = new Uint8Array(0);
    for (let counter = 0; stream.length < bytes.length; counter++) {
      const block = sha256Bytes(`${key}:${counter}`);
      const joined = new Uint8Array(stream.length + block.length);
      joined.set(stream);
      joined.set(block, stream.length);
      stream = joined;
    }
    return JSON.parse(new TextDecoder().decode(bytes.map((b, i) => b ^ stream[i])));
  }

  // ---- Progress in localStorage, keyed by the bank's fingerprint.
  const storageKey = (data) => `tfhandbook-quiz:${data.quiz}:${data.fingerprint}`;
  function load(data) {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey(data)) || "null");
      if (saved && Array.isArray(saved.attempts)) return saved;
    } catch (error) {
      console.warn(`tfhandbook quiz ${data.quiz}: ignoring unreadable saved progress`, error);
    }
    return { format: "tfhandbook-progress/1", quiz: data.quiz, fingerprint: data.fingerprint, attempts: [], current: null };
  }
  const save = (data, state) => localStorage.setItem(storageKey(data), JSON.stringify(state));

  // ---- Coding answers graded outside the page (tfhandbook quiz grade, a notebook's grading
  // cell), imported from a progress file: one list for every quiz on the site, since a
  // chapter's question is also drawn by its part's quiz. A grade is checked as the store
  // checks it (tfhandbook.quiz.store._checked_grade) before it is kept.
  const GRADES_KEY = "tfhandbook-grades";
  const isText = (value) => typeof value === "string" && value !== "";
  const isGrade = (g) => g !== null && typeof g === "object" && isText(g.quiz) && isText(g.question) &&
    isText(g.fingerprint) && ["passed", "failed"].includes(g.status) && typeof g.summary === "string" &&
    typeof g.graded === "number" && Number.isFinite(g.graded);
  function loadGrades() {
    try {
      const grades = JSON.parse(localStorage.getItem(GRADES_KEY) || "[]");
      return Array.isArray(grades) ? grades.filter(isGrade) : [];
    } catch (error) {
      console.warn("tfhandbook quiz: ignoring unreadable graded answers", error);
      return [];
    }
  }
  // Add the readable grades not kept yet; what was added, and how many were unreadable.
  function mergeGrades(items) {
    const kept = loadGrades();
    const same = (a, b) => a.question === b.question && a.fingerprint === b.fingerprint && a.graded === b.graded;
    const added = [];
    let unreadable = 0;
    for (const item of items) {
      if (!isGrade(item)) unreadable++;
      else if (!kept.some((g) => same(g, item)) && !added.some((g) => same(g, item))) {
        added.push({ quiz: item.quiz, question: item.question, fingerprint: item.fingerprint,
          status: item.status, summary: item.summary, graded: item.graded, via: String(item.via ?? "") });
      }
    }
    if (added.length) localStorage.setItem(GRADES_KEY, JSON.stringify([...kept, ...added]));
    return { added, unreadable };
  }
  // The latest grade of a question as the page grades it (same id, same checks), or null.
  const latestGrade = ({ question, fingerprint }) => loadGrades()
    .filter((g) => g.question === question && g.fingerprint === fingerprint)
    .reduce((latest, g) => (latest && latest.graded >= g.graded ? latest : g), null);

  // ---- The page.
  const element = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "html") node.innerHTML = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  };
  const percent = (x) => `${Math.round(x * 100)}%`;
  // A one-line answer box that remembers what is typed.
  const textInput = ({ name, index, saved, remember }) => {
    const input = element("input", { type: "text", name, "aria-label": `Answer to question ${index + 1}`, autocomplete: "off" });
    input.value = saved ?? "";
    input.addEventListener("input", () => remember(input.value));
    return input;
  };

  // ---- The question types. Each type's script (static/quiz-types/, added to the page
  // before this one by the {quiz} directive, as tfhandbook.quiz.types declares) registers
  // `tfhandbookQuizTypes[name] = (kit) => renderer`, where a renderer has
  //   input(variant, {name, index, order, saved, remember, fieldset}) -> the nodes to answer with
  //   isCorrect(data, variant, response) -> whether a response is right; a type without it is
  //     not marked on the page, and shows `note` in the result instead;
  //   shown(variant, response) -> optional: the response as HTML, for the results (else its text);
  //   response(variant, saved) -> optional: the response to mark at submit, when it comes from
  //     elsewhere than the inputs (a coding question's imported grade).
  const kit = { element, digest, unmask, matches, textInput, latestGrade };
  const renderers = {};
  function rendererOf(variant) {
    if (!renderers[variant.type]) {
      const factory = (window.tfhandbookQuizTypes || {})[variant.type];
      if (!factory) throw new Error(`tfhandbook quiz: no renderer for ${variant.type} questions`);
      renderers[variant.type] = factory(kit);
    }
    return renderers[variant.type];
  }
  const isMarked = (variant) => typeof rendererOf(variant).isCorrect === "function";
  const isAnswered = (response) =>
    response !== undefined && response !== null && String(response).trim() !== "" &&
    !(Array.isArray(response) && response.length === 0);
  // What the learner answered, for the results: the type's own rendering, else the text.
  function yourAnswer(variant, response) {
    if (!isAnswered(response)) return element("span", { class: "tfh-quiz-no-answer", text: "no answer" });
    const renderer = rendererOf(variant);
    return renderer.shown ? element("span", { html: renderer.shown(variant, response) })
      : element("span", { class: "tfh-quiz-response", text: String(response) });
  }
  // An attempt's mark, also for attempts stored before `right`, `total` and `weight` were.
  const tally = (data, attempt) => {
    const marks = Object.values(attempt.results || {});
    return {
      right: attempt.right ?? marks.filter(Boolean).length,
      total: attempt.total ?? marks.length,
      weight: attempt.weight ?? Math.max(0, 1 - data.decay * (attempt.number - 1)),
    };
  };
  const isCorrect = (data, variant, response) =>
    isMarked(variant) && rendererOf(variant).isCorrect(data, variant, response);
  // An attempt saved before its question's type was marked on the page has no mark for it.
  const wasMarked = (attempt, variant) => isMarked(variant) && variant.key in (attempt.results || {});
  const notMarked = (variant) => rendererOf(variant).note ?? "Not marked in this attempt.";
  const responseOf = (variant, saved) => {
    const renderer = rendererOf(variant);
    return renderer.response ? renderer.response(variant, saved) : saved;
  };

  class Quiz {
    constructor(root) {
      this.root = root;
      this.data = JSON.parse(root.querySelector(".tfh-quiz-data").textContent);
      this.body = root.querySelector(".tfh-quiz-body");
      this.state = load(this.data);
      this.render();
    }

    get used() { return this.state.attempts.length; }
    get best() { return Math.max(0, ...this.state.attempts.map((a) => a.score)); }
    get passedOnce() { return this.state.attempts.some((a) => a.passed); }
    get mayReveal() { return this.passedOnce || this.used >= this.data.attempts; }

    persist() { save(this.data, this.state); }

    start() {
      const seed = crypto.getRandomValues(new Uint32Array(1))[0];
      this.state.current = { number: this.used + 1, seed, answers: {} };
      this.persist();
      this.render();
    }

    // The questions of the attempt in progress that are marked here and still unanswered.
    unanswered() {
      const current = this.state.current;
      return draw(this.data, current.seed)
        .map(({ variant }, index) => ({ variant, index }))
        .filter(({ variant }) => isMarked(variant) && !isAnswered(responseOf(variant, current.answers[variant.key])));
    }

    submit(confirmed = false) {
      const current = this.state.current;
      const missing = this.unanswered();
      if (missing.length && !confirmed) return this.confirmIncomplete(missing);
      const drawn = draw(this.data, current.seed);
      const marked = drawn.filter(({ variant }) => isMarked(variant));
      const results = {};
      for (const { variant } of marked) {
        const response = responseOf(variant, current.answers[variant.key]);
        if (response !== undefined) current.answers[variant.key] = response;
        results[variant.key] = isCorrect(this.data, variant, response);
      }
      const right = Object.values(results).filter(Boolean).length;
      const fraction = marked.length ? right / marked.length : 0;
      const weight = Math.max(0, 1 - this.data.decay * (current.number - 1));
      this.state.attempts.push({
        ...current, results, right, total: marked.length, weight,
        score: weight * fraction, passed: fraction >= this.data.passMark, finished: Date.now(),
      });
      this.state.current = null;
      this.persist();
      this.render();
    }

    // An incomplete submission spends an attempt: say so, and let the learner go back.
    confirmIncomplete(missing) {
      const form = this.body.querySelector(".tfh-quiz-form");
      form.querySelector(".tfh-quiz-confirm")?.remove();
      const numbers = missing.map(({ index }) => index + 1).join(", ");
      const anyway = element("button", { type: "button", class: "tfh-quiz-submit-anyway", text: "Submit anyway" });
      const back = element("button", { type: "button", class: "tfh-quiz-keep-answering", text: "Keep answering" });
      const box = element("div", { class: "tfh-quiz-confirm", role: "alert" },
        element("p", { text: `${missing.length === 1 ? "Question" : "Questions"} ${numbers} ${missing.length === 1 ? "has" : "have"} no answer, and ` +
          "submitting uses one of your attempts. Submit anyway?" }), anyway, back);
      anyway.addEventListener("click", () => this.submit(true));
      back.addEventListener("click", () => {
        box.remove();
        form.querySelector(`fieldset[data-key="${missing[0].variant.key}"]`)?.scrollIntoView({ block: "center" });
      });
      form.append(box);
      anyway.focus();
    }

    header() {
      const left = this.data.attempts - this.used;
      const best = this.state.attempts.reduce((a, b) => (b.score > (a?.score ?? -1) ? b : a), null);
      return element("div", { class: "tfh-quiz-header" },
        element("strong", { text: this.data.title }),
        element("span", { class: "tfh-quiz-status", text:
          `Attempts used: ${this.used} of ${this.data.attempts} · best score ${percent(this.best)}` +
          (best ? ` (attempt ${best.number})` : "") + (left <= 0 ? " · no attempts left" : "") }));
    }

    render() {
      this.body.replaceChildren(this.header());
      const current = this.state.current;
      if (current) this.renderAttempt(current);
      else {
        const last = this.state.attempts[this.state.attempts.length - 1];
        if (last) this.renderResult(last);
        if (this.used < this.data.attempts) {
          const label = this.used ? "Try again" : "Start the quiz";
          const button = element("button", { type: "button", class: "tfh-quiz-start", text: label });
          button.addEventListener("click", () => this.start());
          this.body.append(button);
        }
      }
      this.body.append(this.tools());
    }

    renderAttempt(current) {
      const form = element("form", { class: "tfh-quiz-form" });
      form.append(element("p", { class: "tfh-quiz-attempt", text:
        `Attempt ${current.number} of ${this.data.attempts}: answers are saved as you go.` }));
      draw(this.data, current.seed).forEach(({ variant, order }, index) => {
        form.append(this.renderQuestion(current, variant, order, index));
      });
      const submit = element("button", { type: "submit", class: "tfh-quiz-submit", text: "Submit answers" });
      form.append(submit);
      form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
      this.body.append(form);
    }

    renderQuestion(current, variant, order, index) {
      const name = `${this.data.quiz}-${variant.key}`;
      const fieldset = element("fieldset", { class: "tfh-quiz-question", "data-key": variant.key });
      fieldset.append(element("legend", { text: `Question ${index + 1}` }), element("div", { html: variant.prompt }));
      const answers = current.answers;
      const remember = (value) => { answers[variant.key] = value; this.persist(); };
      const saved = answers[variant.key];
      fieldset.append(...rendererOf(variant).input(variant, { name, index, order, saved, remember, fieldset }));
      return fieldset;
    }

    renderResult(attempt) {
      const section = element("div", { class: "tfh-quiz-result" });
      const { right, total, weight } = tally(this.data, attempt);
      const raw = total ? right / total : 0;
      section.append(element("p", { class: "tfh-quiz-score", text:
        `Attempt ${attempt.number}: ${right} of ${total} right (${percent(raw)}). ` +
        `Attempt ${attempt.number} counts ${percent(weight)}, so it scores ${percent(attempt.score)} ` +
        `(${attempt.passed ? "passed" : "not passed"}).` }));
      const list = element("ol");
      const shownHere = new Set();
      for (const { variant } of draw(this.data, attempt.seed)) {
        shownHere.add(variant.key);
        const item = element("li", { "data-key": variant.key }, element("div", { html: variant.prompt }));
        if (!wasMarked(attempt, variant)) item.append(element("p", { class: "tfh-quiz-code-note", text: notMarked(variant) }));
        else {
          const isRight = attempt.results[variant.key];
          item.append(element("p", { class: "tfh-quiz-mark" },
            element("span", { class: isRight ? "tfh-quiz-right" : "tfh-quiz-wrong", text: isRight ? "Right" : "Wrong" }),
            " · your answer: ", yourAnswer(variant, attempt.answers[variant.key])));
        }
        if (this.mayReveal) this.appendReveal(item, variant);
        list.append(item);
      }
      section.append(list);
      if (!this.mayReveal) {
        section.append(element("p", { text: "Answers and explanations appear after a pass or your last attempt." }));
      } else {
        this.appendEarlierQuestions(section, shownHere);
      }
      this.body.append(section);
    }

    appendReveal(item, variant) {
      const shown = reveal(this.data, variant);
      if (shown.answer) item.append(element("p", { class: "tfh-quiz-answer", html: `Answer: ${shown.answer}` }));
      if (shown.explanation) item.append(element("div", { class: "tfh-quiz-explanation", html: shown.explanation }));
    }

    // Once answers may be shown, every question met in an earlier attempt gets its answer
    // and explanation too, with what you answered then: the ones you missed included.
    appendEarlierQuestions(section, shownHere) {
      const earlier = new Map();
      for (const attempt of this.state.attempts) {
        for (const { variant } of draw(this.data, attempt.seed)) {
          if (!shownHere.has(variant.key)) earlier.set(variant.key, { variant, attempt });
        }
      }
      if (!earlier.size) return;
      const list = element("ol", { class: "tfh-quiz-earlier" });
      for (const { variant, attempt } of earlier.values()) {
        const item = element("li", { "data-key": variant.key }, element("div", { html: variant.prompt }));
        if (wasMarked(attempt, variant)) {
          const isRight = attempt.results[variant.key];
          item.append(element("p", { class: "tfh-quiz-mark" },
            element("span", { class: isRight ? "tfh-quiz-right" : "tfh-quiz-wrong", text: isRight ? "Right" : "Wrong" }),
            ` in attempt ${attempt.number} · your answer: `, yourAnswer(variant, attempt.answers[variant.key])));
        }
        this.appendReveal(item, variant);
        list.append(item);
      }
      section.append(element("p", { class: "tfh-quiz-earlier-title", text: "Questions from your earlier attempts:" }), list);
    }

    tools() {
      const exportButton = element("button", { type: "button", class: "tfh-quiz-export", text: "Export progress" });
      exportButton.addEventListener("click", () => {
        const exported = { ...this.state, grades: loadGrades() };
        const blob = new Blob([JSON.stringify(exported, null, 1)], { type: "application/json" });
        const link = element("a", { href: URL.createObjectURL(blob), download: `${this.data.quiz}-progress.json` });
        link.click();
        URL.revokeObjectURL(link.href);
      });
      const importInput = element("input", { type: "file", accept: "application/json", class: "tfh-quiz-import", "aria-label": "Import progress" });
      importInput.addEventListener("change", async () => {
        const file = importInput.files[0];
        if (!file) return;
        try {
          const message = this.importProgress(JSON.parse(await file.text()));
          this.render();
          this.body.append(element("p", { class: "tfh-quiz-imported", role: "status", text: `Imported ${file.name}: ${message}` }));
        } catch (error) {
          this.body.append(element("p", { class: "tfh-quiz-error", role: "alert", text: `Could not import ${file.name}: ${error.message}` }));
        }
      });
      return element("div", { class: "tfh-quiz-tools" }, exportButton,
        element("label", { class: "tfh-quiz-import-label" }, "Import progress ", importInput));
    }

    // A progress file: this page's own export (this quiz's attempts, and graded coding
    // answers), or the terminal's or a notebook's (the graded coding answers are taken, the
    // attempts stay in the terminal's store). What was imported, as a sentence.
    importProgress(imported) {
      if (imported === null || typeof imported !== "object" || imported.format !== "tfhandbook-progress/1") {
        throw new Error("not a tfhandbook progress file");
      }
      const grades = Array.isArray(imported.grades) ? imported.grades : [];
      const ownAttempts = imported.quiz === this.data.quiz && Array.isArray(imported.attempts);
      if (imported.quiz !== undefined && !ownAttempts && !grades.length) throw new Error("not this quiz's progress");
      if (imported.quiz === undefined && !grades.length) throw new Error("it holds no graded coding answers");
      const told = [];
      if (ownAttempts) {
        if (imported.fingerprint !== this.data.fingerprint) throw new Error("saved for another version of this quiz");
        if (imported.attempts.length >= this.state.attempts.length) {
          this.state = { ...imported, grades: undefined };
          this.persist();
          told.push(`${imported.attempts.length} attempts`);
        }
      }
      const { added, unreadable } = mergeGrades(grades);
      const here = new Map();
      for (const pool of this.data.pools) {
        for (const variants of pool.questions) {
          for (const variant of variants) if (variant.grade) here.set(`${variant.grade.question}\x1f${variant.grade.fingerprint}`, variant.grade.question);
        }
      }
      const ours = added.filter((g) => here.has(`${g.question}\x1f${g.fingerprint}`));
      const stale = added.filter((g) => !ours.includes(g) && [...here.values()].includes(g.question));
      told.push(`${added.length} graded coding ${added.length === 1 ? "answer" : "answers"}` +
        (ours.length ? ` (for this quiz: ${ours.map((g) => `${g.question} ${g.status}`).join(", ")})` : ""));
      if (stale.length) {
        told.push(`graded against another version of the question, so not counted here: ` +
          `${stale.map((g) => g.question).join(", ")} (grade ${stale.length === 1 ? "it" : "them"} again)`);
      }
      if (unreadable) told.push(`${unreadable} unreadable ${unreadable === 1 ? "grade" : "grades"} skipped`);
      return told.join("; ") + ".";
    }
  }

  const start = () => document.querySelectorAll(".tfh-quiz").forEach((root) => new Quiz(root));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.tfhandbookQuiz = {
    sha256: (text) => hex(sha256Bytes(text)), mulberry32, isCorrect,
  };
})();
