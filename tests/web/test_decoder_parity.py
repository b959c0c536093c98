"""One word decoder, two languages: web/js/decoder.js (in Node) against handwriting.line_decoder."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from test_spec_parity import node
from web_support import WEB

from handwriting.line_decoder import DEFAULT_FREE_PENALTY, decode_word

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
