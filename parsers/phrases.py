"""Whole-word phrase matching with one precompiled regex (place names in free text)."""

import re


def trie_pattern(phrases) -> re.Pattern:
    """A regex finding any phrase as whole words, longest first (a letter trie, greedy), in
    " " + " ".join(words): every match starts with that literal space, so the regex engine
    jumps from space to space instead of trying a word boundary at every letter."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(r" (" + _branch(trie) + r")(?= |$)")


def _branch(node: dict) -> str:
    alternatives = [re.escape(char) + _branch(child) for char, child in sorted(node.items()) if char]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if "" in node else body
