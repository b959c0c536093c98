// Word-level decoding of the text line: one case (or digits) per word, unless the ink insists.
// The specification is src/handwriting/page/decoder.py (read its docstring); this is the same
// function for the page, and tests/web/test_decoder_parity.py checks that the two agree. It also
// holds the input modes (restrict): a character written in the 123 / abc / ABC mode may only be a
// digit / lowercase / uppercase letter.

export const PATTERNS = ['lower', 'capital', 'upper', 'digits'];
export const MODES = ['auto', 'digits', 'lower', 'upper'];
const FLOOR = 1e-12;
export const DEFAULT_FREE_PENALTY = 8.0;
// The most characters of a word decoded together, as handwriting.page.decoder.WORD_WINDOW (read
// word_window_start there): far beyond a real word, so real words are decoded whole.
export const WORD_WINDOW = 64;

const isLower = (c) => c.length === 1 && c !== c.toUpperCase() && c === c.toLowerCase();
const isUpper = (c) => c.length === 1 && c !== c.toLowerCase() && c === c.toUpperCase();
const isDigit = (c) => c.length === 1 && c >= '0' && c <= '9';

/** Boolean masks over the classes, as handwriting.page.decoder.groups. */
export function groups(labels) {
  return {
    lower: labels.map(isLower),
    upper: labels.map(isUpper),
    digits: labels.map(isDigit),
  };
}

/**
 * One character's probabilities restricted to an input mode's group and renormalised, as
 * handwriting.page.decoder.restrict: 'auto' gives them unchanged, otherwise classes outside the
 * group get 0 and the group's are divided by their sum (added in class order); a group without
 * mass gets equal shares. Throws on an unknown mode, a wrong length or an empty group.
 * @param {ArrayLike<number>} probs
 * @param {string[]} labels
 * @param {string} mode  one of MODES
 * @returns {Float64Array}  a new array
 */
export function restrict(probs, labels, mode) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}: expected one of ${MODES.join(', ')}`);
  if (!probs || probs.length !== labels.length) {
    throw new Error(`expected ${labels.length} probabilities, got ${probs ? probs.length : probs}`);
  }
  const p = Float64Array.from(probs);
  if (mode === 'auto') return p;
  const mask = groups(labels)[mode];
  const size = mask.filter(Boolean).length;
  if (size === 0) throw new Error(`no class belongs to mode ${mode}`);
  let total = 0;
  for (let j = 0; j < p.length; j++) {
    if (mask[j]) total += p[j];
    else p[j] = 0;
  }
  for (let j = 0; j < p.length; j++) {
    if (mask[j]) p[j] = total > 0 ? p[j] / total : 1 / size;
  }
  return p;
}

/**
 * Where the characters decoded as the current word start in `line` (one entry per character, null
 * for a space): after the last space, at most WORD_WINDOW characters before the end, so a line
 * without spaces costs no more per character as it grows. As
 * handwriting.page.decoder.word_window_start.
 * @param {Array<object|null>} line
 * @returns {number}
 */
export function wordWindowStart(line) {
  let start = line.length;
  while (start > 0 && line[start - 1] !== null && line.length - start < WORD_WINDOW) start--;
  return start;
}

function allowed(pattern, position, masks) {
  if (pattern === 'capital') return position === 0 ? masks.upper : masks.lower;
  return masks[pattern];
}

/**
 * Labels for one word's characters and the pattern chosen ('free' when it needed an exception):
 * under each pattern a character scores the larger of its best log-probability among the classes
 * the pattern allows and its top log-probability minus freePenalty (an exception, which keeps its
 * top guess); a fixed character scores 0, or -freePenalty where the pattern does not allow it.
 * As handwriting.page.decoder.decode_word (read its docstring).
 * @param {Array<ArrayLike<number>|null>} probs  one probability vector per character (null where fixed)
 * @param {string[]} labels
 * @param {Array<string|null>} [fixed]           labels the user chose by hand, or null
 * @param {number} [freePenalty]                 nats each character pays to leave the word's pattern
 * @returns {{labels: string[], pattern: string}}
 */
export function decodeWord(probs, labels, fixed = null, freePenalty = DEFAULT_FREE_PENALTY) {
  const n = probs.length;
  const fix = fixed || new Array(n).fill(null);
  if (fix.length !== n) throw new Error(`${n} probability vectors but ${fix.length} fixed entries`);
  if (n === 0) return { labels: [], pattern: 'free' };
  if (!(freePenalty >= 0)) throw new Error(`freePenalty must be >= 0, got ${freePenalty}`);
  const masks = groups(labels);
  const index = new Map(labels.map((c, i) => [c, i]));
  const logp = probs.map((p, i) => {
    if (fix[i] !== null && fix[i] !== undefined) {
      if (!index.has(fix[i])) throw new Error(`fixed label ${fix[i]} at position ${i} is not a class`);
      return null;
    }
    if (!p || p.length !== labels.length) {
      throw new Error(`character ${i}: expected ${labels.length} probabilities, got ${p ? p.length : p}`);
    }
    return Array.from(p, (x) => Math.log(Math.max(x, FLOOR)));
  });
  const argmax = (lp, mask) => {
    let k = -1;
    for (let j = 0; j < lp.length; j++) {
      if ((mask === null || mask[j]) && (k < 0 || lp[j] > lp[k])) k = j;
    }
    return k;
  };

  // summed from 0 in character order, as the Python twin
  const best = (pattern) => {
    let total = 0;
    let exceptions = 0;
    const out = [];
    for (let i = 0; i < n; i++) {
      const mask = allowed(pattern, i, masks);
      if (logp[i] === null) {
        if (!mask[index.get(fix[i])]) exceptions++;
        out.push(fix[i]);
        continue;
      }
      const k = argmax(logp[i], mask);
      const top = argmax(logp[i], null);
      if (logp[i][top] - freePenalty > logp[i][k]) { // strict >: a tie keeps the pattern's class
        total += logp[i][top];
        exceptions++;
        out.push(labels[top]);
      } else {
        total += logp[i][k];
        out.push(labels[k]);
      }
    }
    // the penalties last, so that patterns reading equal classes tie exactly
    return { score: total - exceptions * freePenalty, out, exceptions };
  };

  let pattern = 'free';
  let patternScore = -Infinity;
  let patternOut = [];
  let patternExceptions = 0;
  for (const name of PATTERNS) { // strict >: ties go to the earlier pattern
    const { score, out, exceptions } = best(name);
    if (score > patternScore) {
      pattern = name; patternScore = score; patternOut = out; patternExceptions = exceptions;
    }
  }
  return { labels: patternOut, pattern: patternExceptions ? 'free' : pattern };
}
