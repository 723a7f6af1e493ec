"""Quizzes: question banks beside the chapters, sampled attempts, and code graded by running it.

- :mod:`~tfhandbook.quiz.types` holds the question types, one module each, and the registry
  the rest of the engine finds them in;
- :mod:`~tfhandbook.quiz.bank` reads and validates a bank (YAML) with file-and-line errors;
- :mod:`~tfhandbook.quiz.variants` expands parameterised questions and computes their answers;
- :mod:`~tfhandbook.quiz.sampling` draws an attempt's questions from the pools, from a seed;
- :mod:`~tfhandbook.quiz.grading` runs learner code in a sandboxed process and compares it
  with the reference solution outside that process.
"""
