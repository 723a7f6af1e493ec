"""The ``tfhandbook`` command: ``tfhandbook quiz ...`` takes quizzes in the terminal.

tfhandbook quiz list                        the quizzes and your best scores
tfhandbook quiz take custom-losses          start or resume an attempt
tfhandbook quiz take part:custom-models     the part-level quiz
tfhandbook quiz grade custom-losses huber-by-hand answer.py
tfhandbook quiz history [QUIZ]
tfhandbook quiz export progress.json / import progress.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfhandbook.quiz.bank import BankError
from tfhandbook.quiz.grading import Grade, grade
from tfhandbook.quiz.marking import best_score
from tfhandbook.quiz.session import (
    QuizError,
    find_banks,
    finished_attempts,
    load_quiz,
    may_reveal,
    start_or_resume,
    submit,
)
from tfhandbook.quiz.store import Store

Ask = Callable[[str], str]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tfhandbook", description="Take the handbook's quizzes in the terminal."
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the handbook's docs/")
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
    args = parser.parse_args(argv)
    store = Store()
    try:
        return COMMANDS[args.action](args, store, input)
    except (QuizError, BankError, OSError, ValueError) as error:
        print(f"tfhandbook: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nStopped. Your answers so far are saved: `take` the quiz again to resume.")
        return 130
    finally:
        store.close()


def list_quizzes(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    banks = find_banks(args.docs)
    for quiz in sorted(banks):
        scores = [a.score or 0.0 for a in store.attempts(quiz) if not a.in_progress]
        print(f"{quiz:40} best {best_score(scores):4.0%}  ({len(scores)} attempts)")
    parts = sorted({path.parent.name for path in banks.values()})
    print("Part quizzes: " + ", ".join(f"part:{part}" for part in parts))
    return 0


def take(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    bank = load_quiz(args.docs, args.quiz)
    attempt = start_or_resume(store, bank)
    print(f"{bank.title}: attempt {attempt.number} of {bank.attempts}.")
    print("Answers are saved as you go; press Ctrl-C to stop and resume later.\n")
    for number, question in enumerate(attempt.questions, start=1):
        if question["key"] in attempt.answers:
            continue
        print(f"Question {number} of {len(attempt.questions)}\n{question['prompt']}")
        response = ask_question(question, bank.quiz, args.docs, ask)
        store.save_answer(attempt, question["key"], response)
        print()
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


def ask_question(question: dict[str, Any], quiz: str, docs: Path, ask: Ask) -> Any:
    match question["type"]:
        case "single" | "multiple":
            for index, choice in enumerate(question["choices"], start=1):
                print(f"  {index}. {choice}")
            hint = "one number" if question["type"] == "single" else "numbers separated by commas"
            picked = _numbers(ask(f"Your answer ({hint}): "), len(question["choices"]))
            chosen = [question["choices"][i - 1] for i in picked]
            return chosen[0] if question["type"] == "single" and chosen else chosen
        case "numeric" | "text":
            return ask("Your answer: ").strip()
        case "code":
            print("Starter code:\n" + question["starter"])
            while True:
                path = Path(ask("Path to your answer file (empty to skip): ").strip())
                if not str(path) or str(path) == ".":
                    return None
                verdict = grade(load_quiz(docs, quiz).question(question["id"]), path.read_text())
                print_grade(verdict)
                if verdict.spends_attempt:
                    return {"status": verdict.status, "summary": verdict.summary}
    raise ValueError(f"unknown question type {question['type']!r}")


def _numbers(text: str, count: int) -> list[int]:
    numbers = []
    for part in text.replace(",", " ").split():
        if part.isdigit() and 1 <= int(part) <= count:
            numbers.append(int(part))
    return numbers


def print_grade(verdict: Grade) -> None:
    print(f"{verdict.status.upper()}: {verdict.summary}")
    for check in verdict.checks:
        kind = "hidden" if check.hidden else "public"
        mark = "ok " if check.passed else "FAIL"
        print(f"  [{mark}] {kind} check '{check.name}' {check.message}".rstrip())


def grade_file(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    question = load_quiz(args.docs, args.quiz).question(args.question)
    if question.type != "code":
        raise QuizError(f"{args.question} is a {question.type} question, not a coding one")
    verdict = grade(question, args.file.read_text(encoding="utf-8"))
    print_grade(verdict)
    return {"passed": 0, "failed": 1}.get(verdict.status, 2)


def show_history(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    for attempt in store.attempts(args.quiz):
        state = "in progress" if attempt.in_progress else f"score {attempt.score:.0%}"
        print(f"{attempt.quiz:40} attempt {attempt.number}: {state}")
    return 0


def export_progress(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    args.file.write_text(json.dumps(store.export(), indent=1), encoding="utf-8")
    print(f"wrote {len(store.attempts())} attempts to {args.file}")
    return 0


def import_progress(args: argparse.Namespace, store: Store, ask: Ask) -> int:
    added = store.import_(json.loads(args.file.read_text(encoding="utf-8")))
    print(f"added {added} attempts from {args.file}")
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
