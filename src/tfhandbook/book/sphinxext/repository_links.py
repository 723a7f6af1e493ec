"""The book's links to its own repository, all from one setting.

``tfhandbook_repository`` is the repository's GitHub URL (``conf.py`` reads it from
``$HANDBOOK_REPOSITORY``, which the Pages workflow sets); ``tfhandbook_repository_branch``
the branch or tag the book is built from, and ``tfhandbook_notebooks_branch`` the branch
the workflow publishes the chapters' notebooks to. With the URL set:

- the theme's repository, source, edit-this-page and issue buttons;
- on every chapter with a notebook, *Open in Colab* and *Launch on Binder* links to that
  notebook on the notebooks branch, and a link to the chapter's code in ``snippets/``;
- notebooks whose install cell takes the package from the repository at that branch;
- the landing page's ``{repository-clone}`` command with the real URL.

Unset, none of these appear: a link that would be broken is never drawn.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util.docutils import SphinxDirective

from tfhandbook.book.chapters import read_chapter, walk
from tfhandbook.book.notebooks import DISTRIBUTION, INDEX_REQUIREMENT

TEMPLATES = Path(__file__).parent / "templates"
#: What Colab and Binder can open: a repository on GitHub.
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)/?$")


def repository(config: Config) -> re.Match[str] | None:
    """The configured repository's URL, parsed; None when unset."""
    url = config.tfhandbook_repository.strip()
    return GITHUB.match(url) if url else None


def repository_url(found: re.Match[str]) -> str:
    """The repository's URL, without a trailing slash."""
    return f"https://github.com/{found.group('owner')}/{found.group('name')}"


def install_requirement(config: Config) -> str:
    """What a notebook's install cell asks pip for: the repository at the book's branch,
    when the book knows where it lives, else the book's version from an index."""
    found = repository(config)
    if not found:
        return INDEX_REQUIREMENT
    return f"{DISTRIBUTION} @ git+{repository_url(found)}@{config.tfhandbook_repository_branch}"


def _configure(app: Sphinx, config: Config) -> None:
    config.templates_path.append(str(TEMPLATES))
    url = config.tfhandbook_repository.strip()
    if not url:
        return
    found = repository(config)
    if not found:
        raise ConfigError(
            f"tfhandbook_repository: {url!r} is not https://github.com/<owner>/<name>, "
            "which the launch links (Colab, Binder) need"
        )
    # The theme draws these buttons from its own options; set them only when they can work.
    config.html_theme_options = {
        **config.html_theme_options,
        "repository_url": repository_url(found),
        "repository_branch": config.tfhandbook_repository_branch,
        "path_to_docs": config.tfhandbook_docs_folder,
        "use_repository_button": True,
        "use_source_button": True,
        "use_edit_page_button": True,
        "use_issues_button": True,
    }


def chapter_code(app: Sphinx, docname: str) -> str | None:
    """The snippets module a chapter embeds most, as a path inside the repository."""
    source = Path(app.env.doc2path(docname))
    root = Path(app.srcdir).joinpath(*[".."] * len(Path(app.config.tfhandbook_docs_folder).parts))
    included = Counter(
        (source.parent / block.argument).resolve().relative_to(root.resolve()).as_posix()
        for block in walk(read_chapter(source))
        if block.kind == "listing"
    )
    modules = [path for path, _ in included.most_common() if path.startswith("snippets/")]
    return modules[0] if modules else None


def _add_links(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    found = repository(app.config)
    if not found or doctree is None or not context.get("ipynb_source"):
        return
    owner, name = found.group("owner"), found.group("name")
    notebook = f"{pagename}.ipynb"
    branch = app.config.tfhandbook_notebooks_branch
    links = [
        ("Open in Colab", f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{notebook}"),
        ("Launch on Binder", f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?labpath={notebook}"),
    ]  # fmt: skip
    code = chapter_code(app, pagename)
    if code:
        tree = f"{repository_url(found)}/blob/{app.config.tfhandbook_repository_branch}"
        links.append(("View this chapter's code", f"{tree}/{code}"))
    context["repository_links"] = links


class RepositoryCloneDirective(SphinxDirective):
    """The commands that clone the repository, or nothing while the book does not know it."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        found = repository(self.config)
        if not found:
            return []
        commands = f"git clone {repository_url(found)}.git\ncd {found.group('name')}"
        block = nodes.literal_block(commands, commands, language="bash")
        self.set_source_info(block)
        return [block]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("tfhandbook_repository", "", "env", str)
    app.add_config_value("tfhandbook_repository_branch", "main", "env", str)
    app.add_config_value("tfhandbook_notebooks_branch", "notebooks", "env", str)
    app.add_config_value("tfhandbook_docs_folder", "docs", "env", str)
    app.add_directive("repository-clone", RepositoryCloneDirective)
    app.connect("config-inited", _configure)
    # After notebook_download (priority 400) has said which pages have a notebook.
    app.connect("html-page-context", _add_links, priority=500)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
