from hypothesis import given
from hypothesis import strategies as st

from oppfolging.assessments import iplos, scoring

scores = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=5)


def test_it_leaves_out_nine_and_the_senses_from_the_iplos_mean():
    mean = iplos.need_for_help_mean(
        {"social_participation": 2, "dressing": 4, "cooking": 9, "vision": 5, "hearing": 5}
    )
    assert mean == 3.0


def test_it_gives_no_iplos_mean_when_everything_is_not_relevant():
    assert iplos.need_for_help_mean({"eating": 9, "vision": 1}) is None


def test_it_has_a_plain_norwegian_text_for_every_level_of_every_variable():
    assert len(iplos.VARIABLES) == 17
    assert set(iplos.SENSE_CODES) == {"vision", "hearing"}
    for variable in iplos.VARIABLES:
        assert sorted(variable.levels) == [1, 2, 3, 4, 5, 9]
        assert all(text.strip() for text in variable.levels.values())


def test_it_flags_a_psfs_mean_change_of_two_points_as_detectable():
    change = scoring.psfs_change(
        [("Gå tur med hunden", 2), ("Lage middag", 3)], "higher_is_better",
        [("gå tur med  hunden", 6), ("Lage middag", 3)], "higher_is_better",
    )
    assert change.before_mean == 2.5 and change.after_mean == 4.5
    assert change.change == 2.0 and change.is_detectable
    walk, dinner = change.activities
    assert walk.change == 4 and walk.is_detectable
    assert dinner.change == 0 and not dinner.is_detectable


def test_it_does_not_flag_a_change_below_the_minimum_detectable_change():
    change = scoring.psfs_change([("Sove", 4)], "higher_is_better", [("Sove", 5.5)],
                                 "higher_is_better")
    assert change.change == 1.5 and not change.is_detectable
    assert not change.activities[0].is_detectable


def test_it_normalises_a_lower_is_better_form_before_comparing():
    # The first form ran 0 = as before … 10 = cannot; a score of 8 there is 2 on the usual scale.
    change = scoring.psfs_change([("Handle", 8)], "lower_is_better", [("Handle", 6)],
                                 "higher_is_better")
    assert change.before_mean == 2 and change.after_mean == 6
    assert change.change == 4 and change.is_detectable


@given(before=scores, after=scores)
def test_it_computes_a_symmetric_change_whichever_way_the_scale_runs(before, after):
    n = min(len(before), len(after))
    before, after = before[:n], after[:n]
    names = [f"aktivitet {i}" for i in range(n)]
    forward = scoring.psfs_change(list(zip(names, before, strict=True)), "higher_is_better",
                                  list(zip(names, after, strict=True)), "higher_is_better")
    backward = scoring.psfs_change(list(zip(names, after, strict=True)), "higher_is_better",
                                   list(zip(names, before, strict=True)), "higher_is_better")
    # The same answers written on a form that runs the other way.
    flipped = scoring.psfs_change(
        list(zip(names, [10 - s for s in before], strict=True)), "lower_is_better",
        list(zip(names, [10 - s for s in after], strict=True)), "lower_is_better",
    )
    assert forward.change == -backward.change
    assert forward.change == flipped.change
    assert forward.is_detectable == backward.is_detectable == flipped.is_detectable
    assert [a.change for a in forward.activities] == [a.change for a in flipped.activities]


def test_it_reports_iplos_change_with_lower_meaning_less_need():
    assert scoring.iplos_change(3.5, 2.5) == -1.0
    assert scoring.iplos_change(None, 2.0) is None
