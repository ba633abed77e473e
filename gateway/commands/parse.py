"""`aspirasi parse`: try the parser on one text, a JSONL stream, or a labelled CSV (no Flask)."""

import json
import sys

import click

from parsers import REVIEW_THRESHOLD
from parsers import parse as parse_text
from parsers.evaluate import metrics, read_labelled, report


def _line(text: str) -> str:
    return json.dumps(parse_text(text).to_dict(), ensure_ascii=False)


@click.command("parse")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help="Read messages from stdin, one per line; write JSON lines.")
@click.option("--eval", "eval_file", is_flag=False, flag_value="", default=None,
              metavar="[FILE.csv]",
              help="With FILE (columns text,label): precision/recall/F1 per category on it. "
                   "Alone: the evaluation protocol (split, k-fold, leave-one-source-out).")
def parse_command(text, jsonl, eval_file):
    """Show how the parser reads TEXT (command, category, kelurahan, ...) as JSON."""
    if eval_file:
        rows = read_labelled(eval_file)
        parsed = [parse_text(t) for t, _ in rows]
        click.echo(report(metrics([label for _, label in rows], [p.category for p in parsed])))
        sure = [p.category == label for p, (_, label) in zip(parsed, rows, strict=True)
                if not p.needs_review]
        click.echo(f"perlu dicek (confidence < {REVIEW_THRESHOLD}): "
                   f"{len(rows) - len(sure)} of {len(rows)}; precision of the rest "
                   f"{sum(sure) / len(sure) if sure else 0.0:.3f}")
    elif eval_file is not None:
        from parsers import protocol

        click.echo(protocol.summary(protocol.run()))
        click.echo(protocol.kelurahan_summary(protocol.kelurahan_check()))
    elif jsonl:
        for raw in sys.stdin:
            click.echo(_line(raw.rstrip("\r\n")))
    elif text is not None:
        click.echo(_line(text))
    else:
        raise click.UsageError("give TEXT, --jsonl or --eval FILE.csv")


COMMANDS = [parse_command]
