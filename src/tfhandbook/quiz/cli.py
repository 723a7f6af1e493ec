"""The ``tfhandbook`` command: ``tfhandbook quiz ...`` takes quizzes in the terminal.

tfhandbook quiz list                        the quizzes and your best scores
tfhandbook quiz take custom-losses          start or resume an attempt
tfhandbook quiz take part:custom-models     the part-level quiz
tfhandbook quiz grade custom-losses huber-by-hand answer.py   (kept for the page's score)
tfhandbook quiz history [QUIZ]
tfhandbook quiz export progress.json / import progress.json
tfhandbook quiz repair                      back up a damaged store, keep what can be read

Answers typed in the terminal are checked before they are stored: a choice that is not on
the list, an empty line, a number that is not one, an overlong line or control characters
are refused with a message saying what is accepted, and the question is asked again.
End of input or Ctrl-C stops the quiz; what was stored before stays stored.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tfhandbook.quiz.bank import BankError, Question
from tfhandbook.quiz.marking import best_score
from tfhandbook.quiz.session import (
    QuizError,
    bank_folder,
    find_banks,
    finished_attempts,
    grade_answer,
    load_quiz,
    may_reveal,
    start_or_resume,
    submit,
)
from tfhandbook.quiz.store import WAY_OUT, Store, StoreError, repair, write_atomically
from tfhandbook.quiz.types import REGISTRY
from tfhandbook.quiz.types.base import MAX_ANSWER, Refused

#: How a coding answer graded outside the page gets into the page's score.
TO_THE_PAGE = (
    "Kept in your progress. To count it in the quiz on the web page, export your progress "
    "(`tfhandbook quiz export progress.json`; `nox -s quiz -- export progress.json` in a "
    "checkout) and choose the file under Import progress there, before you submit the attempt."
)

Ask = Callable[[str], str]

#: Piped input is read this many bytes at a time at most (UTF-8 and a line ending).
LINE_LIMIT = 4 * MAX_ANSWER + 2
#: Refusals in a row after which the quiz stops (input that never gives an answer).
MAX_TRIES = 20
#: Unicode categories refused in an answer: control, format (bidirectional overrides,
#: zero-width characters), surrogates (undecodable bytes) and private use.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


class Unreadable(ValueError):
    """A line of input that is no answer at all: too long, or not UTF-8 text."""


class GaveUp(EOFError):
    """Input that gave no acceptable answer in `MAX_TRIES` tries: the quiz stops."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tfhandbook", description="Take the handbook's quizzes in the terminal."
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=bank_folder(),
        help="the question banks (default: ./docs in a checkout, else the installed ones)",
    )
    commands = parser.add_subparsers(dest="area", required=True)
    quiz = commands.add_parser("quiz", help="take quizzes and grade coding answers")
    actions = quiz.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the quizzes and your best scores")
    take = actions.add_parser("take", help="start or resume an attempt")
    take.add_argument("quiz")
    grade_ = actions.add_parser("grade", help="grade a coding answer from a file")
    grade_.add_argument("quiz")
    grade_.add_argument("question")
    grade_.add_argument("file", type=Path)
    history = actions.add_parser("history", help="your attempts")
    history.add_argument("quiz", nargs="?")
    export = actions.add_parser("export", help="write your progress to a file")
    export.add_argument("file", type=Path)
    import_ = actions.add_parser("import", help="add the attempts from an exported file")
    import_.add_argument("file", type=Path)
    actions.add_parser(
        "repair",
        help="keep a backup copy of a damaged store and write a fresh one with every "
        "attempt that can be read",
    )
    args = parser.parse_args(argv)
    store = None
    try:
        if args.action == "repair":  # before anything opens the damaged file
            return repair_store()
        store = Store()
        return COMMANDS[args.action](args, store, read_answer)
    except (QuizError, BankError, StoreError, OSError, ValueError) as error:
        print(f"tfhandbook: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nStopped. Your answers so far are saved: `take` the quiz again to resume.")
        return 130
    finally:
        if store is not None:
            store.close()


def warn_damage(store: Store) -> None:
    """Name what the last read of the store left out, and the way out."""
    found = ([store.problem] if store.problem else []) + store.damage
    if found:
        lines = "".join(f"\n  {item}" for item in found)
        print(
            f"tfhandbook: some of your progress could not be read and is left out:{lines}\n"
            f"{WAY_OUT}",
            file=sys.stderr,
        )


def list_quizzes(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    banks = find_banks(args.docs)
    attempts = store.attempts()
    for quiz in sorted(banks):
        scores = [a.score or 0.0 for a in attempts if a.quiz == quiz and not a.in_progress]
        print(f"{quiz:40} best {best_score(scores):4.0%}  ({len(scores)} attempts)")
    parts = sorted({path.parent.name for path in banks.values()})
    print("Part quizzes: " + ", ".join(f"part:{part}" for part in parts))
    warn_damage(store)
    return 0


def take(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    bank = load_quiz(args.docs, args.quiz)
    attempt = start_or_resume(store, bank)
    print(f"{bank.title}: attempt {attempt.number} of {bank.attempts}.")
    print("Answers are saved as you go; press Ctrl-C to stop and resume later.\n")
    try:
        for number, question in enumerate(attempt.questions, start=1):
            if question["key"] in attempt.answers:
                continue
            print(f"Question {number} of {len(attempt.questions)}\n{question['prompt']}")
            response = ask_question(question, bank.quiz, args.docs, ask)
            store.save_answer(attempt, question["key"], response)
            print()
    except (EOFError, KeyboardInterrupt) as stop:
        # A write cut short is rolled back, so only whole answers are stored.
        why = f"{stop} " if isinstance(stop, GaveUp) else ""
        print(
            f"\n{why}Stopped: {len(attempt.answers)} of {len(attempt.questions)} answers are "
            "saved, nothing half-done. `take` the quiz again to resume."
        )
        return 130
    score, passed = submit(store, bank, attempt)
    print(f"Score {score:.0%} ({'passed' if passed else 'not passed'}).")
    for number, question in enumerate(attempt.questions, start=1):
        verdict = "right" if attempt.results[question["key"]] else "wrong"
        print(f"  {number}. {verdict}")
    if may_reveal(store, bank):
        print("\nAnswers and explanations:")
        for number, question in enumerate(attempt.questions, start=1):
            answer = question.get("answer", "(graded by its checks)")
            print(f"  {number}. {answer}. {question['explanation']}".rstrip())
    else:
        left = bank.attempts - len(finished_attempts(store, bank))
        print(f"{left} attempt(s) left; answers are shown after a pass or the last attempt.")
    return 0


def read_answer(prompt: str, stream: BinaryIO | None = None) -> str:
    """One line from the learner, without its line ending; EOFError at the end of input.

    A terminal gets `input` and its line editing (the terminal itself bounds a line). Piped
    input is read at most `LINE_LIMIT` bytes at a time, so an endless line costs no memory:
    the rest of an overlong line is skipped and the line refused."""
    if stream is None:
        if sys.stdin.isatty():
            try:
                return input(prompt)
            except UnicodeDecodeError as error:
                raise Unreadable("it is not UTF-8 text") from error
        stream = sys.stdin.buffer
    print(prompt, end="", flush=True)
    line = stream.readline(LINE_LIMIT)
    if not line:
        raise EOFError
    if not line.endswith(b"\n") and len(line) >= LINE_LIMIT:
        while (rest := stream.readline(65536)) and not rest.endswith(b"\n"):
            pass
        raise Unreadable(f"it is longer than {MAX_ANSWER} characters")
    try:
        return line.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable("it is not UTF-8 text") from error


def accepted(question: dict[str, Any]) -> str:
    """What the question takes, as the learner is told it."""
    return REGISTRY[question["type"]].accepted(question)


def check_line(text: str) -> str:
    """The line, stripped, if it can be an answer at all; Refused if not."""
    if len(text) > MAX_ANSWER:
        raise Refused(f"the answer is longer than {MAX_ANSWER} characters")
    if any(unicodedata.category(character) in _REFUSED_CATEGORIES for character in text):
        raise Refused("the answer holds control characters")
    if not text.strip():
        raise Refused("the answer is empty")
    return text.strip()


def parse_answer(question: dict[str, Any], text: str) -> Any:
    """The response to store for a typed line: choices by number, a number, a text.
    Refused (saying why) for anything the question does not accept."""
    return REGISTRY[question["type"]].parse(question, check_line(text))


def ask_until_accepted(
    question: dict[str, Any], ask: Ask, prompt: str, parse: Callable[[str], Any]
) -> Any:
    """Ask until `parse` accepts the line; say what is accepted after every refusal."""
    for _ in range(MAX_TRIES):
        try:
            return parse(ask(prompt))
        except (Unreadable, Refused) as error:
            print(f"Not accepted: {error}. {accepted(question)}")
    raise GaveUp(f"No acceptable answer in {MAX_TRIES} tries.")


@dataclass
class _Terminal:
    """The terminal as a question type's ``ask`` hook sees it (see ``types.base.Terminal``)."""

    question: dict[str, Any]
    quiz: str
    docs: Path
    ask: Ask

    def until_accepted(self, prompt: str, parse: Callable[[str], Any]) -> Any:
        return ask_until_accepted(self.question, self.ask, prompt, lambda t: parse(check_line(t)))

    def bank_question(self) -> Question:
        return load_quiz(self.docs, self.quiz).question(self.question["id"])


def ask_question(question: dict[str, Any], quiz: str, docs: Path, ask: Ask) -> Any:
    terminal = _Terminal(question, quiz, docs, ask)
    return REGISTRY[question["type"]].ask(question, terminal)


def grade_file(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    verdict = grade_answer(store, args.docs, args.quiz, args.question, args.file, "terminal")
    if verdict.spends_attempt:
        print(TO_THE_PAGE)
    return {"passed": 0, "failed": 1}.get(verdict.status, 2)


def show_history(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    for attempt in store.attempts(args.quiz):
        state = "in progress" if attempt.in_progress else f"score {(attempt.score or 0):.0%}"
        print(f"{attempt.quiz:40} attempt {attempt.number}: {state}")
    warn_damage(store)
    return 0


def export_progress(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    data = store.export()
    write_atomically(args.file, json.dumps(data, indent=1))
    print(f"wrote {len(data['attempts'])} attempts and {len(data['grades'])} graded coding "
          f"answers to {args.file}")  # fmt: skip
    warn_damage(store)
    return 0


def import_progress(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{args.file} is not a JSON progress file ({error})") from error
    graded = len(store.grades())
    added = store.import_(data, source=args.file)
    skipped = store.damage
    grades = len(store.grades()) - graded
    print(f"added {added} attempts and {grades} graded coding answers from {args.file}")
    if skipped:
        lines = "".join(f"\n  {item}" for item in skipped)
        print(f"tfhandbook: skipped what cannot be read:{lines}", file=sys.stderr)
    return 0


def repair_store() -> int:
    report = repair()
    if report.backup is None:
        state = "no damage found" if report.path.exists() else "no store yet"
        print(f"{report.path}: {state}; nothing changed.")
        return 0
    print(f"Backup copy of the damaged store: {report.backup}")
    print(
        f"Wrote a fresh store at {report.path} with {report.kept} attempts and "
        f"{report.kept_grades} graded coding answers."
    )
    print("Dropped (still in the backup copy):")
    for item in report.dropped:
        print(f"  {item.where or 'the file'}: {item.reason}")
    return 0


COMMANDS = {
    "list": list_quizzes,
    "take": take,
    "grade": grade_file,
    "history": show_history,
    "export": export_progress,
    "import": import_progress,
}

if __name__ == "__main__":
    sys.exit(main())
