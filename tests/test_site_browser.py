"""The built handbook in a real browser: what a reader does on the first visit.

The site is the real book, built once per run (see the ``handbook_site`` fixture)."""

from __future__ import annotations

import functools
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from sphinx.search.en import SearchEnglish

from tfhandbook.book.chapters import read_chapter, walk
from tfhandbook.book.sphinxext.problems import OLD_MESSAGE, wordings

# The fixture builds the whole site, the longest single task in the suite: start it first.
pytestmark = pytest.mark.long_running

PARTS = ("custom-models", "custom-training", "computer-vision", "generative")


@pytest.fixture(scope="module")
def site_url(handbook_site: Path, serve) -> str:
    with serve(handbook_site) as url:
        yield url


@pytest.fixture
def page(chromium, site_url):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            page.problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            page.problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    yield page
    context.close()


def test_the_landing_page_leads_to_every_part(page, site_url: str) -> None:
    page.goto(f"{site_url}/index.html")
    assert page.title().startswith("The Advanced TensorFlow Handbook")
    for part in PARTS:
        page.goto(f"{site_url}/index.html")
        page.locator(f'.sd-card:has(a[href="{part}/index.html"])').click()
        assert page.url.endswith(f"/{part}/index.html")
        assert page.locator("h1").first.inner_text().startswith("Part ")
    assert page.problems == []


def test_search_finds_the_gradienttape_chapter(page, site_url: str) -> None:
    # From a chapter: the search box searches as you type (docs/_static/search.js, on the
    # Pagefind index), and Enter opens the first result. tests/test_search.py asks it more.
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    page.locator(".search-button-field").first.click()
    page.locator("#pst-search-dialog input[type=search]").fill("GradientTape")
    page.locator("#search-as-you-type-results [role=option]").first.wait_for(timeout=15000)
    page.keyboard.press("Enter")
    page.wait_for_url("**/custom-training/gradient-tape.html*")


def test_a_copy_button_copies_code_without_prompts_or_output(page, site_url: str) -> None:
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    block = page.locator("div.highlight-python", has_text=">>>").first
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = block.inner_text()
    assert ">>>" in shown and ">>>" not in copied and copied.strip()
    outputs = [line for line in shown.splitlines() if line and not line.startswith((">>>", "..."))]
    assert not any(line in copied.splitlines() for line in outputs if line.strip())


def test_dark_mode_toggles_and_is_remembered(page, site_url: str) -> None:
    page.goto(f"{site_url}/index.html")
    page.evaluate("localStorage.setItem('mode', 'light')")
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == "light"
    page.locator("button.theme-switch-button:visible").first.click()
    page.locator('.theme-change-button[data-mode="dark"]:visible').first.click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == "dark"


def test_the_notebook_download_is_a_valid_notebook(page, site_url: str) -> None:
    import nbformat

    page.goto(f"{site_url}/custom-models/custom-layers.html")
    href = page.locator("a.btn-download-notebook-button").first.get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, href
    notebook = nbformat.reads(response.text(), as_version=4)
    nbformat.validate(notebook)
    assert sum(cell.cell_type == "code" for cell in notebook.cells) > 10


def test_a_coding_question_fits_a_phone_with_its_command_in_view(page, site_url: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{site_url}/computer-vision/image-segmentation.html")
    quiz = page.locator('.tfh-quiz[data-quiz="image-segmentation"]')
    quiz.get_by_role("button", name="Start the quiz").click()
    question = quiz.locator("fieldset.tfh-quiz-code")
    for index in range(question.locator("pre").count()):
        box = question.locator("pre").nth(index).bounding_box()
        assert box is None or box["x"] + box["width"] <= 360  # code scrolls inside itself
    command = question.locator(".tfh-quiz-copyable").last.locator("pre")
    assert "grade image-segmentation" in command.inner_text()
    assert command.evaluate("pre => pre.scrollWidth <= pre.clientWidth")  # wrapped, all seen
    assert page.problems == []


@pytest.mark.parametrize("width", [360, 412])
def test_no_page_is_wider_than_a_phone(page, site_url: str, handbook_site: Path, width) -> None:
    """Inline code and long references wrap, code blocks and tables scroll inside
    themselves: no page makes a phone's reader scroll sideways."""
    page.set_viewport_size({"width": width, "height": 800})
    too_wide = {}
    for path in html_pages(handbook_site):
        if "_sources" in path.parts:
            continue
        page.goto(f"{site_url}/{path.relative_to(handbook_site).as_posix()}")
        scrolled = page.evaluate("() => document.documentElement.scrollWidth")
        if scrolled > width:
            too_wide[path.name] = scrolled
    assert too_wide == {}


def test_a_long_dotted_name_wraps_at_its_dots(page, site_url: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{site_url}/computer-vision/interpretability.html")
    name = page.locator("code.literal", has_text="global_average_pooling2d").first
    assert name.locator("wbr").count() > 3
    lines = name.evaluate("code => code.getClientRects().length")
    assert lines > 1  # wrapped...
    text = name.evaluate("code => code.textContent")
    assert text == "keras.src.layers.pooling.global_average_pooling2d.GlobalAveragePooling2D"


def test_every_figure_says_what_it_shows(handbook_site: Path) -> None:
    """Alt text that describes the figure (not its file path) and a caption, on every one."""
    undescribed = []
    for path in html_pages(handbook_site):
        html = path.read_text(encoding="utf-8")
        for figure in re.findall(r"<figure[^>]*>(.*?)</figure>", html, flags=re.DOTALL):
            alt = re.search(r'<img[^>]*alt="([^"]*)"', figure)
            if not alt or alt.group(1).endswith(".png") or "<figcaption>" not in figure:
                undescribed.append(f"{path.name}: {alt.group(1) if alt else figure[:60]}")
    assert undescribed == []


def test_a_tap_on_a_figure_opens_it_at_full_size(page, site_url: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    image = page.locator("article figure img.plot-directive").first
    link = image.locator("xpath=..")
    assert link.get_attribute("class") == "figure-zoom"
    assert link.get_attribute("href") == image.get_attribute("src")
    image.scroll_into_view_if_needed()  # figures load lazily
    image.evaluate("img => img.decode()")
    natural = image.evaluate("img => img.naturalWidth")
    assert natural > image.bounding_box()["width"]  # shrunk on the phone, full size behind it
    assert page.problems == []


def _luminance(rgb: str) -> float:
    """WCAG's relative luminance of a CSS ``rgb(r, g, b)`` colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_back_to_top_button_is_legible(chromium, site_url: str, scheme: str) -> None:
    page = chromium.new_page(viewport={"width": 412, "height": 800}, color_scheme=scheme)
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    text, background = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('#pst-back-to-top'));"
        " return [s.color, s.backgroundColor]; }"
    )
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5  # WCAG AA for its small text
    page.close()


def test_a_printed_chapter_keeps_every_code_line_whole(page, site_url: str) -> None:
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})  # about an A4 page's text width
    page.goto(f"{site_url}/computer-vision/object-detection.html")
    cut = page.evaluate(
        "() => [...document.querySelectorAll('article pre')]"
        ".filter(pre => pre.scrollWidth > pre.clientWidth + 1).length"
    )
    assert cut == 0


def test_every_chapter_says_what_it_assumes_and_teaches(handbook_site: Path) -> None:
    missing = []
    for chapter in (page for page in _chapters() if page.name != "index.md"):
        page = handbook_site / chapter.parent.name / f"{chapter.stem}.html"
        guide = page.read_text(encoding="utf-8").partition('class="chapter-guide')[2]
        if not ("minutes of reading" in guide and "Before this chapter" in guide):
            missing.append(chapter.name)
    assert missing == []


def html_pages(site: Path) -> list[Path]:
    return sorted(
        path
        for path in site.rglob("*.html")
        if "_static" not in path.parts and "plot_directive" not in path.parts
    )


def test_no_page_logs_an_error_or_requests_a_missing_file(
    page, site_url: str, handbook_site: Path
) -> None:
    for path in html_pages(handbook_site):
        if path.name == "404.html":  # it loads its files from the hosted site's root
            continue
        page.goto(f"{site_url}/{path.relative_to(handbook_site).as_posix()}")
        page.wait_for_load_state("networkidle")
    assert page.problems == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            value = attributes.get(name)
            if value and not re.match(r"^([a-z]+:|//|#$|javascript:)", value):
                self.links.append(value)


@functools.cache
def parsed(path: Path) -> _Links:
    """A page's links and ids; each page is read once, however many pages link to it."""
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_internal_link_resolves(handbook_site: Path) -> None:
    broken = []
    for path in html_pages(handbook_site):
        if path.name == "404.html":  # its links are absolute to the hosted site's root
            continue
        for link in parsed(path).links:
            parts = urlsplit(link)
            target, anchor = parts.path, parts.fragment
            target_path = (path.parent / unquote(target)).resolve() if target else path
            if target_path.is_dir():
                target_path = target_path / "index.html"
            if not target_path.exists():
                broken.append(f"{path.relative_to(handbook_site)} -> {link}")
            elif (
                anchor
                and target_path.suffix == ".html"
                and unquote(anchor) not in parsed(target_path).ids
            ):
                broken.append(f"{path.relative_to(handbook_site)} -> {link} (no such anchor)")
    assert broken == []


def test_the_sitemap_lists_every_chapter(handbook_site: Path) -> None:
    sitemap = (handbook_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "custom-models/custom-losses.html" in sitemap
    assert json.dumps(sitemap)  # well-formed text


def _problem_messages(page: Path) -> list[str]:
    """The current and old messages of every ``{problem}`` in `page`."""
    found = []
    for problem in walk(read_chapter(page)):
        if problem.name != "problem":
            continue
        found += wordings(problem.options.get("message"))
        old = wordings(problem.options.get("old-message"))
        found += [OLD_MESSAGE.match(wording).group("text") for wording in old]
    return found


def _chapters() -> list[Path]:
    docs = Path(__file__).parents[1] / "docs"
    return sorted(page for part in PARTS for page in (docs / part).glob("*.md"))


def test_the_error_index_lists_every_message(handbook_site: Path) -> None:
    page = (handbook_site / "appendix" / "error-index.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
    missing = [
        (chapter.name, message)
        for chapter in _chapters()
        for message in _problem_messages(chapter)
        if " ".join(message.split()) not in text
    ]
    assert missing == []


def test_a_pasted_message_finds_its_chapter_in_the_books_search(handbook_site: Path) -> None:
    """As the search page does: every word of the query (stop words and numbers left
    out, stemmed) must be in a page for the page to be found."""
    index_text = (handbook_site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(index_text[index_text.index("(") + 1 : index_text.rindex(")")])
    docnames = index["docnames"]
    language = SearchEnglish({})

    def pages_with(word: str) -> set[str]:
        found = set()
        for table in (index["terms"], index["titleterms"]):
            hits = table.get(language.stem(word.lower()), [])
            found |= {docnames[hit] for hit in ([hits] if isinstance(hits, int) else hits)}
        return found

    unfound = []
    for chapter in _chapters():
        docname = chapter.relative_to(chapter.parents[1]).with_suffix("").as_posix()
        for message in _problem_messages(chapter):
            words = [
                word
                for word in language.split(message)
                if word.lower() not in language.stopwords and not word.isdigit()
            ]
            if not all(docname in pages_with(word) for word in words):
                unfound.append((docname, message))
    assert unfound == []
