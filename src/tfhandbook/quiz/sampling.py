"""Drawing an attempt: which questions, which variant of each, in which order.

The draw is a pure function of the bank and a seed, and the seed is stored with the
attempt, so an attempt can be rebuilt exactly (after a crash, or to review it) while every
new attempt sees a fresh sample. The generator is Mulberry32, small enough to implement
identically in the page's JavaScript (``quiz.js``), so a seed means the same draw in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfhandbook.quiz.bank import Bank
from tfhandbook.quiz.variants import Variant

_MASK = 0xFFFFFFFF


class Mulberry32:
    """A 32-bit PRNG with a one-line state; the same numbers as ``quiz.js``'s."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def next_uint32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & _MASK
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & _MASK
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & _MASK)) & _MASK
        return (t ^ (t >> 14)) & _MASK

    def below(self, n: int) -> int:
        """A whole number in [0, n)."""
        return self.next_uint32() % n

    def shuffled(self, items: list) -> list:
        """A Fisher-Yates shuffle of a copy of `items`."""
        items = list(items)
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


@dataclass(frozen=True)
class DrawnQuestion:
    """One question of an attempt: the variant and the order its choices are shown in."""

    variant: Variant
    choice_order: tuple[int, ...]

    @property
    def shown_choices(self) -> list[str]:
        return [self.variant.choices[i] for i in self.choice_order]


def draw(bank: Bank, variants: dict[str, list[Variant]], seed: int) -> list[DrawnQuestion]:
    """Draw each pool's ``draw`` questions, a variant of each, and shuffle the choices."""
    rng = Mulberry32(seed)
    drawn = []
    for pool in bank.pools:
        chosen = rng.shuffled(list(pool.questions))[: pool.draw]
        for question in chosen:
            options = variants[question.id]
            variant = options[rng.below(len(options))]
            order = tuple(rng.shuffled(list(range(len(variant.choices)))))
            drawn.append(DrawnQuestion(variant, order))
    return drawn
