/* Search as you type, in the theme's search dialog (the sidebar's search box, the search
 * button of a phone's header, Ctrl+K): results under the box while the reader types,
 * ranked by Pagefind, which weights a word in a title or heading above the same word in the
 * text. Nothing loads with the page: Pagefind's script when the box takes the focus, and
 * only the index fragments of the words typed. The index and its spelling variants are
 * written by tfhandbook.book.search_index; see that module for why the variants are
 * matched here, at query time. Enter opens the highlighted result; without a result (no
 * script, or the index cannot load) it submits the form to Sphinx's search page, as before.
 */
"use strict";

const handbookSearch = (() => {
  const script = document.currentScript; // the site's _static/search.js, on any page
  const bundle = new URL("../pagefind/", script.src);
  const siteRoot = new URL("../", script.src);
  const MAX_RESULTS = 8;
  const MAX_SPELLINGS = 6; // searches per query, however many of its words have variants
  const MAX_PHRASE = 3; // the longest variant, in words ("batch normalization" is two)
  // How often a page repeats a word counts less than Pagefind's default (1.0): where the
  // word is, a title or heading, counts more. With the default, "custom layer" finds the
  // custom-models chapter, which says "layer" more often, before the custom-layers one.
  // A word as typed counts more than a longer word that starts with it (termSimilarity,
  // default 1.0): "subclass model" otherwise finds a callbacks problem whose heading ends
  // in "model" before the custom-models chapter, which says "subclassed" and "subclassing".
  const RANKING = { termFrequency: 0.3, termSimilarity: 2.0 };
  const MESSAGE_MIN_LENGTH = 12; // shorter queries are words, not a pasted message
  const MESSAGE_MIN_WORDS = 3;
  let engine = null;

  /** How a spelling is looked up: case, inner dots and hyphens and outer punctuation do
   * not count, so "Grad-CAM", "grad-cam" and "gradcam" are one key. */
  const key = (text) =>
    text
      .toLowerCase()
      .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")
      .replace(/[-._'\u2019]/g, "")
      .replace(/\s+/g, " ");

  /** Pagefind and the variants table, loaded once, on first use. */
  function load() {
    engine ??= Promise.all([
      import(new URL("pagefind.js", bundle).href),
      fetch(new URL("variants.json", bundle)).then((response) => (response.ok ? response.json() : [])),
    ]).then(async ([pagefind, groups]) => {
      await pagefind.options({ baseUrl: siteRoot.pathname, excerptLength: 24, ranking: RANKING });
      await pagefind.init();
      const variants = new Map();
      for (const group of groups) {
        // The names come first in the table: a name keeps its group when a word repeats it.
        for (const spelling of group) if (!variants.has(key(spelling))) variants.set(key(spelling), group);
      }
      return { pagefind, variants };
    });
    return engine;
  }

  /** The queries to run for `query`: as typed, and with each word or phrase that has
   * other spellings written each other way (the same set whichever spelling was typed). */
  function spellings(query, variants) {
    const words = query.trim().split(/\s+/).filter(Boolean);
    let queries = [[]];
    for (let start = 0; start < words.length; ) {
      // The longest phrase from here that has variants, else the word alone.
      let length = Math.min(MAX_PHRASE, words.length - start);
      const phrase = () => key(words.slice(start, start + length).join(" "));
      while (!variants.has(phrase()) && length > 1) length -= 1;
      const group = variants.get(phrase());
      const typed = words.slice(start, start + length).join(" ");
      const others = group ? group.filter((spelling) => key(spelling) !== key(typed)) : [];
      const options = [typed, ...others];
      queries = queries.flatMap((words) => options.map((option) => [...words, option]));
      queries = queries.slice(0, MAX_SPELLINGS);
      start += length;
    }
    return queries.map((words) => words.join(" "));
  }

  /** Where the reader lands: the page's top when its title (an h1, Pagefind's weight 7)
   * matches, the chapter itself; else the section with the most matches. */
  const TITLE_WEIGHT = 7;
  function bestSection(data) {
    const locations = (sub) => sub.weighted_locations ?? [];
    const sections = data.sub_results ?? [];
    if (sections.some((sub) => locations(sub).some((where) => where.weight >= TITLE_WEIGHT))) {
      return null;
    }
    const matches = (sub) => locations(sub).reduce((sum, where) => sum + where.balanced_score, 0);
    return sections.reduce((best, sub) => (!best || matches(sub) > matches(best) ? sub : best), null);
  }

  /** Text as a message is compared: case, quotes and spacing do not count. */
  const fold = (text) => text.toLowerCase().replace(/[`'"\u2018\u2019\u201c\u201d]/g, "").replace(/\s+/g, " ").trim();

  /** The problems' messages, loaded the first time a query looks like one. */
  let messages = null;
  function loadMessages() {
    messages ??= fetch(new URL("messages.json", bundle))
      .then((response) => (response.ok ? response.json() : []))
      .then((rows) => rows.map(([message, url, title, problem]) => ({ folded: fold(message), message, url, title, problem })));
    return messages;
  }

  /** The problems whose message the query holds (a pasted line of a traceback) or that
   * hold the query (a message being typed), the most specific first. Pagefind ranks
   * words, not phrases, and an error message's words are the book's commonest. */
  async function pasted(query) {
    const typed = fold(query);
    if (typed.length < MESSAGE_MIN_LENGTH || typed.split(" ").length < MESSAGE_MIN_WORDS) return [];
    const hits = (await loadMessages()).filter((m) => typed.includes(m.folded) || m.folded.includes(typed));
    const unique = [...new Map(hits.map((m) => [m.url, m])).values()];
    // The message typed whole first, then the longest message in the query, then the
    // messages that hold what is typed so far.
    const rank = (m) => (m.folded === typed ? 2 : typed.includes(m.folded) ? 1 : 0);
    return unique
      .sort((a, b) => rank(b) - rank(a) || b.folded.length - a.folded.length)
      .map((m) => ({
        url: new URL(m.url, siteRoot).pathname + new URL(m.url, siteRoot).hash,
        page: new URL(m.url.split("#")[0], siteRoot).pathname,
        title: m.title,
        section: m.problem,
        excerpt: `<mark>${escapeHtml(m.message)}</mark>`,
        score: null,
      }));
  }

  const escapeHtml = (text) =>
    text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  /** The pages that match `query`, best first: {url, page, title, section, excerpt, score};
   * the problems whose message it holds before them. */
  async function search(query) {
    const [problems, pages] = await Promise.all([pasted(query), searchPages(query)]);
    const shown = new Set(problems.map((problem) => problem.page));
    return [...problems, ...pages.filter((page) => !shown.has(page.page))].slice(0, MAX_RESULTS);
  }

  async function searchPages(query) {
    const { pagefind, variants } = await load();
    const searches = await Promise.all(spellings(query, variants).map((q) => pagefind.search(q)));
    const best = new Map();
    for (const found of searches) {
      for (const result of found?.results ?? []) {
        const seen = best.get(result.id);
        if (!seen || result.score > seen.score) best.set(result.id, result);
      }
    }
    const ranked = [...best.values()]
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, MAX_RESULTS);
    return Promise.all(
      ranked.map(async (result) => {
        const data = await result.data();
        const section = bestSection(data);
        const inSection = section && section.title !== data.meta.title;
        return {
          url: inSection ? section.url : data.url,
          page: data.url,
          title: data.meta.title,
          section: inSection ? section.title : "",
          excerpt: (inSection && section.excerpt) || data.excerpt,
          score: result.score,
        };
      }),
    );
  }

  function option(result, index) {
    const item = document.createElement("li");
    item.id = `search-result-${index}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    const link = Object.assign(document.createElement("a"), { href: result.url, tabIndex: -1 });
    const title = Object.assign(document.createElement("span"), {
      className: "search-result-title",
      textContent: result.title,
    });
    link.append(title);
    if (result.section) {
      const section = Object.assign(document.createElement("span"), {
        className: "search-result-section",
        textContent: result.section,
      });
      link.append(section);
    }
    const excerpt = document.createElement("span");
    excerpt.className = "search-result-excerpt";
    excerpt.innerHTML = result.excerpt; // Pagefind's excerpt: escaped text and <mark>s
    link.append(excerpt);
    item.append(link);
    return item;
  }

  /** Turn the theme's search dialog into search as you type. */
  function attach(dialog) {
    const form = dialog.querySelector("form.bd-search");
    const input = form?.querySelector("input[type=search]");
    if (!input) return;
    const panel = Object.assign(document.createElement("div"), { className: "search-as-you-type" });
    const status = Object.assign(document.createElement("p"), { className: "search-status" });
    status.setAttribute("role", "status");
    const list = Object.assign(document.createElement("ul"), { id: "search-as-you-type-results" });
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    panel.append(status, list);
    form.after(panel);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    let asked = 0; // the latest query: a slower, older search must not overwrite it
    let active = -1;
    let timer = 0;

    const options = () => [...list.querySelectorAll("[role=option]")];
    function highlight(index) {
      const all = options();
      active = all.length ? (index + all.length) % all.length : -1;
      all.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", all[active].id);
        all[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    async function run() {
      const query = input.value.trim();
      const mine = ++asked;
      if (!query) {
        list.replaceChildren();
        status.textContent = "";
        input.setAttribute("aria-expanded", "false");
        highlight(-1);
        return;
      }
      status.textContent = "Searching…";
      let results;
      try {
        results = await search(query);
      } catch {
        if (mine === asked) status.textContent = "Search is not available here: press Enter.";
        return;
      }
      if (mine !== asked) return;
      list.replaceChildren(...results.map(option));
      input.setAttribute("aria-expanded", String(results.length > 0));
      status.textContent = results.length
        ? `${results.length === MAX_RESULTS ? "The best " : ""}${results.length} page${results.length === 1 ? "" : "s"}`
        : `No page matches “${query}”.`;
      highlight(results.length ? 0 : -1);
    }

    input.addEventListener("focus", () => load().catch(() => {}), { once: true });
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options().length) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      }
    });
    list.addEventListener("mousemove", (event) => {
      const item = event.target.closest("[role=option]");
      if (item) highlight(options().indexOf(item));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const dialog = document.getElementById("pst-search-dialog");
    if (dialog) attach(dialog);
  });

  return { search, spellings: async (query) => spellings(query, (await load()).variants) };
})();
