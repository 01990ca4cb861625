"""Reading Polis export folders (debate.polis)."""

import csv
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from debate.errors import InputError
from debate.polis import (
    PolisExport,
    _read_votes_csv,
    _read_votes_fast,
    polis_group_ids,
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

    def test_read_polis_export_football_and_biodiversity_load_fast(self):
        for name in ("football-concussions", "scoop-hivemind.biodiversity"):
            best = np.inf
            for _ in range(3):  # best of three: robust to a busy machine
                start = time.perf_counter()
                read_polis_export(DATA / name)
                best = min(best, time.perf_counter() - start)
            assert best < 0.5, name

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
