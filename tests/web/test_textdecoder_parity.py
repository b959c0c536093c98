"""One text decoder, two languages: web/js/textdecoder.js and web/js/lexicon.js (in Node) against
handwriting.page.textdecoder and handwriting.page.lexicon, on the same lexicon file and the same
seeded random and structured posteriors: the same texts, hypotheses and alternatives, scores
within float tolerance (the two languages' log and exp may differ in the last bit)."""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pytest
from ctc_posteriors import spell
from test_preprocess_parity import node
from web_support import WEB

from handwriting.page.lexicon import Lexicon, format_lexicon
from handwriting.page.textdecoder import (ALPHABET, BLANK, DEFAULT_PARAMS, decode_text,
                                          greedy_decode)

pytestmark = [pytest.mark.web]

SCRIPT = """
import { decodeText, greedyDecode, ALPHABET, BLANK, DEFAULT_PARAMS } from %s;
import { parseLexicon, parseLexiconInSteps } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { lexicon, cases, words, bad } = JSON.parse(data);
const lex = parseLexicon(lexicon);
const attempt = (f) => { try { return f(); } catch (e) { return { error: e.message }; } };
const decoded = cases.map(({ probs, params, withLexicon, flat }) => attempt(() => {
  const input = flat ? Float32Array.from(probs.flat()) : probs;
  return { beam: decodeText(input, withLexicon ? lex : null, params), greedy: greedyDecode(input) };
}));
// the page's way: the same trie, built 50 words at a time between pauses
let pauses = 0;
const steps = await parseLexiconInSteps(lexicon, async () => { pauses += 1; }, 50);
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const stepped = { pauses, same: steps.size === lex.size && steps.step === lex.step
  && same(steps.wordLogp, lex.wordLogp) && same(steps.bestLogp, lex.bestLogp)
  && JSON.stringify([...steps.child]) === JSON.stringify([...lex.child]) };
const t0 = performance.now();
process.stdout.write(JSON.stringify({ stepped,
  alphabet: ALPHABET, blank: BLANK, defaults: DEFAULT_PARAMS, decoded,
  size: lex.size, nodes: lex.wordLogp.length,
  logp: words.map((w) => { const v = lex.logp(w); return v === -Infinity ? null : v; }),
  bad: bad.map((text) => attempt(() => parseLexicon(text).size)),
}));
"""

WORDS = ["the", "of", "hello", "world", "don't", "i'm", "week", "so", "cat", "sat", "seat", "set",
         "there", "their", "hcllo", "x", "a", "i", "zzzq", "quick", "brown", "fox", "clock", "o'clock"]


def lexicon_text() -> str:
    """A small lexicon: the words above and a few hundred generated ones, frequencies by rank."""
    rng = np.random.default_rng(3)
    words = set(w for w in WORDS if w not in ("hcllo", "zzzq"))
    while len(words) < 400:
        words.add("".join(rng.choice(list("etaoinshrdlucmw"), size=int(rng.integers(1, 8)))))
    ranked = sorted(words)
    rng.shuffle(ranked)
    logps = [math.log(1 / (r + 2)) for r in range(len(ranked))]
    total = math.log(sum(math.exp(v) for v in logps))
    return format_lexicon(((w, v - total) for w, v in zip(ranked, logps)), 0.25, "test words")


def cases() -> list[dict]:
    rng = np.random.default_rng(17)
    out = []
    texts = ["hello world", "The cat sat", "x86 (415) week: \"so I'm", "HELLO there", "Don't",
             "o'clock", "the  quick", "I", "fox.", "zzzq", " the", "", "aa bb"]
    for n, text in enumerate(texts):
        for noise in (0.0, 0.25):
            out.append({"probs": spell(text, rng=rng, noise=noise, frames=1 + n % 3),
                        "params": {}, "withLexicon": True})
    out.append({"probs": spell("hello", confusions={1: {"c": 0.55, "e": 0.45}}),
                "params": {}, "withLexicon": True})
    out.append({"probs": spell("hello", confusions={1: {"c": 0.55, "e": 0.45}}),
                "params": {}, "withLexicon": False})
    # a letter after a number: the open word's penalty replaces the number's, a bigger one
    nine = np.zeros((2, BLANK + 1), dtype=np.float32)
    nine[0, [ALPHABET.index("9"), BLANK]] = 0.99, 0.01
    nine[1, [ALPHABET.index("x"), BLANK]] = 0.4, 0.6
    out.append({"probs": nine, "params": {"number_penalty": 12.0, "oov_word_penalty": 1.0,
                                          "beam": 2}, "withLexicon": False})
    # seeded random: blank-heavy frames with a few characters, and flat ones
    for n in range(40):
        frames = int(rng.integers(1, 60))
        probs = rng.dirichlet(np.full(BLANK + 1, [0.02, 0.1, 1.0][n % 3]), size=frames)
        if n % 2:
            probs[:, BLANK] += 3.0
            probs /= probs.sum(axis=1, keepdims=True)
        params = [{}, {"beam": 1}, {"beam": 4, "lm_weight": 0.5, "word_bonus": 1.0},
                  {"lm_weight": 2.0, "char_threshold": 0.01, "max_chars": 3, "alternatives": 2},
                  {"upper_penalty": 0.0, "capital_penalty": 0.0, "oov_word_penalty": 3.0}][n % 5]
        out.append({"probs": probs.astype(np.float32), "params": params,
                    "withLexicon": n % 7 != 0})
    for c in out:
        c["probs"] = [[float(x) for x in row] for row in c["probs"]]
    out[3]["flat"] = True  # a flat Float32Array, as a tensor's dataSync() gives
    return out


def run_node(payload: dict) -> dict:
    decoder = json.dumps((WEB / "js" / "textdecoder.js").resolve().as_uri())
    lexicon = json.dumps((WEB / "js" / "lexicon.js").resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", SCRIPT % (decoder, lexicon)],
                         input=json.dumps(payload), capture_output=True, text=True, timeout=120,
                         check=True)
    return json.loads(res.stdout)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_node_text_decoder_matches_python():
    text = lexicon_text()
    lexicon = Lexicon(text)
    c = cases()
    got = run_node({"lexicon": text, "cases": c, "words": WORDS, "bad": []})
    assert got["alphabet"] == ALPHABET and got["blank"] == BLANK
    assert got["defaults"] == DEFAULT_PARAMS
    assert got["size"] == len(lexicon) and got["nodes"] == len(lexicon.word_logp)
    assert got["stepped"] == {"pauses": len(lexicon) // 50, "same": True}
    assert got["logp"] == [None if lexicon.logp(w) == -math.inf else lexicon.logp(w) for w in WORDS]
    texts = set()
    for n, (case, js) in enumerate(zip(c, got["decoded"])):
        assert "error" not in js, f"case {n}: {js}"
        py = decode_text(case["probs"], lexicon if case["withLexicon"] else None, case["params"])
        for key in ("hypotheses", "alternatives"):
            assert len(js["beam"][key]) == len(py[key]), (n, key)
            for a, b in zip(js["beam"][key], py[key]):
                assert a.get("text", a.get("word")) == b.get("text", b.get("word")), (n, key, a, b)
                assert close(a["score"], b["score"]), (n, key, a, b)
        assert js["beam"]["text"] == py["text"] and close(js["beam"]["score"], py["score"]), n
        greedy = greedy_decode(case["probs"])
        assert js["greedy"]["text"] == greedy["text"] and close(js["greedy"]["score"], greedy["score"])
        texts.add(py["text"])
    # the cases exercise what they mean to: words, codes, no frames
    assert {"hello world", "x86 (415) week: \"so I'm", "HELLO there", "o'clock", "9x", ""} <= texts


def test_node_rejects_what_python_rejects():
    good = lexicon_text()
    lines = good.split("\n")
    bad = ["", "lexicon 2 step=0.25 words=0 | x\n", good.replace("words=", "words=1"),
           "\n".join([lines[0], lines[2], lines[1], *lines[3:]]),  # out of order
           good.replace(lines[5], lines[5][:1] + "~" + lines[5][2:]),  # shares more than it has
           good.replace(lines[5], lines[5] + "Q")]  # not a lowercase word
    got = run_node({"lexicon": good, "cases": [
        {"probs": [[0.5] * 95], "params": {}, "withLexicon": True},
        {"probs": [[1 / 96] * 96], "params": {"beam": 0}, "withLexicon": True},
        {"probs": [[1 / 96] * 96], "params": {"beem": 4}, "withLexicon": True},
        {"probs": [[-1.0] + [1 / 95] * 95], "params": {}, "withLexicon": True}],
        "words": [], "bad": bad})
    for js in got["bad"]:
        assert isinstance(js, dict) and "error" in js, js
    for text in bad:
        with pytest.raises(ValueError):
            Lexicon(text)
    for case, js in zip([[[0.5] * 95], [[1 / 96] * 96], [[1 / 96] * 96], [[-1.0] + [1 / 95] * 95]],
                        got["decoded"]):
        assert "error" in js, js
    for probs, params in [([[0.5] * 95], {}), ([[1 / 96] * 96], {"beam": 0}),
                          ([[1 / 96] * 96], {"beem": 4}), ([[-1.0] + [1 / 95] * 95], {})]:
        with pytest.raises(ValueError):
            decode_text(probs, None, params)


SPEED_SCRIPT = """
import { decodeText } from %s;
import { parseLexicon } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { lexicon, probs } = JSON.parse(data);
const lex = parseLexicon(lexicon);
const flat = Float32Array.from(probs.flat());
let result;
for (let k = 0; k < 10; k++) result = decodeText(flat, lex, { beam: 16 });
// CPU time, not wall time: other jobs on the machine do not count
const start = process.cpuUsage();
for (let k = 0; k < 10; k++) result = decodeText(flat, lex, { beam: 16 });
const used = process.cpuUsage(start);
process.stdout.write(JSON.stringify({ text: result.text, ms: (used.user + used.system) / 1e4 }));
"""


def test_node_decodes_a_long_line_with_the_shipped_lexicon_in_milliseconds():
    """A 10-word-plus line of about 460 frames, several candidate characters per frame, beam 16,
    the 50,000-word lexicon: a few ms here (the bound only catches a slower algorithm)."""
    from handwriting.datasets import WordFrequencies
    from handwriting.pipelines.modelling.language_model import build_lexicon

    lexicon = build_lexicon(WordFrequencies("en", "large").load(),
                            {"words": 50000, "step": 0.25, "attribution": "wordfreq"})
    text = ("The quick brown fox jumps over the lazy dog while x86 (415) people said: "
            "\"so I'm here\" today")
    probs = spell(text, frames=3, gap=2, noise=0.1, rng=np.random.default_rng(5))
    decoder = json.dumps((WEB / "js" / "textdecoder.js").resolve().as_uri())
    reader = json.dumps((WEB / "js" / "lexicon.js").resolve().as_uri())
    res = subprocess.run([node(), "--input-type=module", "-e", SPEED_SCRIPT % (decoder, reader)],
                         input=json.dumps({"lexicon": lexicon, "probs": probs.tolist()}),
                         capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(res.stdout)
    assert len(probs) > 450 and got["text"] == text
    assert got["ms"] < 50, f"{got['ms']:.1f} ms of CPU for {len(probs)} frames"
