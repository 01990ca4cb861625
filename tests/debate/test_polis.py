"""Reading Polis export folders (debate.polis)."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import debate.polis as polis_module
from debate.errors import InputError
from debate.polis import (
    PolisExport,
    _read_votes_csv,
    _read_votes_fast,
    polis_group_ids,
    read_group_assignment,
    read_polis_export,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "polis"
CONVERSATIONS = sorted(p.name for p in DATA.iterdir() if p.is_dir())

COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
VOTES = "timestamp,datetime,comment-id,voter-id,vote\n"
PV = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,"


def export(tmp_path, *, comments=None, votes=None, pv=None):
    """Write a Polis folder from literal file bodies (None: leave the file out)."""
    if comments is None:
        comments = COMMENTS + "1,x,0,5,0,0,1,Parks\n2,x,1,5,0,0,0,Trams\n3,x,2,5,0,0,-1,Spam\n"
    (tmp_path / "comments.csv").write_text(comments)
    if votes is not None:
        (tmp_path / "votes.csv").write_text(votes)
    if pv is not None:
        (tmp_path / "participants-votes.csv").write_text(pv)
    return tmp_path


def summary(name):
    with (DATA / name / "summary.csv").open(newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2}


class TestReadPolisExport:
    @pytest.mark.parametrize("name", CONVERSATIONS)
    def test_read_polis_export_counts_match_the_export(self, name):
        exported = read_polis_export(DATA / name)
        m = exported.matrix
        info = summary(name)
        assert isinstance(exported, PolisExport)
        assert len(m.participants) == int(info["voters"])
        with (DATA / name / "comments.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert set(m.statements) >= {r["comment-id"] for r in rows}
        assert {m.statements[j] for j in m.moderated_out} == {
            r["comment-id"] for r in rows if r["moderated"] == "-1"
        }
        # One vote per (participant, statement), values in {-1, 0, 1}, sorted by row then column.
        keys = m.rows.astype(np.int64) * len(m.statements) + m.cols
        assert np.all(np.diff(keys) > 0)
        assert set(np.unique(m.values).tolist()) <= {-1, 0, 1}
        assert exported.votes_file == "votes.csv"

    def test_read_polis_export_votes_equal_participants_votes_cells(self):
        """The latest vote per pair equals Polis's own participants-votes.csv."""
        name = "football-concussions"
        m = read_polis_export(DATA / name).matrix
        with (DATA / name / "participants-votes.csv").open(newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            first = header.index("n-disagree") + 1
            cells = {
                (row[0], cid): int(v)
                for row in reader
                for cid, v in zip(header[first:], row[first:], strict=True)
                if v != ""
            }
        got = {
            (m.participants[i], m.statements[j]): int(v)
            for i, j, v in zip(m.rows.tolist(), m.cols.tolist(), m.values.tolist(), strict=True)
        }
        assert got == cells

    def test_read_polis_export_ids_are_in_numeric_order(self):
        m = read_polis_export(DATA / "brexit-consensus").matrix
        assert list(m.participants) == sorted(m.participants, key=int)
        assert list(m.statements) == sorted(m.statements, key=int)

    def test_read_polis_export_texts_and_polis_groups(self):
        exported = read_polis_export(DATA / "15-per-hour-seattle", polis_groups=True)
        assert exported.texts["53"] == "Not sure I believe any of this..."
        groups = exported.polis_groups
        assert len(groups) == 339
        assert sum(g is not None for g in groups.values()) == 138
        assert set(groups.values()) == {None, 0, 1}

    def test_read_polis_export_reads_polis_groups_only_when_asked(self):
        assert read_polis_export(DATA / "brexit-consensus").polis_groups == {}

    @pytest.mark.parametrize("name", ["15-per-hour-seattle", "scoop-hivemind.biodiversity"])
    def test_read_polis_export_falls_back_to_participants_votes(self, tmp_path, name):
        for file in ("comments.csv", "participants-votes.csv"):
            shutil.copy(DATA / name / file, tmp_path / file)
        wide = read_polis_export(tmp_path)
        long = read_polis_export(DATA / name).matrix
        m = wide.matrix
        assert wide.votes_file == "participants-votes.csv"
        assert (m.participants, m.statements, m.moderated_out) == (
            long.participants,
            long.statements,
            long.moderated_out,
        )
        assert np.array_equal(m.rows, long.rows)
        assert np.array_equal(m.cols, long.cols)
        assert np.array_equal(m.values, long.values)
        assert wide.polis_groups == polis_group_ids(DATA / name)

    def test_read_polis_export_latest_vote_wins(self, tmp_path):
        votes = VOTES + "30,x,0,7,1\n10,x,0,7,-1\n20,x,0,7,0\n5,x,1,7,1\n5,x,1,7,-1\n"
        m = read_polis_export(export(tmp_path, votes=votes)).matrix
        # comment 0: the timestamp-30 vote; comment 1: equal timestamps, the later line wins.
        assert dict(zip(m.cols.tolist(), m.values.tolist(), strict=True)) == {0: 1, 1: -1}

    def test_read_polis_export_without_timestamps_the_later_line_wins(self, tmp_path):
        votes = "comment-id,voter-id,vote\n0,7,1\n0,7,-1\n1,7,0\n"
        m = read_polis_export(export(tmp_path, votes=votes)).matrix
        assert m.values.tolist() == [-1, 0]

    def test_read_polis_export_keeps_unvoted_and_moderated_statements(self, tmp_path):
        m = read_polis_export(export(tmp_path, votes=VOTES + "1,x,0,7,1\n")).matrix
        assert m.statements == ("0", "1", "2")
        assert m.moderated_out == frozenset({2})

    def test_read_polis_export_accepts_votes_on_comments_missing_from_comments_csv(self, tmp_path):
        m = read_polis_export(export(tmp_path, votes=VOTES + "1,x,9,7,1\n")).matrix
        assert m.statements == ("0", "1", "2", "9")

    def test_read_polis_export_handles_crlf_blank_lines_and_quotes(self, tmp_path):
        votes = (VOTES + '1,"Sat, Nov 17",0,7,1\r\n\r\n2,x,1,8,-1\r\n').replace("\n", "\r\n")
        m = read_polis_export(export(tmp_path, votes=votes.replace("\r\r", "\r"))).matrix
        assert m.participants == ("7", "8")
        assert m.values.tolist() == [1, -1]

    def test_read_polis_export_header_only_is_an_empty_matrix(self, tmp_path):
        m = read_polis_export(export(tmp_path, votes=VOTES)).matrix
        assert m.shape == (0, 3)
        assert m.n_votes == 0

    def test_read_polis_export_non_integer_ids(self, tmp_path):
        m = read_polis_export(export(tmp_path, votes=VOTES + "1,x,0,anna,1\n2,x,0,bob,0\n")).matrix
        assert m.participants == ("anna", "bob")

    def test_read_polis_export_reads_real_exports_with_the_fast_parser(self, monkeypatch):
        # The large real exports go through numpy's C parser, never the per-row csv fallback
        # (its speed is measured by bench/speed.py, not asserted here), and both agree.
        for name in ("football-concussions", "scoop-hivemind.biodiversity"):
            votes = DATA / name / "votes.csv"
            fast = _read_votes_fast(votes)
            slow = _read_votes_csv(votes)
            assert len(fast[2]) > 10_000, name
            assert np.array_equal(fast[0].astype(str), slow[0])
            assert np.array_equal(fast[1].astype(str), slow[1])
            assert np.array_equal(fast[2], slow[2])

            def no_fallback(path):
                raise AssertionError(f"csv fallback used for {path}")

            monkeypatch.setattr(polis_module, "_read_votes_csv", no_fallback)
            matrix = read_polis_export(DATA / name).matrix
            monkeypatch.undo()
            assert matrix.n_votes > 0

    def test_read_polis_export_fast_and_csv_readers_agree(self, tmp_path):
        rng = np.random.default_rng(0)
        n = 50_000
        stamps = rng.integers(1_400_000_000_000, 1_500_000_000_000, n)
        lines = [
            f"{t},Wed Jun 18 11:53:44 WIB 2014,{c},{v},{x}\n"
            for t, c, v, x in zip(
                stamps,
                rng.integers(0, 300, n),
                rng.integers(0, 5000, n),
                rng.integers(-1, 2, n),
                strict=True,
            )
        ]
        path = tmp_path / "votes.csv"
        path.write_text(VOTES + "".join(lines))
        fast = _read_votes_fast(path)
        slow = _read_votes_csv(path)
        assert np.array_equal(fast[0].astype(str), slow[0])
        assert np.array_equal(fast[1].astype(str), slow[1])
        assert np.array_equal(fast[2], slow[2])
        assert np.array_equal(fast[3], slow[3])


class TestReadPolisExportErrors:
    def test_read_polis_export_missing_folder(self, tmp_path):
        with pytest.raises(InputError, match="no such folder"):
            read_polis_export(tmp_path / "nope")

    def test_read_polis_export_missing_comments(self, tmp_path):
        (tmp_path / "votes.csv").write_text(VOTES)
        with pytest.raises(InputError, match=r"^comments\.csv: missing file") as info:
            read_polis_export(tmp_path)
        assert info.value.source == "comments.csv"

    def test_read_polis_export_missing_votes(self, tmp_path):
        with pytest.raises(InputError, match=r"votes\.csv: missing file"):
            read_polis_export(export(tmp_path))

    @pytest.mark.parametrize(
        ("body", "row", "message"),
        [
            ("1,x,0,7,1\n2,x,0,7\n", 3, "expected 5 fields, got 4"),
            ("1,x,0,7,1\n2,x,0,7,1,9\n", 3, "expected 5 fields, got 6"),
            ("1,x,0,7,1\n2,x,0,7,2\n", 3, "unknown vote value '2'"),
            ("1,x,0,7,agree\n", 2, "unknown vote value 'agree'"),
            ("1,x,0,7,1.0\n", 2, "unknown vote value '1.0'"),
            ("1,x,0,7,\n", 2, "unknown vote value ''"),
            ("1,x,0,7,1\n\n1,x,0,8,1\nsoon,x,0,9,1\n", 5, "timestamp is not an integer"),
            ('1,x,0,7,1\n2,"x,0,8,1\n', 3, "malformed"),
        ],
    )
    def test_read_polis_export_bad_vote_row(self, tmp_path, body, row, message):
        with pytest.raises(InputError, match=message) as info:
            read_polis_export(export(tmp_path, votes=VOTES + body))
        assert (info.value.source, info.value.row) == ("votes.csv", row)
        assert str(info.value).startswith(f"votes.csv:{row}: ")

    def test_read_polis_export_votes_header_without_vote_column(self, tmp_path):
        with pytest.raises(InputError, match="missing column 'vote'") as info:
            read_polis_export(export(tmp_path, votes="timestamp,comment-id,voter-id\n1,0,7\n"))
        assert info.value.row == 1

    def test_read_polis_export_empty_votes_file(self, tmp_path):
        with pytest.raises(InputError, match="empty file"):
            read_polis_export(export(tmp_path, votes=""))

    @pytest.mark.parametrize(
        ("comments", "row", "message"),
        [
            (COMMENTS + "1,x,0,5,0,0,1,a\n1,x,0,5,0,0,1,b\n", 3, "duplicate comment-id '0'"),
            (COMMENTS + "1,x,0,5,0,0,maybe,a\n", 2, "moderated is not an integer"),
            (COMMENTS + "1,x,0,5,0,0,2,a\n", 2, "unknown moderated value 2"),
            (COMMENTS + "1,x,0,5,0,0,1\n", 2, "expected 8 fields, got 7"),
        ],
    )
    def test_read_polis_export_bad_comment_row(self, tmp_path, comments, row, message):
        with pytest.raises(InputError, match=message) as info:
            read_polis_export(export(tmp_path, comments=comments, votes=VOTES))
        assert (info.value.source, info.value.row) == ("comments.csv", row)

    def test_read_polis_export_multiline_comment_rows_are_counted_by_line(self, tmp_path):
        comments = COMMENTS + '1,x,0,5,0,0,1,"two\nlines"\n1,x,1,5,0,0,9,b\n'
        with pytest.raises(InputError, match="unknown moderated value") as info:
            read_polis_export(export(tmp_path, comments=comments, votes=VOTES))
        assert info.value.row == 4

    @pytest.mark.parametrize(
        ("body", "row", "message"),
        [
            ("0,1,0,1,1,0,1,\n1,,0,1,0,0,,x\n", 3, "unknown vote value 'x' for comment 1"),
            ("0,a,0,1,1,0,1,\n", 2, "group-id is not an integer"),
            ("0,1,0,1,1,0,1\n", 2, "expected 8 fields, got 7"),
            ("0,1,0,1,1,0,1,\n0,1,0,1,1,0,1,\n", 3, "duplicate participant '0'"),
        ],
    )
    def test_read_polis_export_bad_participants_votes_row(self, tmp_path, body, row, message):
        with pytest.raises(InputError, match=message) as info:
            read_polis_export(export(tmp_path, pv=PV + "0,1\n" + body))
        assert (info.value.source, info.value.row) == ("participants-votes.csv", row)

    def test_polis_group_ids_missing_file(self, tmp_path):
        with pytest.raises(InputError, match="missing file"):
            polis_group_ids(tmp_path)


# --------------------------------------------------------------------------------------------
# The Pol.is JSON form, the vote log and given groups

MATH = Path(__file__).resolve().parents[1] / "data" / "polis-math"


def json_export(tmp_path, *, comments=None, votes=None, spelling="short"):
    """Write a Pol.is JSON folder (None: leave the file out); spelling picks the key names."""
    keys = {
        "short": ("pid", "tid", "mod"),
        "long": ("participant_id", "statement_id", "moderated"),
    }[spelling]
    pid, tid, mod = keys
    if comments is None:
        comments = [
            {tid: 0, "txt": "Parks", mod: 1, "is_meta": False, "created": "1700000000000"},
            {tid: 1, "txt": "Are you a student?", mod: 1, "is_meta": True},
            {tid: 2, "txt": "Spam", mod: -1, "is_meta": False},
        ]
    if votes is None:
        votes = [
            {pid: 7, tid: 0, "vote": 1, "modified": 1700000001000},
            {pid: 7, tid: 1, "vote": 0, "modified": "1700000002000"},
            {pid: 9, tid: 0, "vote": -1, "modified": "2023-11-14T22:13:23.000Z"},
            {pid: 7, tid: 0, "vote": -1, "modified": 1700000005000.0},
        ]
    if comments is not False:
        (tmp_path / "comments.json").write_text(json.dumps(comments))
    if votes is not False:
        (tmp_path / "votes.json").write_text(json.dumps(votes))
    return tmp_path


class TestReadPolisJson:
    @pytest.mark.parametrize("spelling", ["short", "long"])
    def test_read_polis_export_json_both_key_spellings(self, tmp_path, spelling):
        exported = read_polis_export(json_export(tmp_path, spelling=spelling), history=True)
        m = exported.matrix
        assert exported.votes_file == "votes.json"
        assert (m.participants, m.statements) == (("7", "9"), ("0", "1", "2"))
        # The latest vote wins: participant 7 changed its mind on statement 0.
        assert list(zip(m.rows.tolist(), m.cols.tolist(), m.values.tolist(), strict=True)) == [
            (0, 0, -1),
            (0, 1, 0),
            (1, 0, -1),
        ]
        assert (sorted(m.moderated_out), sorted(m.meta)) == ([2], [1])
        assert exported.texts["1"] == "Are you a student?"
        assert exported.comment_times == {"0": 1_700_000_000.0}

    def test_read_polis_export_json_times_in_milliseconds_strings_and_iso(self, tmp_path):
        log = read_polis_export(json_export(tmp_path), history=True).log
        # Sorted by time; epoch ms (number or string) and ISO 8601 all become seconds.
        assert log.times.tolist() == [1700000001.0, 1700000002.0, 1700000003.0, 1700000005.0]
        assert log.values.tolist() == [1, 0, -1, -1]
        assert [log.participants[r] for r in log.rows] == ["7", "7", "9", "7"]
        assert log.matrix(1).values.tolist() == [1]  # after the first vote only

    def test_read_polis_export_json_history_is_off_by_default(self, tmp_path):
        assert read_polis_export(json_export(tmp_path)).log is None

    def test_read_polis_export_json_turns_api_votes_round(self, tmp_path):
        # The Pol.is API stores agree as -1: the comments' own counts give it away.
        comments = [
            {"tid": 0, "txt": "a", "mod": 1, "agree_count": 2, "disagree_count": 0},
            {"tid": 1, "txt": "b", "mod": 1, "agree_count": 0, "disagree_count": 1},
        ]
        votes = [
            {"pid": 1, "tid": 0, "vote": -1, "modified": 1},
            {"pid": 2, "tid": 0, "vote": -1, "modified": 2},
            {"pid": 1, "tid": 1, "vote": 1, "modified": 3},
        ]
        exported = read_polis_export(json_export(tmp_path, comments=comments, votes=votes))
        assert exported.votes_flipped
        assert exported.matrix.values.tolist() == [1, -1, 1]

    def test_read_polis_export_json_keeps_votes_that_match_the_counts(self, tmp_path):
        comments = [{"tid": 0, "txt": "a", "mod": 1, "agree_count": 1, "disagree_count": 0}]
        votes = [{"pid": 1, "tid": 0, "vote": 1, "modified": 1}]
        exported = read_polis_export(json_export(tmp_path, comments=comments, votes=votes))
        assert not exported.votes_flipped
        assert exported.matrix.values.tolist() == [1]

    def test_read_polis_export_json_reads_the_polis_math_conversations(self):
        exported = read_polis_export(MATH / "25ptpt-3gp-no-strict-with-meta")
        m = exported.matrix
        assert (len(m.participants), len(m.statements), m.n_votes) == (27, 57, 1386)
        assert sorted(int(m.statements[j]) for j in m.meta) == [0, 1, 2, 3]
        assert not exported.votes_flipped
        assert exported.conversation["strict_moderation"] is False


class TestReadPolisJsonErrors:
    @pytest.mark.parametrize(
        ("missing", "present"), [("comments.json", "votes"), ("votes.json", "comments")]
    )
    def test_read_polis_export_json_missing_file(self, tmp_path, missing, present):
        json_export(tmp_path, **{missing.split(".")[0]: False})
        with pytest.raises(InputError, match=r"missing file") as info:
            read_polis_export(tmp_path)
        assert info.value.source == missing

    @pytest.mark.parametrize(
        ("votes", "row", "message"),
        [
            (
                [{"participant": 1, "tid": 0, "vote": 1}],
                1,
                "expected key 'pid' or 'participant_id'",
            ),
            (
                [{"pid": 1, "tid": 0, "vote": 1}, {"pid": 1, "comment": 0, "vote": 1}],
                2,
                "expected key 'tid' or 'statement_id'",
            ),
            ([{"pid": 1, "tid": 0, "value": 1}], 1, "expected key 'vote'"),
            ([{"pid": 1, "tid": 0, "vote": 2}], 1, "unknown vote value 2"),
            ([{"pid": 1, "tid": 0, "vote": "agree"}], 1, "unknown vote value 'agree'"),
            ([{"pid": 1, "tid": 0, "vote": True}], 1, "unknown vote value True"),
            ([{"pid": 1, "tid": 0, "vote": 1, "modified": "yesterday"}], 1, "bad time 'yesterday'"),
            ([[1, 0, 1]], 1, "record is not a JSON object"),
        ],
    )
    def test_read_polis_export_json_bad_vote(self, tmp_path, votes, row, message):
        with pytest.raises(InputError, match=message) as info:
            read_polis_export(json_export(tmp_path, votes=votes))
        assert (info.value.source, info.value.row) == ("votes.json", row)
        assert str(info.value).startswith(f"votes.json:{row}: ")

    @pytest.mark.parametrize(
        ("comments", "row", "message"),
        [
            ([{"id": 0, "mod": 1}], 1, "expected key 'tid' or 'statement_id'"),
            ([{"tid": 0, "moderation": 1}], 1, "expected key 'mod' or 'moderated'"),
            ([{"tid": 0, "mod": 3}], 1, "unknown moderation state 3"),
            ([{"tid": 0, "mod": 1}, {"tid": 0, "mod": 1}], 2, "duplicate comment id '0'"),
        ],
    )
    def test_read_polis_export_json_bad_comment(self, tmp_path, comments, row, message):
        with pytest.raises(InputError, match=message) as info:
            read_polis_export(json_export(tmp_path, comments=comments))
        assert (info.value.source, info.value.row) == ("comments.json", row)

    def test_read_polis_export_json_not_json(self, tmp_path):
        json_export(tmp_path)
        (tmp_path / "votes.json").write_text('[{"pid": 1,\n "tid": }]')
        with pytest.raises(InputError, match="not JSON") as info:
            read_polis_export(tmp_path)
        assert (info.value.source, info.value.row) == ("votes.json", 2)

    def test_read_polis_export_json_not_a_list(self, tmp_path):
        with pytest.raises(InputError, match="expected a JSON list"):
            read_polis_export(json_export(tmp_path, votes={"pid": 1}))


class TestReadGroupAssignment:
    def test_read_group_assignment_mapping(self, tmp_path):
        path = tmp_path / "groups.json"
        path.write_text('{"7": 1, "9": "0", "11": null}')
        given = read_group_assignment(path, ["7", "9", "11"])
        assert given.groups == {"7": 1, "9": 0}
        assert given.clustered == {"7", "9"}
        assert given.source == "mapping"

    def test_read_group_assignment_math_pca2(self):
        folder = MATH / "below-100-ptpts"
        matrix = read_polis_export(folder).matrix
        given = read_group_assignment(folder / "math-pca2.json", matrix.participants)
        math = json.loads((folder / "math-pca2.json").read_text())
        assert given.source == "math-pca2"
        assert given.clustered == {str(p) for p in math["in-conv"]}
        assert sorted(set(given.groups.values())) == [0, 1, 2]
        assert given.moderated_out == {"11", "33"}
        # Base cluster 0 holds participant 1 and belongs to group 0.
        assert given.groups["1"] == 0

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"7": 1, "8": 0}', "unknown participant '8' in the keys"),
            ('{"7": 1.5}', "group of participant '7' is not an integer"),
            ('{"7": "north"}', "group of participant '7' is not an integer"),
            ("[1, 2]", "expected a JSON object"),
            ("{7: 1}", "not JSON"),
            (
                '{"base-clusters": {"id": [0], "members": [[5]]}, "group-clusters": []}',
                "unknown participant 5 in base-clusters",
            ),
            ('{"base-clusters": [], "group-clusters": []}', "malformed math-pca2"),
        ],
    )
    def test_read_group_assignment_bad_file(self, tmp_path, text, message):
        path = tmp_path / "groups.json"
        path.write_text(text)
        with pytest.raises(InputError, match=message) as info:
            read_group_assignment(path, ["7"])
        assert info.value.source == "groups.json"
        assert "\n" not in str(info.value)

    def test_read_group_assignment_missing_file(self, tmp_path):
        with pytest.raises(InputError, match="missing file"):
            read_group_assignment(tmp_path / "nope.json", ["7"])
