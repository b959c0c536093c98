"""One word decoder, two languages: web/js/decoder.js (in Node) against handwriting.page.decoder:
the word decoder (decodeWord / decode_word) and the input modes (restrict)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from test_preprocess_parity import node
from web_support import WEB

from handwriting.page.decoder import (
    DEFAULT_FREE_PENALTY,
    MODES,
    WORD_WINDOW,
    decode_word,
    groups,
    restrict,
    word_window_start,
)

pytestmark = [pytest.mark.web]

LABELS = [str(d) for d in range(10)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)]

NODE_SCRIPT = """
import { decodeWord, DEFAULT_FREE_PENALTY } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { labels, cases } = JSON.parse(data);
const out = cases.map(({ probs, fixed, penalty }) => {
  try { return decodeWord(probs, labels, fixed, penalty); } catch (e) { return { error: e.message }; }
});
process.stdout.write(JSON.stringify({ out, defaultPenalty: DEFAULT_FREE_PENALTY }));
"""


def cases(n: int = 600) -> list[dict]:
    """Random words: peaked and flat probabilities, ties, fixed characters, several penalties."""
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        length = int(rng.integers(1, 11))
        alpha = [0.05, 0.3, 1.0][i % 3]
        probs = rng.dirichlet(np.full(62, alpha), size=length).astype(np.float32)
        if i % 10 == 0:  # exact ties between the cases of a letter
            probs[:, :] = 0
            probs[:, LABELS.index("o")] = probs[:, LABELS.index("O")] = probs[:, LABELS.index("0")] = 1 / 3
        fixed = [str(rng.choice(LABELS)) if rng.random() < 0.15 else None for _ in range(length)]
        out.append({"probs": [None if f else [float(x) for x in row] for row, f in zip(probs, fixed)],
                    "fixed": fixed, "penalty": float([0.0, 1.0, 4.0, 10.0][i % 4])})
    return out


def run_node(cases: list[dict]) -> tuple[list, float]:
    """decodeWord on each case in Node: (results or {"error": ...}, decoder.js's default penalty)."""
    url = json.dumps((WEB / "js" / "decoder.js").resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", NODE_SCRIPT % url],
                         input=json.dumps({"labels": LABELS, "cases": cases}),
                         capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(res.stdout)
    return got["out"], got["defaultPenalty"]


def test_node_decoder_matches_python():
    c = cases()
    got, default_penalty = run_node(c)
    assert default_penalty == DEFAULT_FREE_PENALTY, "JS and Python default free_penalty differ"
    patterns = set()
    for n, (case, js) in enumerate(zip(c, got)):
        labels, pattern = decode_word(case["probs"], LABELS, case["fixed"], case["penalty"])
        assert js == {"labels": labels, "pattern": pattern}, f"case {n}: {js} != {labels, pattern}"
        patterns.add(pattern)
    assert patterns == {"lower", "capital", "upper", "digits", "free"}, "cases cover every outcome"


def test_node_decoder_rejects_what_python_rejects():
    bad = [{"probs": [[0.5] * 61], "fixed": None, "penalty": 4.0},
           {"probs": [None], "fixed": ["?"], "penalty": 4.0},
           {"probs": [None, None], "fixed": ["a"], "penalty": 4.0},
           {"probs": [[1 / 62] * 62], "fixed": None, "penalty": -1.0}]
    got, _ = run_node(bad)
    for case, js in zip(bad, got):
        assert "error" in js, f"JS accepted {case}"
        with pytest.raises(ValueError):
            decode_word(case["probs"], LABELS, case["fixed"], case["penalty"])


# ---- input modes --------------------------------------------------------------------------------

RESTRICT_SCRIPT = """
import { decodeWord, restrict, MODES } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { labels, vectors, words } = JSON.parse(data);
const attempt = (f) => { try { return f(); } catch (e) { return { error: e.message }; } };
const restricted = vectors.map(({ probs, mode }) => attempt(() => Array.from(restrict(probs, labels, mode))));
const decoded = words.map(({ chars, penalty }) => attempt(() => decodeWord(
  chars.map(({ probs, mode }) => restrict(probs, labels, mode)), labels, null, penalty)));
process.stdout.write(JSON.stringify({ restricted, decoded, modes: MODES }));
"""


def restrict_vectors(n: int = 400) -> list[dict]:
    """Random vectors (float32 like the page's, and float64) x every mode, with exact zeros, ties
    and vectors with no mass in one group."""
    rng = np.random.default_rng(11)
    out = []
    for i in range(n):
        alpha = [0.05, 0.3, 1.0, 5.0][i % 4]
        v = rng.dirichlet(np.full(62, alpha))
        if i % 3 == 0:
            v = v.astype(np.float32)
        if i % 7 == 0:  # exact zeros, e.g. all the digits (no mass for the 123 mode)
            v[:10] = 0
        if i % 11 == 0:  # ties
            v[:] = 0
            v[[LABELS.index("o"), LABELS.index("O"), LABELS.index("0")]] = 1 / 3
        for mode in MODES:
            out.append({"probs": [float(x) for x in v], "mode": mode})
    return out


def mixed_words(n: int = 300) -> list[dict]:
    """Words whose characters were written in different modes (or one mode, or all auto)."""
    rng = np.random.default_rng(12)
    out = []
    for i in range(n):
        length = int(rng.integers(1, 9))
        probs = rng.dirichlet(np.full(62, [0.05, 0.3, 1.0][i % 3]), size=length).astype(np.float32)
        if i % 4 == 0:
            modes = [str(rng.choice(MODES))] * length  # the whole word in one mode
        else:
            modes = [str(rng.choice(MODES)) for _ in range(length)]
        out.append({"chars": [{"probs": [float(x) for x in row], "mode": m} for row, m in zip(probs, modes)],
                    "penalty": float([0.0, DEFAULT_FREE_PENALTY, 10.0][i % 3])})
    return out


def groups_mask(mode: str) -> np.ndarray:
    return groups(LABELS)[mode]


def run_node_restrict(vectors: list[dict], words: list[dict]) -> dict:
    url = json.dumps((WEB / "js" / "decoder.js").resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", RESTRICT_SCRIPT % url],
                         input=json.dumps({"labels": LABELS, "vectors": vectors, "words": words}),
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(res.stdout)


def test_node_restrict_matches_python_bit_for_bit():
    vectors = restrict_vectors()
    got = run_node_restrict(vectors, [])
    assert tuple(got["modes"]) == MODES
    no_mass = 0
    for n, (case, js) in enumerate(zip(vectors, got["restricted"])):
        py = restrict(case["probs"], LABELS, case["mode"])
        assert js == py.tolist(), f"vector {n} ({case['mode']}): JS and Python differ"
        if case["mode"] != "auto" and not np.any(np.array(case["probs"])[groups_mask(case["mode"])]):
            no_mass += 1
    assert no_mass > 0, "the cases include a group without mass"


def test_node_decodes_words_written_in_several_modes_as_python():
    words = mixed_words()
    got = run_node_restrict([], words)
    patterns = set()
    for n, (word, js) in enumerate(zip(words, got["decoded"])):
        probs = [restrict(c["probs"], LABELS, c["mode"]) for c in word["chars"]]
        labels, pattern = decode_word(probs, LABELS, free_penalty=word["penalty"])
        assert js == {"labels": labels, "pattern": pattern}, f"word {n}: {js} != {labels, pattern}"
        patterns.add(pattern)
        # every character within its mode (the decoder's penalties are far below the bound)
        for label, c in zip(labels, word["chars"]):
            if c["mode"] != "auto":
                assert groups_mask(c["mode"])[LABELS.index(label)], (n, label, c["mode"])
    assert patterns == {"lower", "capital", "upper", "digits", "free"}, "words cover every outcome"


def test_node_restrict_rejects_what_python_rejects():
    bad = [{"probs": [1 / 62] * 62, "mode": "numbers"},
           {"probs": [1 / 62] * 62, "mode": "Auto"},
           {"probs": [1 / 61] * 61, "mode": "digits"},
           {"probs": [1 / 61] * 61, "mode": "auto"}]
    got = run_node_restrict(bad, [])
    for case, js in zip(bad, got["restricted"]):
        assert isinstance(js, dict) and "error" in js, f"JS accepted {case}"
        with pytest.raises(ValueError):
            restrict(case["probs"], LABELS, case["mode"])


# ---- the decoding window over a line ------------------------------------------------------------

WINDOW_SCRIPT = """
import { wordWindowStart, WORD_WINDOW } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const lines = JSON.parse(data);
process.stdout.write(JSON.stringify({ starts: lines.map(wordWindowStart), window: WORD_WINDOW }));
"""


def test_node_word_window_matches_python():
    rng = np.random.default_rng(13)
    lines = [[None if rng.random() < space else 1 for _ in range(int(rng.integers(0, 200)))]
             for space in (0.0, 0.005, 0.02, 0.2, 0.9) for _ in range(40)]
    url = json.dumps((WEB / "js" / "decoder.js").resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", WINDOW_SCRIPT % url],
                         input=json.dumps(lines), capture_output=True, text=True, timeout=120,
                         check=True)
    got = json.loads(res.stdout)
    assert got["window"] == WORD_WINDOW
    assert got["starts"] == [word_window_start(line) for line in lines]
    assert {len(line) - start for line, start in zip(lines, got["starts"])} >= {0, WORD_WINDOW}
