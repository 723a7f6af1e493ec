"""The book's search index: Pagefind over the built site, and the spelling variants the
search box tries beside what the reader typed.

``python -m tfhandbook.book.search_index HTML_DIR`` indexes a built site;
:func:`tfhandbook.book.site_speed.build` runs it after Sphinx and the site optimisation, so
every HTML build has its index. Pagefind writes the index into ``HTML_DIR/pagefind/`` as
small fragments: a page loads none of it until the reader types, and then only the
fragments of the words typed (``docs/_static/search.js``).

Pagefind has no synonyms, and it stems ``optimise`` and ``optimize`` to different words,
so the variants are matched at query time: :func:`variant_groups` lists, for every word of
the book that has a British or American counterpart, the two spellings, and for common
names (Grad-CAM, ``tf.function``, U-Net) the ways readers write them; the search box runs
one Pagefind search per spelling and keeps each page's best score. A variant is ranked by
Pagefind's own weighting of where it appears (title, heading, text), as if the page had
used the reader's spelling. Words Pagefind already joins need no entry: it indexes
``Grad-CAM`` as ``gradcam`` as well as ``grad`` and ``cam``.

Pagefind reads a copy of each page (:func:`for_indexing`) in which every section's anchor
is on its heading and every ``{problem}``'s title is a heading, so a result links to the
section or problem that matched; the site's pages stay as Sphinx wrote them. Which part of
a page is indexed, and at what weight, is marked at build time by
:mod:`tfhandbook.book.sphinxext.site_search`. A pasted error message is matched whole
against every problem's messages (:func:`problem_messages`), since Pagefind ranks words,
not phrases.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Where Pagefind writes the index, in the site.
BUNDLE = "pagefind"
#: The variants the search box reads (beside Pagefind's own files).
VARIANTS = f"{BUNDLE}/variants.json"
#: The problems' messages the search box matches a pasted message against.
MESSAGES = f"{BUNDLE}/messages.json"

#: Names readers write in several ways: each group is found alike, whichever is typed.
NAME_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Grad-CAM", "gradcam", "grad cam"),
    ("tf.function", "tf function", "tffunction"),
    ("GradientTape", "gradient tape", "tf.GradientTape"),
    ("U-Net", "unet", "u net"),
    ("BatchNormalization", "batch norm", "batch normalization", "batch normalisation"),
    ("VAE", "variational autoencoder"),
    ("GAN", "generative adversarial network"),
    ("MirroredStrategy", "mirrored strategy"),
    ("AutoGraph", "auto graph"),
    ("Keras 3", "keras3"),
    ("tf.data", "tf data", "tfdata"),
    ("autoencoder", "auto encoder", "auto-encoder"),
)

#: British and American endings of one word (``optimisation``/``optimization``).
_ISE = re.compile(r"^(?P<stem>[a-z]{3,}i)(?P<s>[sz])(?P<end>e|ed|es|ing|er|ers|ation|ations)$")
_YSE = re.compile(r"^(?P<stem>[a-z]*l)y(?P<s>[sz])(?P<end>e|ed|es|ing|er|ers)$")
#: Words that end as if they had an ``-ise``/``-ize`` verb in them but are spelt one way
#: only: a word holding one of them less its final ``e`` (``resized``, ``denoising``,
#: ``pairwise``) has no other spelling.
_NOT_ISE = tuple(
    word[:-1]
    for word in (
        "advise", "advice", "revise", "devise", "supervise", "improvise", "televise", "wise",
        "noise", "exercise", "precise", "concise", "promise", "premise", "raise", "praise",
        "resize", "getsize", "downsize", "upsize", "batchsize", "oversize", "expertise",
        "surprise", "enterprise", "franchise", "merchandise", "chastise", "despise",
        "disguise", "comprise", "cruise", "bruise", "poise",
    )
)  # fmt: skip
#: Stems spelt ``-our`` in British English and ``-or`` in American English.
_OUR = ("behaviour", "colour", "favour", "neighbour", "honour", "labour", "flavour", "humour")
#: Words spelt ``-tre`` in British English and ``-ter`` in American English, each form.
_TRE = {
    f"{stem}{british}": f"{stem}{american}"
    for stem in ("cent", "met", "lit", "fib")
    for british, american in (("re", "er"), ("res", "ers"), ("red", "ered"), ("ring", "ering"))
}
#: Verbs whose final ``l`` is doubled in British English before ``-ed``/``-ing``/``-er``.
_DOUBLE_L = ("label", "model", "cancel", "travel", "signal", "level", "channel", "tunnel")
_DOUBLE_L_WORD = re.compile(rf"^(?P<stem>{'|'.join(_DOUBLE_L)})(?P<l>l?)(?P<end>ed|ing|er|ers)$")


def other_spelling(word: str) -> str | None:
    """`word` (lower case) in the other of British and American spelling, or None if it is
    spelt the same in both.

    >>> other_spelling("optimisation"), other_spelling("behavior"), other_spelling("size")
    ('optimization', 'behaviour', None)
    """
    for british in _OUR:
        american = british[:-3] + "or"
        if word.startswith(british):
            return american + word[len(british) :]
        if word.startswith(american) and not word.startswith(british):
            return british + word[len(american) :]
    for british, american in _TRE.items():
        if word in (british, american):
            return american if word == british else british
    if match := _DOUBLE_L_WORD.match(word):
        doubled = "" if match["l"] else "l"
        return f"{match['stem']}{doubled}{match['end']}"
    for pattern in (_ISE, _YSE):
        if (match := pattern.match(word)) and not any(part in word for part in _NOT_ISE):
            other = "z" if match["s"] == "s" else "s"
            return f"{match['stem']}{'y' if pattern is _YSE else ''}{other}{match['end']}"
    return None


def variant_groups(words: Iterable[str]) -> list[list[str]]:
    """The spellings found alike: :data:`NAME_VARIANTS`, then each of `words` that has a
    British or American counterpart with that counterpart, sorted, each group once."""
    groups = [list(names) for names in NAME_VARIANTS]
    pairs = set()
    for word in {word.lower() for word in words}:
        if (other := other_spelling(word)) and other != word:
            pairs.add(tuple(sorted((word, other))))
    return groups + [list(pair) for pair in sorted(pairs)]


_WORD = re.compile(r"[A-Za-z]+")
_BODY = re.compile(r"<div data-pagefind-body>(.*)</div>", re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
_HEADERLINK = re.compile(r'<a class="headerlink".*?</a>', re.DOTALL)
_TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.DOTALL)
#: Longer "words" are data (encoded images, hashes), not prose.
_LONGEST_WORD = 30


def indexed_words(site: Path) -> set[str]:
    """Every word of the indexed part of the site's pages, lower case."""
    words: set[str] = set()
    for page in indexed_pages(site):
        body = _BODY.search(page.read_text(encoding="utf-8"))
        if body:
            text = html.unescape(_TAG.sub(" ", body.group(1)))
            words |= {word.lower() for word in _WORD.findall(text) if len(word) <= _LONGEST_WORD}
    return words


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site: the message holds its output."""


#: A section and its heading as Sphinx writes them: the anchor is the section's ``id``, and
#: label targets (``<span id>``) may come between.
_SECTION_HEADING = re.compile(
    r'<section\b(?P<before>[^>]*?)\sid="(?P<id>[^"]+)"(?P<after>[^>]*)>'
    r'(?P<between>(?:\s|<span id="[^"]*"></span>)*)<h(?P<level>[1-6])>'
)
#: A ``{problem}`` as :mod:`tfhandbook.book.sphinxext.problems` writes it: a box with the
#: anchor, its title a rubric (a paragraph, not a heading).
_PROBLEM_TITLE = re.compile(
    r'<div class="problem(?P<classes>[^"]*)" id="(?P<id>[^"]+)">'
    r'(?P<between>(?:\s|<span id="[^"]*"></span>)*)'
    r'<p class="problem-title rubric">(?P<title>.*?)</p>',
    re.DOTALL,
)
#: A problem's message, current (``Message:``) or old (``Keras 2.15 printed:``).
_PROBLEM_MESSAGE = re.compile(
    r"<p><strong>(?:Message:|[^<]* printed:)</strong>\s*<code[^>]*>(?P<text>.*?)</code></p>",
    re.DOTALL,
)
#: The level a problem's title gets in the index: below the chapter's sections (h2, h3).
PROBLEM_LEVEL = 4
#: What Pagefind leaves out of each page: the ``#`` link after every heading.
EXCLUDED = "a.headerlink"


def for_indexing(page: str) -> str:
    """`page`'s HTML as Pagefind should read it. Pagefind gives a result per heading that has
    an ``id`` (the section a search result links to): Sphinx puts the ``id`` on the
    ``<section>`` around the heading, so it moves onto the heading, and each ``{problem}``'s
    title becomes a heading with the problem's anchor, so a pasted message leads to the
    problem that explains it; its messages are weighted like a heading. Only the index's
    copy changes; the site's page keeps Sphinx's HTML."""
    page = _SECTION_HEADING.sub(
        r'<section\g<before>\g<after>>\g<between><h\g<level> id="\g<id>">', page
    )
    return _PROBLEM_TITLE.sub(
        rf'<div class="problem\g<classes>">\g<between>'
        rf'<h{PROBLEM_LEVEL} id="\g<id>">\g<title></h{PROBLEM_LEVEL}>',
        page,
    )


def _text(html_text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", html_text)).split())


def problem_messages(site: Path) -> list[list[str]]:
    """Every ``{problem}``'s messages in the site's chapters: ``[message, URL of the
    problem's anchor from the site's root, the chapter's title, the problem's title]``.

    The search box puts the problem first when the query holds its message or is part of
    it: Pagefind ranks words, not phrases, and the words of an error message are the
    book's commonest (``shape``, ``input``, ``model``)."""
    found = []
    for page in indexed_pages(site):
        body = _BODY.search(page.read_text(encoding="utf-8"))
        if not body or page.name == "error-index.html":
            continue
        url = page.relative_to(site).as_posix()
        h1 = _H1.search(body.group(1))
        title = _text(_HEADERLINK.sub("", h1.group(1))) if h1 else ""
        problems = list(_PROBLEM_TITLE.finditer(body.group(1)))
        for message in _PROBLEM_MESSAGE.finditer(body.group(1)):
            problem = next(p for p in reversed(problems) if p.start() < message.start())
            found.append(
                [_text(message["text"]), f"{url}#{problem['id']}", title, _text(problem["title"])]
            )
    return found


def indexed_pages(site: Path) -> list[Path]:
    """The site's pages Pagefind reads (it skips those without a body marker itself)."""
    return sorted(
        page
        for page in site.rglob("*.html")
        if not {"_static", "_sources", "_images", BUNDLE} & set(page.relative_to(site).parts)
    )


def pagefind_command(copy: Path, site: Path) -> list[str]:
    """Pagefind, from the Python package's bundled binary, over the pages in `copy` (the
    index's copy of the site's pages), writing the index into `site`."""
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(copy),
        "--output-path",
        str((site / BUNDLE).resolve()),
        "--exclude-selectors",
        EXCLUDED,
        "--quiet",
    ]


def index_site(site: Path) -> str:
    """Index the built site in `site` with Pagefind and write its spelling variants; return
    a line that says what was written."""
    shutil.rmtree(site / BUNDLE, ignore_errors=True)  # no fragments left from a last run
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder)
        for page in indexed_pages(site):
            target = copy / page.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(for_indexing(page.read_text(encoding="utf-8")), encoding="utf-8")
        run = subprocess.run(pagefind_command(copy, site), capture_output=True, text=True)
    if run.returncode:
        raise SearchIndexError(f"Pagefind failed on {site}:\n{run.stdout}{run.stderr}")
    groups = variant_groups(indexed_words(site))
    (site / VARIANTS).write_text(json.dumps(groups, separators=(",", ":")), encoding="utf-8")
    messages = problem_messages(site)
    (site / MESSAGES).write_text(json.dumps(messages, separators=(",", ":")), encoding="utf-8")
    entry = json.loads((site / BUNDLE / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages = sum(language["page_count"] for language in entry["languages"].values())
    size = sum(file.stat().st_size for file in (site / BUNDLE).rglob("*") if file.is_file())
    return (
        f"search_index: {pages} pages indexed, {len(groups)} spelling groups, "
        f"{len(messages)} problem messages, "
        f"{size // 1024} KB in {BUNDLE}/"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML, e.g. docs/_build/html")
    args = parser.parse_args(argv)
    try:
        print(index_site(args.site))
    except SearchIndexError as error:
        print(f"search_index: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
