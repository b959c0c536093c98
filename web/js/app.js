// The page: the text line and its state, the path every finished character takes, the words
// being read (words mode), and the wiring of the drawing surface, the recogniser and the controls.

import { DrawingSurface } from './drawing.js';
import { Recognizer } from './recognizer.js';
import { decodeWord, DEFAULT_FREE_PENALTY, wordWindowStart } from './decoder.js';
import { bindControls, clampedStrokeWidth } from './controls.js';
import { fillInfo, showAdaptation, toggleInfo } from './info-panel.js';
import {
  INPUT_KIND_NAMES, INPUT_KINDS, MODE_NAMES, MODES, inputKindFromQuery, modeFromQuery, nextMode,
  restrictResult, showInputKind, showMode,
} from './modes.js';
import { lastWord } from './textdecoder.js';
import { LineReader, appendLine, replaceLastWord } from './words.js';
import { restorePicks, storePicks, storedStrokeWidth, storeStrokeWidth } from './storage.js';
import { exposeHook } from './test-hook.js';
import { keepOffline } from './offline.js';
import {
  announce, clearPreview, copyText, describe, drawPreview, findElements, renderAlternatives,
  renderGuesses, renderTextLine, showLoadError, toast,
} from './ui.js';

export class App {
  constructor() {
    this.chars = [];           // the text line, one entry per character
    this.evidence = [];        // per character: {probs, fixed, mode, height} from recognition, null for a space
    this.reread = new Set();   // positions the word decoder just changed (flashed once)
    this.lastResult = null;    // {input, probs, shapeProbs, imageProbs, strokeProbs, height, sizeRatio, top, ms, mode} of the last character
    this.canPick = false;      // the last character came from recognition and can be swapped
    this.errors = [];
    this.queue = Promise.resolve();
    this.state = 'loading';
    this.el = findElements();
    this.inputKind = 'characters'; // 'words' once a words model is loaded (unless ?input=characters)
    this.reading = null;       // words mode: {text, alternatives: [word], ms} of the ink, null without ink
    this.wordChoice = -1;      // the index in reading.alternatives of the last word now shown
    this.penUpAt = null;       // when the pen last lifted (performance.now()), for reading.ms
    this.lineReader = new LineReader((strokes) => this.recognizer.readLine(strokes),
      (reading) => this._showReading(reading), (err) => this._fail(err));

    const params = new URLSearchParams(location.search);
    this.params = params;
    const idle = {};
    if (params.has('idle')) idle.mouse = idle.touch = idle.pen = Number(params.get('idle'));
    this.surface = new DrawingSurface(this.el.pad, {
      idleMs: idle,
      strokeWidth: clampedStrokeWidth(this.el.width, storedStrokeWidth()),
    });
    this.el.width.value = String(this.surface.strokeWidth);
    this.recognizerOptions = {
      // ?model=<folder>: another model folder (its manifest.json names the files)
      modelUrl: params.get('model') || 'model/',
      backends: params.get('backend') ? params.get('backend').split(',') : undefined,
      // ?strokes=off: the image model alone, even when metadata.json lists a stroke model
      strokes: params.get('strokes') !== 'off',
      // ?size=off: no size cue (each drawing read by its shape alone)
      sizeCue: params.get('size') !== 'off',
      // ?adapt=off: picks correct the text but teach the page nothing (adapt.js)
      adaptation: params.get('adapt') !== 'off',
      // ?words=off: characters only, even when metadata.json lists a words model
      words: params.get('words') !== 'off',
    };
    this.recognizer = new Recognizer(this.recognizerOptions);
    // ?decoder=off: every character is its own top guess (no word-level decoding)
    this.decoderOn = params.get('decoder') !== 'off';
    // ?mode=digits|lower|upper|auto: the input mode to start in (default auto)
    this.mode = modeFromQuery(params);
    showMode(this.el, this.mode);

    this._bind();
    this._render();
    this.ready = this._load();
    // resolves when the service worker holds what the page needs offline (false without one)
    this.offline = params.has('nosw') ? Promise.resolve(false) : keepOffline(this.ready);
  }

  // ---- loading ------------------------------------------------------------------------------

  async _load() {
    try {
      await this.recognizer.load((msg) => { this.el.status.textContent = msg; });
      if (this.recognizer.adaptation) restorePicks(this.recognizer.adaptation, this.recognizer.metadata.model_version);
      fillInfo(this.recognizer);
      this._setState('ready');
      // ?input=characters: start in character mode even when words can be read
      this.setInputKind(inputKindFromQuery(this.params, this.recognizer.wordsActive), false);
    } catch (err) {
      const msg = err && err.message ? err.message : String(err);
      this.errors.push(msg);
      showLoadError(this.el.error, msg, () => this.retryLoad());
      this._setState('error');
    }
    return this.state;
  }

  /** Load again after an error, from a fresh manifest and past the HTTP cache (a host that was
   *  mid-publish, or a damaged copy, may be fixed by now). */
  retryLoad() {
    if (this.state !== 'error') return this.ready;
    this.el.error.hidden = true;
    this._setState('loading');
    this.recognizer = new Recognizer({ ...this.recognizerOptions, revalidate: true });
    this.ready = this._load();
    return this.ready;
  }

  _setState(state) {
    this.state = state;
    this.el.html.dataset.state = state;
  }

  _bind() {
    const e = this.el;
    this.surface.addEventListener('character', (ev) => {
      this.queue = this.queue.then(() => this.onCharacter(ev.detail.strokes)).catch((err) => this._fail(err));
    });
    this.surface.addEventListener('strokestart', () => {
      e.html.classList.add('drawing');
      if (this.inputKind === 'words') this.lineReader.penDown();
    });
    this.surface.addEventListener('change', () => {
      e.html.classList.toggle('drawing', !this.surface.isEmpty);
      e.undo.disabled = this.surface.isEmpty;
      // words mode: every pen lift, undo or clear is read again (the whole ink)
      if (this.inputKind === 'words' && this.surface.activePointer === null) {
        this.penUpAt = performance.now();
        this.lineReader.inkChanged(this.surface.strokes.map((s) => s.slice()));
      }
    });
    e.undo.disabled = true;
    bindControls(this);
  }

  // ---- recognition --------------------------------------------------------------------------

  /** The path every finished character takes (pointer input after the idle timer, or replay). */
  async onCharacter(strokes) {
    const state = await this.ready;
    if (state !== 'ready') return null;
    const mode = this.mode; // the mode when the character was finished
    const result = restrictResult(await this.recognizer.recognize(strokes, 3, this._previous()),
      this.recognizer.labels, mode);
    if (result === null) {
      // an empty surface or a single dot: nothing to recognise, no character
      window.dispatchEvent(new CustomEvent('handwriting:result', { detail: null }));
      return null;
    }
    this.lastResult = result;
    this.canPick = true;
    this.chars.push(result.top[0].label);
    this.evidence.push({ probs: result.probs, fixed: null, mode: result.mode, height: result.height,
      shapeProbs: result.shapeProbs, top: result.top[0].label });
    const reread = this._decodeWord();
    this._render();
    drawPreview(this.el.preview, result.input);
    const chosen = this.chars[this.chars.length - 1];
    const p = result.probs[this.recognizer.labels.indexOf(chosen)];
    const rest = result.top.filter((g) => g.label !== chosen);
    this._announce(`${describe(chosen)}, ${Math.round(p * 100)} percent.`
      + (rest.length ? ` Alternatives: ${rest.map((g) => describe(g.label)).join(', ')}.` : '')
      + (reread ? ` The word now reads ${reread}.` : ''));
    window.dispatchEvent(new CustomEvent('handwriting:result', { detail: result }));
    return result;
  }

  /**
   * The text line's characters so far, oldest first, as the size cue reads them: each one's ink
   * height and the label the text now shows (after the word decoder and any pick); spaces and
   * characters without a height are left out.
   */
  _previous() {
    const out = [];
    this.evidence.forEach((e, i) => {
      if (e !== null && e.height > 0) out.push({ height: e.height, label: this.chars[i] });
    });
    return out;
  }

  /** Replay strokes through the same path as pointer input after pen-up (test-hook.js). */
  async replay(strokes, pointerType = 'mouse') {
    this.surface.load(strokes, pointerType);
    const before = this.queue;
    this.surface.flush();
    if (this.queue === before) return null; // nothing was emitted (no strokes)
    return this.queue;
  }

  _fail(err) {
    console.error(err);
    this.errors.push(String(err && err.message ? err.message : err));
  }

  // ---- words --------------------------------------------------------------------------------

  /** Write words ('words': the ink is read as a line as it grows) or one character at a time
   *  ('characters'). Leaving words mode adds what is being read to the text. */
  setInputKind(kind, speak = true) {
    if (!INPUT_KINDS.includes(kind)) throw new Error(`unknown input kind ${kind}: expected one of ${INPUT_KINDS.join(', ')}`);
    if (kind === 'words' && !this.recognizer.wordsActive) throw new Error('no words model is loaded');
    if (kind !== this.inputKind) {
      if (this.inputKind === 'words') this._addReading(); // what is shown now
      else if (!this.surface.isEmpty) this.surface.flush(); // the character being written
      this.inputKind = kind;
      this.surface.pauseFinishes = kind === 'characters';
      this.canPick = false;
      if (speak) this._announce(`Write ${INPUT_KIND_NAMES[kind]}.`);
    }
    showInputKind(this.el, kind, this.recognizer.wordsActive, this.mode);
    this._render();
  }

  _showReading(reading) {
    this.reading = reading && {
      text: reading.text,
      alternatives: reading.alternatives.map((a) => a.word),
      ms: null,
    };
    this.wordChoice = reading ? this.reading.alternatives.indexOf(lastWord(reading.text)) : -1;
    this._render();
    if (reading) this.reading.ms = performance.now() - this.penUpAt; // pen lift to the page showing it
    if (reading && reading.text) this._announce(`Reads: ${reading.text}.`);
    window.dispatchEvent(new CustomEvent('handwriting:reading', { detail: this.reading }));
  }

  /** Put reading i of the last word in place of the last word read (a click, or the keys 1-9). */
  pickWord(i) {
    if (!this.reading || i < 0 || i >= this.reading.alternatives.length) return false;
    const word = this.reading.alternatives[i];
    this.reading.text = replaceLastWord(this.reading.text, word);
    this.wordChoice = i;
    this._render();
    this._announce(`Replaced with ${word}. Reads: ${this.reading.text}.`);
    return true;
  }

  /** Add the words read to the text (a space before them unless the text ends in one) and clear
   *  the ink, once the reading of the latest ink is shown. Resolves to the text added ('' when
   *  nothing was read). */
  async commitLine() {
    await this.lineReader.settled();
    return this._addReading();
  }

  _addReading() {
    const line = this.reading ? this.reading.text : '';
    if (line) {
      const before = this.chars.join('');
      for (const ch of appendLine(before, line).slice(before.length)) {
        this.chars.push(ch);
        this.evidence.push(null); // not re-read by the character decoder
      }
      this.canPick = false;
    }
    this.surface.clear(); // and the line reader forgets the reading
    this._render();
    if (line) this._announce(`Added ${line}.`);
    return line;
  }

  /** The W key: the other input kind, when words can be read. */
  toggleInputKind() {
    if (!this.recognizer.wordsActive) return false;
    this.setInputKind(this.inputKind === 'words' ? 'characters' : 'words');
    return true;
  }

  // ---- input mode ---------------------------------------------------------------------------

  /** Switch the input mode; characters recognised from now on are restricted to it. */
  setMode(mode) {
    if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}: expected one of ${MODES.join(', ')}`);
    if (mode === this.mode) return;
    this.mode = mode;
    showMode(this.el, mode);
    this._announce(`Input mode: ${MODE_NAMES[mode]}.`);
  }

  /** The next (step 1) or previous (step -1) mode, wrapping around. */
  cycleMode(step = 1) {
    this.setMode(nextMode(this.mode, step));
  }

  // ---- text editing -------------------------------------------------------------------------

  /** Index in the last recognition's top guesses of the character now in the text (-1: none). */
  get lastChosen() {
    if (!this.lastResult || !this.chars.length) return -1;
    return this.lastResult.top.findIndex((g) => g.label === this.chars[this.chars.length - 1]);
  }

  /**
   * Re-decode the word being written (the characters since the last space, at most the last
   * WORD_WINDOW: wordWindowStart) as a whole: one case or digits for the word unless the ink
   * insists (decoder.js). Earlier letters of the word may
   * change as later ones arrive; characters picked by hand stay as picked. Returns the word when
   * an earlier character changed (for the screen-reader announcement), else null.
   */
  _decodeWord() {
    if (!this.decoderOn || !this.recognizer.labels) return null;
    const start = wordWindowStart(this.evidence);
    const word = this.evidence.slice(start);
    if (!word.length) return null;
    const meta = (this.recognizer.metadata && this.recognizer.metadata.line_decoder) || {};
    const penalty = typeof meta.free_penalty === 'number' ? meta.free_penalty : DEFAULT_FREE_PENALTY;
    const { labels } = decodeWord(word.map((e) => (e.fixed === null ? e.probs : null)),
      this.recognizer.labels, word.map((e) => e.fixed), penalty);
    let changed = false;
    labels.forEach((label, i) => {
      if (start + i < this.chars.length - 1 && this.chars[start + i] !== label) {
        changed = true;
        this.reread.add(start + i);
      }
      this.chars[start + i] = label;
    });
    return changed ? this.chars.slice(start).join('') : null;
  }

  /** Replace the last character with guess i of the last recognition (and keep it so). */
  pick(i) {
    if (this.inputKind === 'words') return this.pickWord(i);
    if (!this.canPick || !this.lastResult || i < 0 || i >= this.lastResult.top.length) return false;
    const label = this.lastResult.top[i].label;
    this.chars[this.chars.length - 1] = label;
    const ev = this.evidence[this.evidence.length - 1];
    ev.fixed = label;
    this._learn(ev, label);
    this._decodeWord();
    this._render();
    this._announce(`Replaced with ${describe(label)}.`);
    return true;
  }

  /**
   * Tell the recognizer's adaptation (adapt.js) what the user picked for a character: another
   * label than the page's first reading of it is a correction to remember; picking that reading
   * back withdraws it.
   */
  _learn(ev, label) {
    const memory = this.recognizer.adaptation;
    if (!memory) return;
    if (label === ev.top) memory.forget(ev);
    else memory.remember(ev, ev.shapeProbs, this.recognizer.labels.indexOf(label));
    this._picksChanged();
  }

  /** Forget what the page learnt from the user's picks (here and in storage). */
  forgetPicks() {
    const memory = this.recognizer.adaptation;
    if (!memory) return;
    memory.clear();
    this._picksChanged();
    this._announce('Forgot what the page learnt from your picks.');
  }

  _picksChanged() {
    storePicks(this.recognizer.adaptation, this.recognizer.metadata.model_version);
    showAdaptation(this.recognizer);
  }

  backspace() {
    if (this.chars.length === 0) return;
    this.chars.pop();
    this.evidence.pop();
    this._decodeWord();
    this.canPick = false;
    this._render();
    this._announce('Deleted.');
  }

  space() {
    this.chars.push(' ');
    this.evidence.push(null);
    this.canPick = false;
    this._render();
    this._announce('Space.');
  }

  undoStroke() {
    this.surface.undo();
  }

  clearAll() {
    this.surface.clear();
    this.chars = [];
    this.evidence = [];
    this.lastResult = null;
    this.canPick = false;
    clearPreview(this.el.preview);
    this._render();
    this._announce('Cleared.');
  }

  setStrokeWidth(px) {
    this.surface.setStrokeWidth(clampedStrokeWidth(this.el.width, px));
    this.el.width.value = String(this.surface.strokeWidth);
    storeStrokeWidth(this.surface.strokeWidth);
  }

  toggleInfo(show) {
    toggleInfo(this.el.info, this.el.infoBtn, show);
  }

  get text() { return this.chars.join(''); }

  async copy() {
    const ok = await copyText(this.text);
    toast(this.el.toast, ok ? 'Copied' : 'Copy failed');
    this._announce(ok ? 'Text copied.' : 'Copy failed.');
    return ok;
  }

  _announce(msg) {
    announce(this.el.announce, msg);
  }

  _render() {
    const words = this.inputKind === 'words';
    renderTextLine(this.el, this.chars, this.reread, this.canPick, words && this.reading ? this.reading.text : '');
    this.reread.clear();
    this.el.commit.disabled = !(words && this.reading && this.reading.text);
    if (words) {
      renderAlternatives(this.el.guesses, this.reading ? this.reading.alternatives : [], this.wordChoice,
        (i) => this.pickWord(i));
      return;
    }
    renderGuesses(this.el.guesses, this.canPick && this.lastResult ? this.lastResult.top : null,
      this.lastChosen, (i) => this.pick(i));
  }
}

const app = new App();
exposeHook(app);
