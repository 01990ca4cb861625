"""``python -m debate`` (debate.cli)."""

import json
import shutil
from pathlib import Path

import pytest

from debate.cli import SUBCOMMANDS, build_parser, main
from tests.debate.helpers import run_debate_polis

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "polis"
BREXIT = DATA / "brexit-consensus"


def small_export(tmp_path, votes):
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,x,0,5,0,0,1,Build the tram\n2,x,1,5,0,0,1,Keep the buses\n"
    )
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n" + votes)
    return tmp_path


class TestPolisCommand:
    def test_main_polis_json_is_the_analysis(self, capsys):
        assert main(["polis", str(BREXIT), "--json", "--seed", "3"]) == 0
        out, err = capsys.readouterr()
        result = json.loads(out)
        assert err == ""
        assert result["seed"] == 3
        assert result["k"] == 2
        assert len(result["participants"]) == 204
        assert result["timings"]["load_s"] > 0
        assert list(result["timings"])[:1] == ["load_s"]

    def test_main_polis_text_shows_groups_with_statement_texts(self, capsys):
        assert main(["polis", str(BREXIT)]) == 0
        out = capsys.readouterr().out
        assert "204 participants, 50 statements (0 moderated out)" in out
        assert "Opinion groups: 2" in out
        assert "Group 0:" in out and "Group 1:" in out
        assert "Consensus" in out and "Divisive" in out and "Controversy:" in out
        # Statement texts, not just ids.
        assert "Brexit" in out

    def test_main_polis_reads_participants_votes_when_votes_csv_is_absent(self, tmp_path, capsys):
        for name in ("comments.csv", "participants-votes.csv"):
            shutil.copy(BREXIT / name, tmp_path / name)
        assert main(["polis", str(tmp_path), "--json"]) == 0
        wide = json.loads(capsys.readouterr().out)
        # participants-votes.csv has no vote times: one shot, as --one-shot on votes.csv.
        assert main(["polis", str(BREXIT), "--json", "--one-shot"]) == 0
        long = json.loads(capsys.readouterr().out)
        assert wide["participants"] == long["participants"]
        assert wide["groups"] == long["groups"]

    @pytest.mark.parametrize(
        ("votes", "message"),
        [
            ("1,x,0,7,1\n2,x,1,7\n", "error: votes.csv:3: malformed row: expected 5 fields, got 4"),
            ("1,x,0,7,1\n2,x,1,7,1\n3,x,1,8,yes\n", "error: votes.csv:4: unknown vote value 'yes'"),
        ],
    )
    def test_main_polis_bad_row_is_one_line_with_file_and_row(
        self, tmp_path, capsys, votes, message
    ):
        assert main(["polis", str(small_export(tmp_path, votes)), "--json"]) == 2
        out, err = capsys.readouterr()
        assert out == ""  # nothing written
        assert err == message + "\n"

    def test_main_polis_missing_file(self, tmp_path, capsys):
        (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n")
        assert main(["polis", str(tmp_path)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith("error: comments.csv: missing file")
        assert err.count("\n") == 1

    def test_main_polis_missing_folder(self, tmp_path, capsys):
        assert main(["polis", str(tmp_path / "nope")]) == 2
        assert capsys.readouterr().err == f"error: {tmp_path / 'nope'}: no such folder\n"

    def test_main_polis_degenerate_export(self, tmp_path, capsys):
        assert main(["polis", str(small_export(tmp_path, "1,x,0,7,1\n"))]) == 0
        assert "Opinion groups: 0" in capsys.readouterr().out

    def test_python_m_debate_exit_status_and_stderr(self, tmp_path):
        folder = small_export(tmp_path, "1,x,0,7,1\n2,x,1,7,5\n")
        proc = run_debate_polis(folder, check=False)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr == "error: votes.csv:3: unknown vote value '5'\n"


class TestDispatcher:
    def test_build_parser_registers_every_subcommand(self):
        parser = build_parser()
        choices = parser._subparsers._group_actions[0].choices
        assert {"polis", "strength", "kialo"} <= set(choices)
        assert len(SUBCOMMANDS) >= 2

    def test_main_without_command_is_a_usage_error(self, capsys):
        with pytest.raises(SystemExit) as info:
            main([])
        assert info.value.code == 2
        assert "usage:" in capsys.readouterr().err

    def test_main_bad_seed_is_a_usage_error(self, capsys):
        with pytest.raises(SystemExit) as info:
            main(["polis", str(BREXIT), "--seed", "many"])
        assert info.value.code == 2


MATH = ROOT / "tests" / "data" / "polis-math"
BELOW_100 = MATH / "below-100-ptpts"


def json_folder(tmp_path, votes, comments=None):
    comments = comments or [
        {"tid": t, "txt": f"statement {t}", "mod": 1, "is_meta": False} for t in range(7)
    ]
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    (tmp_path / "votes.json").write_text(json.dumps(votes))
    return tmp_path


def two_camps(n_a=12, n_b=8, minutes=1):
    """Votes of two camps on 7 statements, one vote a minute."""
    votes = []
    for p in range(n_a + n_b):
        sign = 1 if p < n_a else -1
        for t in range(7):
            value = sign if t % 2 == 0 else -sign
            votes.append({"pid": p, "tid": t, "vote": value, "modified": 60_000 * len(votes)})
    return votes


class TestPolisGroupsAndReplay:
    def test_main_polis_groups_math_pca2_uses_polis_groups_and_moderation(self, capsys):
        math = json.loads((BELOW_100 / "math-pca2.json").read_text())
        assert (
            main(["polis", str(BELOW_100), "--json", "--groups", str(BELOW_100 / "math-pca2.json")])
            == 0
        )
        result = json.loads(capsys.readouterr().out)
        assert result["given_groups"] == {"file": "math-pca2.json", "source": "math-pca2"}
        assert result["k"] == 3
        clustered = {p for p, g in result["participants"].items() if g is not None}
        assert clustered == {str(p) for p in math["in-conv"]}
        assert sorted(result["excluded"]["statements"], key=int) == ["11", "33"]

    def test_main_polis_groups_mapping(self, tmp_path, capsys):
        groups = tmp_path / "groups.json"
        groups.write_text(json.dumps({str(p): p % 2 for p in range(20)}))
        (tmp_path / "export").mkdir()
        folder = json_folder(tmp_path / "export", two_camps())
        assert main(["polis", str(folder), "--json", "--groups", str(groups)]) == 0
        result = json.loads(capsys.readouterr().out)
        assert [(g["id"], g["size"]) for g in result["groups"]] == [(0, 10), (1, 10)]
        assert result["participants"]["3"] == 1

    def test_main_polis_replay_reports_the_updates(self, tmp_path, capsys):
        folder = json_folder(tmp_path, two_camps())
        assert main(["polis", str(folder), "--json", "--replay", "--every", "35"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["k"] == 2
        assert [g["size"] for g in result["groups"]] == [12, 8]
        replay = result["replay"]
        assert (replay["updates"], replay["every"], replay["final_restart"]) == (5, 35, True)
        assert replay["best_k"] == 2

    def test_main_polis_replay_default_cadence(self, tmp_path, capsys):
        folder = json_folder(tmp_path, two_camps())
        assert main(["polis", str(folder), "--json", "--replay", "--no-final-restart"]) == 0
        replay = json.loads(capsys.readouterr().out)["replay"]
        # One vote a minute: a one-second cadence updates after every vote.
        assert (replay["updates"], replay["cadence_s"], replay["final_restart"]) == (
            140,
            1.0,
            False,
        )

    def test_main_polis_replay_needs_vote_times(self, tmp_path, capsys):
        for name in ("comments.csv", "participants-votes.csv"):
            shutil.copy(BREXIT / name, tmp_path / name)
        assert main(["polis", str(tmp_path), "--replay"]) == 2
        assert capsys.readouterr().err == (
            "error: participants-votes.csv: --replay needs the votes with their times"
            " (votes.csv or votes.json)\n"
        )

    def test_main_polis_every_with_one_shot_is_an_error(self, capsys):
        assert main(["polis", str(BELOW_100), "--one-shot", "--every", "10"]) == 2
        assert capsys.readouterr().err == "error: --every needs --replay\n"

    def test_main_polis_replays_by_default_when_votes_have_times(self, capsys):
        assert main(["polis", str(BELOW_100), "--json", "--every", "50"]) == 0
        default = json.loads(capsys.readouterr().out)
        assert main(["polis", str(BELOW_100), "--json", "--replay", "--every", "50"]) == 0
        replayed = json.loads(capsys.readouterr().out)
        assert default["replay"] == replayed["replay"]
        assert default["participants"] == replayed["participants"]
        # A replay that starts a conversation numbers the groups it shows 0 .. k-1.
        assert [g["id"] for g in default["groups"]] == list(range(default["k"]))

    def test_main_polis_one_shot_opts_out_of_the_replay(self, capsys):
        assert main(["polis", str(BELOW_100), "--json", "--one-shot"]) == 0
        assert "replay" not in json.loads(capsys.readouterr().out)

    def test_main_polis_groups_and_replay_exclude_each_other(self, capsys):
        with pytest.raises(SystemExit) as info:
            main(["polis", str(BELOW_100), "--replay", "--groups", "g.json"])
        assert info.value.code == 2


class TestPolisJsonBadInput:
    @pytest.mark.parametrize(
        ("votes", "message"),
        [
            (
                [{"participant": 1, "tid": 0, "vote": 1}],
                "error: votes.json:1: no participant id: expected key 'pid' or 'participant_id'",
            ),
            (
                [{"pid": 1, "tid": 0, "vote": 1}, {"pid": 1, "tid": 1, "vote": 3}],
                "error: votes.json:2: unknown vote value 3",
            ),
        ],
    )
    def test_main_polis_json_bad_vote_is_one_line_and_status_2(
        self, tmp_path, capsys, votes, message
    ):
        assert main(["polis", str(json_folder(tmp_path, votes)), "--json"]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == message + "\n"

    def test_main_polis_json_missing_file(self, tmp_path, capsys):
        (tmp_path / "votes.json").write_text("[]")
        assert main(["polis", str(tmp_path)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (
            "error: comments.json: missing file (the Pol.is JSON form needs comments.json"
            " and votes.json)\n"
        )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"0": 1, "999": 0}', "error: groups.json: unknown participant '999' in the keys"),
            (
                "{not json",
                "error: groups.json:1: not JSON: Expecting property name enclosed in double quotes",
            ),
        ],
    )
    def test_main_polis_bad_groups_file(self, tmp_path, capsys, text, message):
        groups = tmp_path / "groups.json"
        groups.write_text(text)
        assert main(["polis", str(BELOW_100), "--json", "--groups", str(groups)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == message + "\n"
