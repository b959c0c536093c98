// Text from a words model's per-frame probabilities: a CTC prefix beam search with the lexicon
// as a word-level language model, and the plain best path. The specification is
// src/handwriting/page/textdecoder.py (read its docstring: the score, the words' two readings,
// the search); this is the same function for the page, and tests/web/test_textdecoder_parity.py
// checks that the two agree. One search allocates a few typed arrays that grow by doubling,
// nothing per frame.

import { RADIX, ROOT } from './lexicon.js';

let alphabet = '';
for (let c = 0x20; c < 0x7f; c++) alphabet += String.fromCharCode(c);
export const ALPHABET = alphabet; // ' ' .. '~', in code-point order
export const BLANK = ALPHABET.length; // the CTC blank: the last of the model's 96 outputs
const OUTPUTS = BLANK + 1;
const SPACE_INDEX = 0;
const LOG_FLOOR = Math.log(1e-30);

export const DEFAULT_PARAMS = Object.freeze({
  beam: 16,
  lm_weight: 0.5,
  word_bonus: 0.0,
  capital_penalty: 1.0,
  upper_penalty: 3.0,
  punctuation_penalty: 2.0,
  oov_word_penalty: 6.0,
  number_penalty: 4.0,
  oov_char_penalty: 1.5,
  digit_penalty: 1.0,
  char_threshold: 1e-3,
  max_chars: 8,
  alternatives: 5,
});
const INTEGER_PARAMS = ['beam', 'max_chars', 'alternatives'];

const LETTER = 0, DIGIT = 1, APOSTROPHE = 2, PUNCTUATION = 3, SPACE = 4;
const CHAR_CLASS = Array.from(ALPHABET, (ch) => {
  if (ch === ' ') return SPACE;
  if (/[A-Za-z]/.test(ch)) return LETTER;
  if (/[0-9]/.test(ch)) return DIGIT;
  return ch === "'" ? APOSTROPHE : PUNCTUATION;
});
const IS_UPPER = Array.from(ALPHABET, (ch) => /[A-Z]/.test(ch));
const LOWER_CODE = Array.from(ALPHABET, (ch) => ch.toLowerCase().charCodeAt(0));
const AROUND = /^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g; // the punctuation around a word
const APOSTROPHE_CODE = "'".charCodeAt(0);
const LOWER = 1, CAPITAL = 2, UPPER = 4; // case patterns a lexicon word's letters still fit

/** DEFAULT_PARAMS updated with `params`, as handwriting.page.textdecoder.check_params. */
export function checkParams(params) {
  const merged = { ...DEFAULT_PARAMS };
  for (const [key, value] of Object.entries(params || {})) {
    if (!(key in DEFAULT_PARAMS)) {
      throw new Error(`unknown decoder parameter ${key}: expected ${Object.keys(DEFAULT_PARAMS).join(', ')}`);
    }
    const ok = INTEGER_PARAMS.includes(key)
      ? Number.isInteger(value) && value >= 1
      : typeof value === 'number' && Number.isFinite(value) && value >= 0
        && (key !== 'char_threshold' || value <= 1);
    if (!ok) throw new Error(`decoder parameter ${key} = ${value} is out of range`);
    merged[key] = value;
  }
  return merged;
}

/** [T][96] rows or a flat array of T * 96 -> { probs: Float64Array, frames }, checked. */
function flatten(probs) {
  let flat;
  if (probs.length && typeof probs[0] === 'object') {
    flat = new Float64Array(probs.length * OUTPUTS);
    for (let t = 0; t < probs.length; t++) {
      if (!probs[t] || probs[t].length !== OUTPUTS) {
        const got = probs[t] ? probs[t].length : probs[t];
        throw new Error(`expected probabilities of shape [T, ${OUTPUTS}], got a row of ${got}`);
      }
      flat.set(probs[t], t * OUTPUTS);
    }
  } else {
    if (probs.length % OUTPUTS !== 0) {
      throw new Error(`expected probabilities of shape [T, ${OUTPUTS}], got ${probs.length} values`);
    }
    flat = Float64Array.from(probs);
  }
  for (let k = 0; k < flat.length; k++) {
    if (!(Number.isFinite(flat[k]) && flat[k] >= 0)) throw new Error('probabilities must be finite and >= 0');
  }
  return { probs: flat, frames: flat.length / OUTPUTS };
}

function logOf(p) {
  return Math.max(Math.log(p), LOG_FLOOR);
}

function logAddExp(a, b) {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** The best path, as handwriting.page.textdecoder.greedy_decode: { text, score }. */
export function greedyDecode(probs) {
  const { probs: p, frames } = flatten(probs);
  let text = '', score = 0, previous = BLANK;
  for (let t = 0; t < frames; t++) {
    const row = t * OUTPUTS;
    let best = 0;
    for (let c = 1; c < OUTPUTS; c++) if (p[row + c] > p[row + best]) best = c;
    score += logOf(p[row + best]);
    if (best !== previous && best !== BLANK) text += ALPHABET[best];
    previous = best;
  }
  return { text, score };
}

/** Every prefix reached in one search, a tree (see _Prefixes in the Python twin). */
class Prefixes {
  constructor(lexicon, params) {
    this.lexicon = lexicon;
    this.p = params;
    this.rootBest = lexicon ? lexicon.bestLogp[ROOT] : -Infinity;
    this.count = 1;
    const n = 4096;
    this.parent = new Int32Array(n).fill(-1);
    this.char = new Int32Array(n).fill(-1);
    this.firstChild = new Int32Array(n).fill(-1); // the kept children, each to the next
    this.nextSibling = new Int32Array(n).fill(-1);
    this.done = new Float64Array(n);
    this.words = new Int32Array(n);
    this.length = new Int32Array(n);
    this.lead = new Int32Array(n);
    this.started = new Uint8Array(n);
    this.node = new Int32Array(n); // ROOT is 0
    this.case = new Uint8Array(n);
    this.trail = new Float64Array(n).fill(-Infinity);
    this.letters = new Uint8Array(n);
    this.oov = new Float64Array(n);
    this.partial = new Float64Array(n);
    this.slot = new Int32Array(n); // this frame's slot of a node, valid where stamp is the frame
    this.stamp = new Int32Array(n).fill(-1);
  }

  reserve(size) {
    if (size <= this.parent.length) return;
    const n = Math.max(size, this.parent.length * 2);
    for (const name of ['parent', 'char', 'firstChild', 'nextSibling', 'done', 'words', 'length',
      'lead', 'started', 'node', 'case', 'trail', 'letters', 'oov', 'partial', 'slot', 'stamp']) {
      const bigger = new this[name].constructor(n);
      bigger.set(this[name]);
      this[name] = bigger;
    }
  }

  caseCost(flags) {
    if (flags & LOWER) return 0;
    let cost = Infinity;
    if (flags & CAPITAL) cost = this.p.capital_penalty;
    if (flags & UPPER) cost = Math.min(cost, this.p.upper_penalty);
    return cost;
  }

  /** The lexicon reading's score if the word's letters end at trie node `node`. */
  complete(node, flags) {
    if (node < 0 || !flags || !this.lexicon) return -Infinity;
    return this.lexicon.wordLogp[node] - this.caseCost(flags);
  }

  wordScore(i, finished) {
    if (this.length[i] === 0) return 0;
    const p = this.p;
    let lex;
    if (this.started[i]) {
      if (finished) lex = this.complete(this.node[i], this.case[i]);
      else if (this.node[i] >= 0 && this.case[i]) {
        lex = this.lexicon.bestLogp[this.node[i]] - this.caseCost(this.case[i]);
      } else lex = -Infinity;
      lex = Math.max(lex, this.trail[i]);
    } else {
      lex = finished ? -Infinity : this.rootBest;
    }
    lex -= p.punctuation_penalty * this.lead[i];
    const oov = -(this.letters[i] ? p.oov_word_penalty : p.number_penalty) - this.oov[i];
    return Math.max(lex, oov);
  }

  /**
   * Writes the state of prefix `i` plus character `c` at the next free index (`count`) without
   * keeping it, and returns its ranking LM score; NaN for a space that would start the text or
   * follow another space. The search scores every extension so but keeps only the survivors.
   */
  tentative(i, c) {
    const kind = CHAR_CLASS[c];
    if (kind === SPACE && this.length[i] === 0) return NaN;
    const p = this.p;
    const lexicon = this.lexicon;
    let done = this.done[i], words = this.words[i];
    let length = this.length[i], lead = this.lead[i], started = this.started[i];
    let node = this.node[i], cs = this.case[i], trail = this.trail[i];
    let letters = this.letters[i], oov = this.oov[i];
    if (kind === SPACE) {
      done += this.wordScore(i, true);
      words += 1;
      length = 0; lead = 0; started = 0; node = ROOT; cs = 0; trail = -Infinity; letters = 0; oov = 0;
    } else {
      length += 1;
      if (kind === LETTER) {
        letters = 1;
        oov += p.oov_char_penalty;
        const upper = IS_UPPER[c];
        if (!started) {
          started = 1;
          cs = upper ? (CAPITAL | UPPER) : LOWER;
        } else {
          cs &= upper ? UPPER : LOWER;
        }
        node = node >= 0 && lexicon ? (lexicon.child.get(node * RADIX + LOWER_CODE[c]) ?? -1) : -1;
        trail = -Infinity;
      } else if (kind === DIGIT) {
        oov += p.digit_penalty;
        started = 1; node = -1; trail = -Infinity;
      } else { // punctuation, the apostrophe included
        oov += p.punctuation_penalty;
        if (!started) {
          lead += 1;
        } else {
          trail = Math.max(trail, this.complete(node, cs)) - p.punctuation_penalty;
          node = kind === APOSTROPHE && node >= 0 && lexicon
            ? (lexicon.child.get(node * RADIX + APOSTROPHE_CODE) ?? -1) : -1;
        }
      }
    }
    const j = this.count;
    this.reserve(j + 1);
    this.parent[j] = i;
    this.char[j] = c;
    this.done[j] = done;
    this.words[j] = words;
    this.length[j] = length;
    this.lead[j] = lead;
    this.started[j] = started;
    this.node[j] = node;
    this.case[j] = cs;
    this.trail[j] = trail;
    this.letters[j] = letters;
    this.oov[j] = oov;
    this.stamp[j] = -1;
    this.partial[j] = done + this.wordScore(j, false);
    return this.lmScore(j, false);
  }

  /**
   * An upper bound on the ranking LM score of prefix `i` plus any one character: a character
   * never raises the score, except the word bonus of a new word and an open word's penalty in
   * place of a number's.
   */
  bound(i) {
    const p = this.p;
    let up = this.lmScore(i, false);
    if (this.length[i] === 0) up += p.word_bonus;
    if (!this.letters[i]) up += p.lm_weight * Math.max(0, p.number_penalty - p.oov_word_penalty);
    return up;
  }

  /** The node of prefix `i` plus character `c`, made on first use; -1 where not allowed. */
  extend(i, c) {
    const known = this.find(i, c);
    if (known >= 0) return known;
    if (Number.isNaN(this.tentative(i, c))) return -1;
    const j = this.count++;
    this.firstChild[j] = -1;
    this.nextSibling[j] = this.firstChild[i];
    this.firstChild[i] = j;
    return j;
  }

  /** The kept node of prefix `i` plus character `c`, or -1. */
  find(i, c) {
    for (let j = this.firstChild[i]; j >= 0; j = this.nextSibling[j]) if (this.char[j] === c) return j;
    return -1;
  }

  lmScore(i, finished) {
    const lm = finished ? this.done[i] + this.wordScore(i, true) : this.partial[i];
    const words = this.words[i] + (this.length[i] ? 1 : 0);
    return this.p.lm_weight * lm + this.p.word_bonus * words;
  }

  text(i) {
    const out = [];
    for (; i > 0; i = this.parent[i]) out.push(ALPHABET[this.char[i]]);
    return out.reverse().join('');
  }
}

/** The text's last word (a trailing space ignored), '' for none. */
export function lastWord(text) {
  const words = text.split(' ');
  while (words.length && words[words.length - 1] === '') words.pop();
  return words.length ? words[words.length - 1] : '';
}

/**
 * The best reading of `probs` ([T][96] rows, or a flat array of T * 96 such as a tensor's
 * dataSync()) under `lexicon` (a Lexicon from lexicon.js, or null for the open vocabulary alone)
 * and `params` (see DEFAULT_PARAMS), as handwriting.page.textdecoder.decode_text:
 * { text, score, hypotheses: [{ text, score }], alternatives: [{ word, score }] }.
 */
export function decodeText(probs, lexicon = null, params = null) {
  const prm = checkParams(params);
  const { probs: p, frames } = flatten(probs);
  const tree = new Prefixes(lexicon, prm);
  const width = prm.beam;
  const most = prm.max_chars;
  const room = width * (most + 1);
  let beamIds = new Int32Array(width), beamB = new Float64Array(width), beamNb = new Float64Array(width);
  let nextIds = new Int32Array(width), nextB = new Float64Array(width), nextNb = new Float64Array(width);
  // this frame's prefixes ("slots"): a known node, or a new extension (parent, character) that
  // becomes a node only if it survives the frame
  const ids = new Int32Array(room), fromParent = new Int32Array(room), fromChar = new Int32Array(room);
  const slotB = new Float64Array(room), slotNb = new Float64Array(room), scores = new Float64Array(room);
  const ranked = new Int32Array(width);
  const cands = new Int32Array(BLANK);
  const candLog = new Float64Array(OUTPUTS);
  let used = 0, frame = 0, size = 1;
  const before = (s, r) => scores[s] > scores[r] || (scores[s] === scores[r] && s < r);
  const rank = (s, score) => { // into ranked[0..size), best first, the earlier slot on a tie
    scores[s] = score;
    if (size === width && !before(s, ranked[size - 1])) return;
    let k = size < width ? size++ : size - 1;
    while (k > 0 && before(s, ranked[k - 1])) { ranked[k] = ranked[k - 1]; k--; }
    ranked[k] = s;
  };
  const at = (node) => {
    if (tree.stamp[node] === frame) return tree.slot[node];
    tree.stamp[node] = frame;
    tree.slot[node] = used;
    ids[used] = node; slotB[used] = -Infinity; slotNb[used] = -Infinity;
    return used++;
  };
  beamIds[0] = ROOT; beamB[0] = 0; beamNb[0] = -Infinity;
  for (let t = 0; t < frames; t++) {
    const row = t * OUTPUTS;
    const blank = logOf(p[row + BLANK]);
    // this frame's characters: probability >= threshold, likeliest first (lower index on a tie)
    let ncand = 0;
    for (let c = 0; c < BLANK; c++) {
      const pc = p[row + c];
      if (pc >= prm.char_threshold && pc > 0) {
        const lc = logOf(pc);
        candLog[c] = lc;
        let k = ncand++;
        while (k > 0 && candLog[cands[k - 1]] < lc) { cands[k] = cands[k - 1]; k--; }
        cands[k] = c;
      }
    }
    if (ncand > most) ncand = most;
    used = 0;
    frame = t;
    for (let k = 0; k < size; k++) {
      const i = beamIds[k], b = beamB[k], nb = beamNb[k];
      const total = logAddExp(b, nb);
      let s = at(i);
      slotB[s] = logAddExp(slotB[s], total + blank);
      const last = tree.char[i];
      if (last >= 0) slotNb[s] = logAddExp(slotNb[s], nb + logOf(p[row + last]));
      for (let q = 0; q < ncand; q++) {
        const c = cands[q];
        // a repeated character needs a blank between its two runs
        const value = (c === last ? b : total) + candLog[c];
        if (value === -Infinity) continue; // no blank yet before a repeat: nothing to extend
        const j = tree.find(i, c);
        if (j >= 0) {
          s = at(j);
          slotNb[s] = logAddExp(slotNb[s], value);
          continue;
        }
        if (c === SPACE_INDEX && tree.length[i] === 0) continue; // no leading or double space
        s = used++; // a new prefix: its language model score is computed only if it may rank
        ids[s] = -1; fromParent[s] = i; fromChar[s] = c;
        slotB[s] = -Infinity; slotNb[s] = value;
      }
    }
    // the `width` best slots, best first, the earlier slot first on a tie: the known prefixes,
    // then the new ones whose bound on their score can still rank
    size = 0;
    for (let s = 0; s < used; s++) {
      if (ids[s] >= 0) rank(s, logAddExp(slotB[s], slotNb[s]) + tree.lmScore(ids[s], false));
    }
    for (let s = 0; s < used; s++) {
      if (ids[s] >= 0) continue;
      if (size === width && slotNb[s] + tree.bound(fromParent[s]) < scores[ranked[size - 1]]) continue;
      rank(s, slotNb[s] + tree.tentative(fromParent[s], fromChar[s]));
    }
    for (let k = 0; k < size; k++) {
      const s = ranked[k];
      nextIds[k] = ids[s] >= 0 ? ids[s] : tree.extend(fromParent[s], fromChar[s]);
      nextB[k] = slotB[s]; nextNb[k] = slotNb[s];
    }
    [beamIds, nextIds] = [nextIds, beamIds];
    [beamB, nextB] = [nextB, beamB];
    [beamNb, nextNb] = [nextNb, beamNb];
  }
  const hypotheses = [];
  for (let k = 0; k < size; k++) {
    hypotheses.push({
      text: tree.text(beamIds[k]),
      score: logAddExp(beamB[k], beamNb[k]) + tree.lmScore(beamIds[k], true),
      rank: k,
    });
  }
  // the empty reading last: there was ink, and reading nothing must not win merely because
  // every text pays its language model cost
  hypotheses.sort((a, b) => ((a.text === '') - (b.text === '')) || (b.score - a.score) || (a.rank - b.rank));
  const alternatives = [];
  const seen = new Set();
  for (const h of hypotheses) {
    delete h.rank;
    const word = lastWord(h.text);
    const key = word.replace(AROUND, '') || word; // alternatives differing only in punctuation are one
    if (!seen.has(key) && alternatives.length < prm.alternatives) {
      seen.add(key);
      alternatives.push({ word, score: h.score });
    }
  }
  return { text: hypotheses[0].text, score: hypotheses[0].score, hypotheses, alternatives };
}
