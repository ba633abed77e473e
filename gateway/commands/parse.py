"""`aspirasi parse`: try the parser on one text, a JSONL stream, or a labelled CSV (no Flask)."""

import json
import sys

import click

from parsers import parse as parse_text
from parsers.evaluate import metrics, read_labelled, report


def _line(text: str) -> str:
    return json.dumps(parse_text(text).to_dict(), ensure_ascii=False)


@click.command("parse")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help="Read messages from stdin, one per line; write JSON lines.")
@click.option("--eval", "eval_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV with columns text,label: print precision/recall/F1 per category.")
def parse_command(text, jsonl, eval_file):
    """Show how the parser reads TEXT (command, category, kelurahan, ...) as JSON."""
    if eval_file:
        rows = read_labelled(eval_file)
        predicted = [parse_text(t).category for t, _ in rows]
        click.echo(report(metrics([label for _, label in rows], predicted)))
    elif jsonl:
        for raw in sys.stdin:
            click.echo(_line(raw.rstrip("\r\n")))
    elif text is not None:
        click.echo(_line(text))
    else:
        raise click.UsageError("give TEXT, --jsonl or --eval FILE.csv")


COMMANDS = [parse_command]
