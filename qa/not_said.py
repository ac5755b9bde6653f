"""What a related reply says in plain English: the reader's question turned
into "The interview does not say ..." (an indirect question: "What is CICA's
budget?" -> "The interview does not say what CICA's budget is.")."""

from __future__ import annotations

import re

# "What is CICA's budget?" -> "The interview does not say what CICA's budget is."
_WH = r"(what|who|whom|which(?:\s+\w+)?|where|when|why|how(?:\s+many\s+\w+|\s+much|\s+long)?)"
_BE = re.compile(rf"^{_WH}\s+(is|are|was|were)\s+(.+)$", re.IGNORECASE)
_AUXILIARY = re.compile(rf"^{_WH}\s+(did|does|do|will|would|can|could|should)\s+(.+)$", re.IGNORECASE)
_SUBJECT = re.compile(r"^(who|what|which\s+\w+)\s+(\w+(?:s|ed)\b.*)$", re.IGNORECASE)
_VERBS = frozenset(
    [
        "add",
        "adopt",
        "agree",
        "approve",
        "ask",
        "become",
        "begin",
        "bring",
        "build",
        "chair",
        "choose",
        "come",
        "cooperate",
        "create",
        "decide",
        "do",
        "establish",
        "fund",
        "get",
        "give",
        "go",
        "grow",
        "have",
        "head",
        "hold",
        "host",
        "include",
        "introduce",
        "join",
        "launch",
        "lead",
        "leave",
        "make",
        "manage",
        "meet",
        "need",
        "offer",
        "open",
        "organise",
        "organize",
        "pass",
        "pay",
        "plan",
        "play",
        "propose",
        "provide",
        "receive",
        "replace",
        "report",
        "run",
        "say",
        "see",
        "send",
        "serve",
        "set",
        "sign",
        "speak",
        "spend",
        "start",
        "succeed",
        "suggest",
        "support",
        "take",
        "transform",
        "want",
        "win",
        "work",
        "write",
        "be",
    ]
)
_IRREGULAR = {
    "become": "became", "begin": "began", "bring": "brought", "build": "built", "choose": "chose", "come": "came",
    "do": "did", "get": "got", "give": "gave", "go": "went", "grow": "grew", "have": "had", "hold": "held",
    "lead": "led", "leave": "left", "make": "made", "meet": "met", "pay": "paid", "run": "ran", "say": "said",
    "see": "saw", "send": "sent", "set": "set", "speak": "spoke", "spend": "spent", "take": "took", "win": "won",
    "write": "wrote",
}  # fmt: skip


def not_said(question: str) -> str:
    """What a "related" reply says: that the interview does not say what was
    asked, as an indirect question where one can be made plainly ("... does
    not say what CICA's budget is."), else with the question quoted."""
    text = " ".join(question.split()).rstrip("?!. ")
    indirect = _indirect(text)
    if indirect is None:
        return f"The interview does not answer “{text}?”."
    return f"The interview does not say {indirect}."


def _indirect(text: str) -> str | None:
    if (m := _BE.match(text)) is not None:
        return f"{m[1].lower()} {m[3]} {m[2].lower()}"
    if (m := _AUXILIARY.match(text)) is None:
        subject_question = _SUBJECT.match(text)  # "Who heads the SCO?": the question word is the subject
        return None if subject_question is None else f"{subject_question[1].lower()} {subject_question[2]}"
    words = m[3].split()
    at = next((i for i, w in enumerate(words) if w.lower() in _VERBS and w.islower()), None)
    if at is None:
        return None
    if at == 0:  # "Which city will host the Summit?"
        return f"{m[1].lower()} {m[2].lower()} {m[3]}"
    subject, verb, rest = " ".join(words[:at]), words[at], " ".join(words[at + 1 :])
    auxiliary = m[2].lower()
    if auxiliary == "did":
        verb = _past(verb)
    elif auxiliary == "does":
        verb = _third_person(verb)
    elif auxiliary != "do":
        verb = f"{auxiliary} {verb}"
    return " ".join(part for part in (m[1].lower(), subject, verb, rest) if part)


def _past(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u"):
        return verb[:-1] + "ied"
    return verb + "ed"


def _third_person(verb: str) -> str:
    if verb == "have":
        return "has"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u"):
        return verb[:-1] + "ies"
    return verb + "s"
