"""Stable group identity across recomputations (debate.identity)."""

import pytest

from debate.identity import StableGroup, group_letter, match_groups


def groups(**members):
    """StableGroup per keyword: ``A="abc"`` is group 0 with members a, b, c (A=0, B=1, ...)."""
    return [StableGroup(ord(name) - ord("A"), frozenset(m)) for name, m in members.items()]


class TestMatchGroups:
    def test_match_groups_same_groups_keep_their_ids_whatever_the_order(self):
        m = match_groups(groups(A="abcd", B="efg"), [set("efg"), set("abcd")])
        assert m.ids == (1, 0)
        assert m.retired == ()
        assert m.next_id == 2

    def test_match_groups_a_few_members_moving_keep_the_ids(self):
        m = match_groups(groups(A="abcde", B="fghij"), [set("abcdf"), set("eghij")])
        assert m.ids == (0, 1)

    def test_match_groups_newcomers_do_not_change_identity(self):
        # Group A triples with newcomers; it is still group A.
        m = match_groups(groups(A="ab", B="cdefg"), [set("abxyz123"), set("cdefg")])
        assert m.ids == (0, 1)

    def test_match_groups_a_group_of_newcomers_is_new(self):
        m = match_groups(groups(A="abc", B="def"), [set("abc"), set("def"), set("xyz")])
        assert m.ids == (0, 1, 2)
        assert m.next_id == 3

    def test_match_groups_split_keeps_the_id_on_the_larger_part(self):
        m = match_groups(groups(A="abcdefgh"), [set("abc"), set("defgh")])
        assert m.ids == (1, 0)
        assert m.retired == ()

    def test_match_groups_merge_retires_the_smaller_with_the_group_it_joined(self):
        m = match_groups(groups(A="abcdef", B="ghi"), [set("abcdefgh"), set("iz")], update=7)
        assert m.ids == (0, 2)  # "iz" is not group B: B's members mostly joined A
        ((retired),) = m.retired
        assert (retired.id, retired.joined, retired.update) == (1, 0, 7)

    def test_match_groups_disappearing_group_joined_nobody(self):
        m = match_groups(groups(A="abc", B="def"), [set("abc")], at=1700000000.0)
        ((retired),) = m.retired
        assert (retired.id, retired.joined, retired.at) == (1, None, 1700000000.0)

    def test_match_groups_ids_are_never_reused(self):
        # Group C (id 2) was retired earlier: the stored next id is 3, so a new group gets 3.
        m = match_groups(groups(A="abc", B="def"), [set("abc"), set("def"), set("xyz")], next_id=3)
        assert m.ids == (0, 1, 3)
        assert m.next_id == 4

    def test_match_groups_from_nothing(self):
        m = match_groups([], [set("ab"), set("cd")])
        assert (m.ids, m.next_id) == ((0, 1), 2)
        assert [g.members for g in m.groups] == [frozenset("ab"), frozenset("cd")]

    def test_match_groups_ties_go_to_the_lower_id(self):
        # The new group holds two members of A and two of B; A (lower id) continues in it.
        m = match_groups(groups(A="ab", B="cd"), [set("abcd")])
        assert m.ids == (0,)
        assert [(r.id, r.joined) for r in m.retired] == [(1, 0)]


class TestGroupLetter:
    @pytest.mark.parametrize(
        ("gid", "letter"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA")]
    )
    def test_group_letter(self, gid, letter):
        assert group_letter(gid) == letter

    def test_group_letter_rejects_negative_ids(self):
        with pytest.raises(ValueError, match="not negative"):
            group_letter(-1)
