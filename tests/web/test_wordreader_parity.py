"""The reading of a word or a line, two languages: web/js/wordreader.js, run in Node, against
handwriting.page.wordreader, with the same deterministic stand-in for the words model written in
both (tests/fake_word_models.py), on seeded random ink and on words written from the test
glyphs: the same texts, alternatives and frames, scores within float tolerance."""

from __future__ import annotations

import json
import math

import pytest
from fake_word_models import FAKES_JS, smooth, spelling
from test_penline_parity import penline_cases
from test_textdecoder_parity import lexicon_text
from test_trajectory_parity import run
from web_glyphs import GLYPHS
from web_support import WEB

from handwriting.page.lexicon import Lexicon
from handwriting.page.penline import DEFAULT_STEP
from handwriting.page.textdecoder import ALPHABET
from handwriting.page.wordreader import read_line

pytestmark = [pytest.mark.web]

TOL = 1e-6  # float32 probabilities from two languages' cos, sin and exp

SCRIPT = """
import { readLine, frames, STRIDE } from %s;
import { parseLexicon } from LEXICON_URL;
FAKES
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { lexicon, cases } = JSON.parse(data);
const lex = parseLexicon(lexicon);
const out = [];
for (const { strokes, settings, model, text, withLexicon, later } of cases) {
  const short = (f, points) => smooth(f, points).subarray(0, (framesOf(points) - 1) * OUTPUTS);
  const base = { smooth, short, spell: spelling(text) }[model];
  let calls = 0;
  const predict = (f, points) => {
    calls++;
    const p = base(f, points);
    return later ? Promise.resolve(p) : p;
  };
  try {
    const r = await readLine(strokes, predict, withLexicon ? lex : null, settings);
    out.push({ ...r, calls });
  } catch (e) {
    out.push({ error: e.message });
  }
}
process.stdout.write(JSON.stringify({ out, frames: [0, 1, 2, 3, 4, 101].map(frames), STRIDE }));
"""


def glyph_word(text: str) -> list:
    """``text`` written from the test glyphs, side by side (a space: a wider gap)."""
    strokes, x = [], 0.0
    for ch in text:
        if ch != " ":
            strokes += [[[px + x, py] for px, py in s] for s in GLYPHS[ch]]
        x += 110
    return strokes


def cases() -> list[dict]:
    settings = [{"step": DEFAULT_STEP, "alphabet": ALPHABET, "decoder": {}},
                {"step": 0.3, "decoder": {"beam": 4, "lm_weight": 1.0, "alternatives": 3}},
                {}]
    out = []
    for n, case in enumerate(penline_cases()[::2]):
        out.append({"strokes": case["strokes"], "settings": settings[n % 3], "model": "smooth",
                    "withLexicon": n % 4 != 0, "later": n % 5 == 0})
    for n, text in enumerate(["hello world", "the cat sat", "Hello", "x86 (415)", "o'clock"]):
        out.append({"strokes": glyph_word("0123456789" * 3), "settings": settings[n % 2],
                    "model": "spell", "text": text, "withLexicon": True, "later": n == 1})
    out.append({"strokes": [], "settings": settings[0], "model": "smooth", "withLexicon": True})
    out.append({"strokes": [[]], "settings": settings[0], "model": "smooth", "withLexicon": True})
    return out


def run_node(payload: dict) -> dict:
    lexicon = json.dumps((WEB / "js" / "lexicon.js").resolve().as_uri())
    script = SCRIPT.replace("LEXICON_URL", lexicon).replace("FAKES", FAKES_JS.replace("%", "%%"))
    return run(script, "wordreader.js", payload)


def test_node_word_reader_matches_python():
    text = lexicon_text()
    lexicon = Lexicon(text)
    c = cases()
    got = run_node({"lexicon": text, "cases": c})
    assert got["STRIDE"] == 2 and got["frames"] == [0, 1, 1, 2, 2, 51]
    texts = set()
    for n, (case, js) in enumerate(zip(c, got["out"], strict=True)):
        assert "error" not in js, (n, js)
        calls = []

        def predict(features, case=case):
            calls.append(len(features))
            return (smooth if case["model"] == "smooth" else spelling(case["text"]))(features)

        py = read_line(case["strokes"], predict, lexicon if case["withLexicon"] else None,
                       case["settings"])
        assert js["text"] == py["text"], (n, js["text"], py["text"])
        assert js["frames"] == py["frames"] and js["calls"] == len(calls), n
        assert math.isclose(js["score"], py["score"], rel_tol=TOL, abs_tol=TOL), (n, js, py)
        assert [a["word"] for a in js["alternatives"]] == [a["word"] for a in py["alternatives"]], n
        for a, b in zip(js["alternatives"], py["alternatives"]):
            assert math.isclose(a["score"], b["score"], rel_tol=TOL, abs_tol=TOL), (n, a, b)
        texts.add(py["text"])
    # the cases read what they mean to: spelt lines through the lexicon, no ink, random readings
    assert {"hello world", "the cat sat", "Hello", "x86 (415)", "o'clock", ""} <= texts
    assert len(texts) > 50


def test_both_refuse_a_model_of_other_characters_and_too_few_frames():
    ink = glyph_word("12")
    c = [{"strokes": ink, "settings": {"alphabet": ALPHABET[::-1]}, "model": "smooth",
          "withLexicon": False},
         {"strokes": ink, "settings": {}, "model": "short", "text": "", "withLexicon": False}]
    got = run_node({"lexicon": lexicon_text(), "cases": c})
    assert "alphabet" in got["out"][0]["error"]
    assert "expected at least" in got["out"][1]["error"]
    with pytest.raises(ValueError, match="alphabet"):
        read_line(ink, smooth, None, {"alphabet": ALPHABET[::-1]})
    with pytest.raises(ValueError, match="expected at least"):
        read_line(ink, lambda f: smooth(f)[:(len(f) + 1) // 2 - 1], None, {})
