"""Helpers shared by test modules."""


def lines_accounted(text: str, result: dict) -> bool:
    """Body lines + removed lines (with their offsets) are exactly the input's lines."""
    lines = text.split("\n")
    removed = {r["line"]: r for r in result["removed"]}
    body = iter(result["text"].split("\n") if result["text"] else [])
    for i, ln in enumerate(lines):
        if i in removed:
            r = removed[i]
            if text[r["start"]:r["end"]] != ln or r["text"] != ln:
                return False
        elif next(body, None) != ln:
            return False
    return next(body, None) is None
