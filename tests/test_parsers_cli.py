"""`aspirasi parse` (gateway/commands/parse.py): one text, JSON lines, and --eval."""

import ast
import json
from pathlib import Path

from click.testing import CliRunner

from gateway.commands.parse import COMMANDS, parse_command

ROOT = Path(__file__).resolve().parent.parent


def test_single_text_prints_one_json_object():
    result = CliRunner().invoke(parse_command, ["jln rusak di kel. paceda"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["command"] == "ASPIRASI" and data["category"] == "infrastruktur"
    assert data["kelurahan"] == "Paceda" and data["kecamatan"] == "Madidir"


def test_jsonl_reads_stdin_line_by_line():
    result = CliRunner().invoke(parse_command, ["--jsonl"], input="cek a7k2q\nhadir\n\n")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["command"] for d in lines] == ["CEK", "HADIR", "ASPIRASI"]
    for key in ("text", "command", "category", "kelurahan", "kecamatan", "confidence",
                "keywords", "args", "normalized"):
        assert key in lines[0]
    assert lines[0]["args"] == {"ticket": "A7K2Q"}


def test_eval_prints_metrics(tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text("text,label\njalan rusak,infrastruktur\nmodal usaha,ekonomi\n"
                    "homestay,pariwisata\nhalo,lainnya\n", encoding="utf-8")
    result = CliRunner().invoke(parse_command, ["--eval", str(path)])
    assert result.exit_code == 0
    assert "macro-F1 1.000" in result.output and "accuracy 1.000" in result.output
    assert "confusion" in result.output


def test_usage_error_without_input():
    assert CliRunner().invoke(parse_command, []).exit_code != 0


def test_commands_contract_and_no_flask():
    assert COMMANDS == [parse_command] and parse_command.name == "parse"
    tree = ast.parse((ROOT / "gateway/commands/parse.py").read_text(encoding="utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(name.split(".")[0] == "flask" for name in imported)
