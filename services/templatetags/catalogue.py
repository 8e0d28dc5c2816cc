"""Template filters of the service catalogue."""

import re

from django import template

register = template.Library()

# "1. Ambil nomor antrean. 2. Tunggu panggilan." : a number opening a step,
# after a space or at the start ("Rp10.000" and "2024." never match).
_STEP_NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,2})[.)]\s+")
_BULLET = re.compile(r"^(?:\d{1,2}[.)]|[-•*])\s+")


@register.filter
def procedure_steps(text):
    """Return the steps of a procedure text as a list, numbering removed.

    One step per line, or, for a text on one line, the parts that "1.",
    "2.", ... number in sequence. A text that is neither is one step.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) == 1:
        numbers = [int(m.group(1)) for m in _STEP_NUMBER.finditer(lines[0])]
        if len(numbers) > 1 and numbers == list(range(1, len(numbers) + 1)):
            parts = _STEP_NUMBER.split(lines[0])
            # split() keeps the captured numbers: text, "1", step, "2", step...
            return [step.strip() for step in parts[2::2] if step.strip()]
        return lines
    return [_BULLET.sub("", line) for line in lines]
