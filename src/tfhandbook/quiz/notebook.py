"""Grading a coding question in a notebook: the grading cell of a chapter's notebook calls
:func:`grade_in_notebook`.

It runs what ``tfhandbook quiz grade`` runs (:func:`tfhandbook.quiz.session.grade_answer`:
the same sandboxed grader, limits and messages), keeps the verdict in the same store, and
writes the progress file the quiz's web page imports, so the grade counts in the page's
score. Nothing it is given raises into the notebook: a missing or unreadable answer file,
a question that is not a coding one or a damaged store is one printed line saying what to
do, so a notebook run top to bottom never stops at a grading cell.
"""

from __future__ import annotations

import json
from pathlib import Path

from tfhandbook.quiz.bank import BankError
from tfhandbook.quiz.grading import Grade
from tfhandbook.quiz.session import QuizError, bank_folder, grade_answer
from tfhandbook.quiz.store import Store, StoreError, write_atomically

#: Where the grading cell writes the progress file for the page, beside the notebook.
PROGRESS_FILE = "tfhandbook-progress.json"


def grade_in_notebook(
    quiz: str, question: str, answer: str | Path, progress: str | Path = PROGRESS_FILE
) -> Grade | None:
    """Grade the answer file `answer` for `question` of `quiz`, keep the verdict and write
    every kept result to `progress` for the page; None when nothing could be graded."""
    store = None
    try:
        store = Store()
        verdict = grade_answer(store, bank_folder(), quiz, question, Path(answer), "notebook")
        if verdict.spends_attempt:
            write_atomically(Path(progress), json.dumps(store.export(), indent=1))
            print(
                f"Kept in your progress and written to {progress}. To count it in the quiz "
                "on the chapter's web page, download that file and choose it under Import "
                "progress there, before you submit the attempt."
            )
        return verdict
    except (QuizError, BankError, StoreError, OSError, ValueError) as error:
        print(f"Not graded: {error}")
        return None
    finally:
        if store is not None:
            store.close()
