"""One setting, the repository's URL, turns on every link to the book's own code; unset,
no such link is drawn (issue 18)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sphinx.errors import ConfigError

from tfhandbook.book.notebooks import INDEX_REQUIREMENT

REPOSITORY = "https://github.com/handbook-org/advanced-tf"
SET = {"tfhandbook_repository": REPOSITORY, "tfhandbook_repository_branch": "v1.2"}


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.mark.sphinx("html", testroot="repository", confoverrides=SET, freshenv=True)
def test_a_chapter_links_its_source_edit_issues_launchers_and_code(app) -> None:
    app.build()
    html = (app.outdir / "part" / "chapter.html").read_text(encoding="utf-8")
    found = links(html)
    assert REPOSITORY in found  # the repository button
    assert f"{REPOSITORY}/edit/v1.2/part/chapter.md" in found
    assert any(url.startswith(f"{REPOSITORY}/issues/new") for url in found)
    colab = "https://colab.research.google.com/github/handbook-org/advanced-tf/blob/notebooks"
    assert f"{colab}/part/chapter.ipynb" in found
    binder = "https://mybinder.org/v2/gh/handbook-org/advanced-tf/notebooks"
    assert f"{binder}?labpath=part/chapter.ipynb" in found
    assert f"{REPOSITORY}/blob/v1.2/snippets/demo.py" in found
    assert ">View this chapter&#39;s code<" in html or ">View this chapter's code<" in html


@pytest.mark.sphinx("html", testroot="repository", confoverrides=SET, freshenv=True)
def test_the_notebook_installs_the_package_from_the_repository(app) -> None:
    app.build()
    notebook = json.loads((app.outdir / "_sources" / "part" / "chapter.ipynb").read_text())
    install = "".join(notebook["cells"][1]["source"])
    assert f"'tfhandbook @ git+{REPOSITORY}@v1.2'" in install


@pytest.mark.sphinx("html", testroot="repository", confoverrides=SET, freshenv=True)
def test_the_landing_page_clones_the_real_repository(app) -> None:
    app.build()
    page = re.sub(r"<[^>]+>", "", (app.outdir / "index.html").read_text(encoding="utf-8"))
    assert f"git clone {REPOSITORY}.git" in page and "cd advanced-tf" in page


@pytest.mark.sphinx("html", testroot="repository", freshenv=True)
def test_without_the_setting_no_repository_link_is_drawn(app) -> None:
    app.build()
    for page in ("index.html", "part/chapter.html"):
        html = (app.outdir / page).read_text(encoding="utf-8")
        assert not [url for url in links(html) if "github.com" in url or "colab" in url]
        assert "mybinder" not in html and "git clone" not in html
    notebook = json.loads((app.outdir / "_sources" / "part" / "chapter.ipynb").read_text())
    assert f"{INDEX_REQUIREMENT!r}" in "".join(notebook["cells"][1]["source"])


def test_a_repository_url_that_is_not_github_is_refused(make_app, rootdir, tmp_path) -> None:
    source = tmp_path / "repository"
    shutil.copytree(rootdir / "test-repository", source)
    gitlab = {"tfhandbook_repository": "https://gitlab.com/a/b"}
    with pytest.raises(ConfigError, match=r"'https://gitlab.com/a/b' is not https://github"):
        make_app("html", srcdir=source, confoverrides=gitlab)
