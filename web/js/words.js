// Words mode: the ink of a word or a line is read as a whole after each pen lift, and the reading
// is added to the text when the line is done. This module holds the timing of the readings and
// the text edits; app.js wires it to the drawing surface and the recogniser.

/** How long after a pen lift the ink is read (ms): the next turn of the event loop, so that pen
 *  lifts dispatched together are read once, and a pen going down first cancels the read. */
export const READ_DELAY_MS = 0;

/** `text` with its last word (the characters after the last space, trailing spaces kept) replaced
 *  by `word`. */
export function replaceLastWord(text, word) {
  return text.replace(/[^ ]*( *)$/, (_, tail) => word + tail);
}

/** The text after adding `line` to `text`: a space between them unless `text` is empty or ends in
 *  one. */
export function appendLine(text, line) {
  if (!line) return text;
  return text === '' || text.endsWith(' ') ? text + line : `${text} ${line}`;
}

/**
 * Reads the ink whenever it changes, one reading at a time: a change while a reading runs is read
 * again when it ends (the latest ink), and a reading of ink that was cleared since it began is
 * dropped.
 */
export class LineReader {
  /**
   * @param {(strokes: Array) => Promise<object>} read  the ink -> its reading
   * @param {(reading: object|null, strokes: Array) => void} show  a new reading (null: no ink)
   * @param {(err: Error) => void} [onError]
   */
  constructor(read, show, onError = (err) => console.error(err)) {
    this.read = read;
    this.show = show;
    this.onError = onError;
    this.strokes = [];
    this.timer = null;
    this.running = false;
    this.again = false;
    this.generation = 0; // +1 at each reset: a reading begun before it is not shown
    this.waiting = [];
  }

  /** Whether no reading is due or running. */
  get idle() { return this.timer === null && !this.running && !this.again; }

  /** The ink changed (a pen lift, an undo): read it soon; no ink resets. */
  inkChanged(strokes) {
    if (!strokes.length) {
      this.reset();
      return;
    }
    this.strokes = strokes;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this._run(); }, READ_DELAY_MS);
  }

  /** The pen went down: a reading not yet begun waits for the next lift. */
  penDown() {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this._settle(); // nothing is due until the pen lifts
  }

  /** Forget the ink and its reading (cleared or committed). */
  reset() {
    clearTimeout(this.timer);
    this.timer = null;
    this.again = false;
    this.strokes = [];
    this.generation++;
    this.show(null, []);
    this._settle();
  }

  /** Resolves when every due reading has been shown. */
  settled() {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async _run() {
    const generation = this.generation;
    const strokes = this.strokes;
    this.running = true;
    try {
      const reading = await this.read(strokes);
      if (generation === this.generation) this.show(reading, strokes);
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.inkChanged(this.strokes);
    } else {
      this._settle();
    }
  }

  _settle() {
    if (!this.idle) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
