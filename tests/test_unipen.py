from handwriting.unipen import is_clean, is_heldout_writer


def test_clean_subset_excludes_the_eight_noisy_contributors():
    noisy = ["apa", "app", "kai", "cea", "ceb", "mot", "sie", "lav"]
    assert not any(is_clean({"contrib": c}) for c in noisy)
    assert all(is_clean({"contrib": c}) for c in ["apb", "ibm", "val", "ced", "syn", "gmd", "art",
                                                  "tos", "aga", "uqb", "imp", "pri", "lou"])


def test_writer_split_is_stable_and_nested_by_fraction():
    writers = [f"abc/{i}" for i in range(2000)]
    quarter = {w for w in writers if is_heldout_writer(w, 0.25)}
    assert quarter == {w for w in writers if is_heldout_writer(w, 0.25)}
    assert abs(len(quarter) / len(writers) - 0.25) < 0.03
    assert quarter < {w for w in writers if is_heldout_writer(w, 0.5)}
