// The page's lexicon: lowercase words with quantised log-probabilities, read from the compact
// text file into a trie that the text decoder walks while a word is being written. The
// specification (the file format included) is src/handwriting/page/lexicon.py; this is the same
// reader for the page, and tests/web/test_textdecoder_parity.py checks that both decode alike.

export const FORMAT = 'lexicon 1';
export const RADIX = 128; // a child's key: parent * RADIX + character code
export const ROOT = 0;
const MAX_COST = 126 - 33;
const WORD = /^[a-z]+(?:'[a-z]+)*$/;
const HEADER = /^lexicon 1 step=(\S+) words=(\d+) \| (.*)$/;

/** Typed arrays that grow by doubling (one allocation per doubling, not per node). */
function grow(array, size) {
  if (size <= array.length) return array;
  const bigger = new array.constructor(Math.max(size, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * A parsed lexicon file, as handwriting.page.lexicon.Lexicon: `size` words, `step`,
 * `attribution`, and the trie: `child` (Map parent * RADIX + code -> node), `wordLogp` and
 * `bestLogp` per node (-Infinity where none), the root being node ROOT.
 */
export class Lexicon {
  constructor(text) {
    for (const _ of this._build(text)); // eslint-disable-line no-empty
  }

  /** Build from the file's text, pausing (a yield) after every `every` words. */
  * _build(text, every = Infinity) {
    const lines = text.split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    const header = HEADER.exec(lines.length ? lines[0] : '');
    if (!header) {
      throw new Error(`not a lexicon file: the first line must be '${FORMAT} step=... words=... | source'`);
    }
    this.step = Number(header[1]);
    this.size = Number(header[2]);
    this.attribution = header[3];
    if (!(Number.isFinite(this.step) && this.step > 0)) {
      throw new Error(`lexicon header: step ${header[1]} is not a positive number`);
    }
    if (lines.length - 1 !== this.size) {
      throw new Error(`lexicon header promises ${this.size} words, the file has ${lines.length - 1}`);
    }
    this.child = new Map();
    let parent = new Int32Array(1024).fill(-1);
    let wordLogp = new Float64Array(1024).fill(-Infinity);
    let count = 1;
    const path = [ROOT]; // path[i]: the node of the previous word's first i characters
    let previous = '';
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n];
      const cost = line.length >= 3 ? line.charCodeAt(0) - 33 : -1;
      const shared = line.length >= 3 ? line.charCodeAt(1) - 48 : -1;
      if (!(cost >= 0 && cost <= MAX_COST && shared >= 0 && shared <= previous.length)) {
        throw new Error(`lexicon line ${n + 1}: malformed entry ${JSON.stringify(line)}`);
      }
      const word = previous.slice(0, shared) + line.slice(2);
      // sorted, and `shared` the whole common prefix: then every node after it is new
      if (!(WORD.test(word) && word > previous
            && (shared === previous.length || word[shared] !== previous[shared]))) {
        throw new Error(`lexicon line ${n + 1}: ${JSON.stringify(word)} is not a lexicon word `
          + `in order after ${JSON.stringify(previous)}`);
      }
      path.length = shared + 1;
      let node = path[shared];
      for (let k = shared; k < word.length; k++) {
        const fresh = count++;
        parent = grow(parent, count);
        if (wordLogp.length < count) {
          wordLogp = grow(wordLogp, count);
          wordLogp.fill(-Infinity, fresh);
        }
        this.child.set(node * RADIX + word.charCodeAt(k), fresh);
        parent[fresh] = node;
        path.push(fresh);
        node = fresh;
      }
      wordLogp[node] = -cost * this.step;
      previous = word;
      if (n % every === 0) yield n;
    }
    this.wordLogp = wordLogp.slice(0, count);
    this.bestLogp = this.wordLogp.slice();
    // children come after their parent (words in order), so one backward pass gives the best
    for (let node = count - 1; node > 0; node--) {
      const up = parent[node];
      if (this.bestLogp[node] > this.bestLogp[up]) this.bestLogp[up] = this.bestLogp[node];
    }
  }

  /** The trie node that spells `word` (lowercase), or -1. */
  node(word) {
    let node = ROOT;
    for (let k = 0; k < word.length; k++) {
      node = this.child.get(node * RADIX + word.charCodeAt(k)) ?? -1;
      if (node < 0) return -1;
    }
    return node;
  }

  /** `word`'s log-probability (lowercase, as stored), -Infinity when not in the lexicon. */
  logp(word) {
    const node = this.node(word);
    return node >= 0 ? this.wordLogp[node] : -Infinity;
  }

  has(word) {
    return this.logp(word) > -Infinity;
  }
}

/** A lexicon file's text read into a Lexicon; throws on anything malformed. */
export function parseLexicon(text) {
  return new Lexicon(text);
}

/** parseLexicon in steps of `every` words, awaiting `pause()` between them (the page: each step
 *  a short task in idle time, not one long one). */
export async function parseLexiconInSteps(text, pause, every = 1000) {
  const lexicon = Object.create(Lexicon.prototype);
  for (const _ of lexicon._build(text, every)) await pause(); // eslint-disable-line no-unused-vars
  return lexicon;
}
