// The input modes: what a newly recognised character may be (Auto, 123, abc, ABC). The
// restriction itself is decoder.js's `restrict`, shared with the Python twin.

import { MODES, restrict } from './decoder.js';
import { topGuesses } from './recognizer.js';

export { MODES };

/** Spoken when the mode changes. */
export const MODE_NAMES = {
  auto: 'automatic: letters and digits',
  digits: 'digits only',
  lower: 'lowercase letters only',
  upper: 'capital letters only',
};

/** The drawing area's hint in each mode. */
const MODE_HINTS = {
  auto: 'Write a character here',
  digits: 'Write a digit here',
  lower: 'Write a lowercase letter here',
  upper: 'Write a capital letter here',
};

/** The mode to start in: ?mode=digits|lower|upper|auto, else auto (an unknown value is ignored). */
export function modeFromQuery(params) {
  if (!params.has('mode')) return 'auto';
  const mode = params.get('mode');
  if (MODES.includes(mode)) return mode;
  console.warn(`unknown ?mode=${mode}: expected one of ${MODES.join(', ')}`);
  return 'auto';
}

/** The next (step 1) or previous (step -1) mode in MODES, wrapping around. */
export function nextMode(mode, step = 1) {
  const i = MODES.indexOf(mode);
  return MODES[(i + step + MODES.length) % MODES.length];
}

/**
 * A recognition result restricted to an input mode: `probs` masked to the mode's group and
 * renormalised, `top` re-ranked from them; the models' own `imageProbs` and `strokeProbs` are
 * kept. Auto leaves the result as it is. Adds `mode`; null stays null.
 */
export function restrictResult(result, labels, mode) {
  if (result === null) return null;
  if (mode === 'auto') return { ...result, mode };
  const probs = restrict(result.probs, labels, mode);
  return { ...result, probs, top: topGuesses(probs, labels, result.top.length), mode };
}

/** Show `mode` on the page: the checked switch, the root's data-mode and, in character mode, the
 *  drawing hint. */
export function showMode(el, mode) {
  for (const input of el.modes) input.checked = input.value === mode;
  el.html.dataset.mode = mode;
  if (el.hint && el.html.dataset.input !== 'words') el.hint.textContent = MODE_HINTS[mode];
}

// ---- what is written: words (read as a whole line) or one character at a time --------------

export const INPUT_KINDS = ['words', 'characters'];

/** Spoken when the input kind changes. */
export const INPUT_KIND_NAMES = {
  words: 'words: write without pausing, the line is read as you write',
  characters: 'one character at a time',
};

/** The input kind to start in: ?input=words|characters when the page can read it, else words
 *  when a words model is loaded, else characters. */
export function inputKindFromQuery(params, wordsAvailable) {
  const asked = params.get('input');
  if (asked === 'characters' || !wordsAvailable) return 'characters';
  if (asked !== null && asked !== 'words') console.warn(`unknown ?input=${asked}: expected one of ${INPUT_KINDS.join(', ')}`);
  return 'words';
}

/** Show input kind `kind` on the page: the Words toggle (only when words can be read), the
 *  character modes and the Add button (each only where it applies), the drawing area's hint and
 *  name. */
export function showInputKind(el, kind, wordsAvailable, mode) {
  el.words.hidden = !wordsAvailable;
  el.words.setAttribute('aria-pressed', String(kind === 'words'));
  el.html.dataset.input = kind;
  el.modesGroup.hidden = kind === 'words';
  el.commit.hidden = kind !== 'words';
  if (kind === 'words') {
    if (el.hint) el.hint.textContent = 'Write words here';
    el.pad.setAttribute('aria-label', 'Drawing area: write words; the line is read as you write');
    el.guesses.setAttribute('aria-label', 'Readings of the last word (choose one to replace it)');
  } else {
    showMode(el, mode);
    el.pad.setAttribute('aria-label', 'Drawing area: write one character at a time');
    el.guesses.setAttribute('aria-label', 'Top guesses for the last character (choose one to replace it)');
  }
}
