// The page: wires the drawing surface, the recogniser and the controls together.

import { DrawingSurface } from './drawing.js';
import { Recognizer, topGuesses } from './recognizer.js';
import { decodeWord, restrict, DEFAULT_FREE_PENALTY, MODES } from './decoder.js';

const $ = (id) => document.getElementById(id);
const PICKS_KEY = 'hw.picks'; // localStorage: {model, picks} (adapt.js dump)

function pct(x, digits = 1) {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
}

function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

// The input modes (decoder.js restrict): what a newly recognised character may be.
const MODE_NAMES = {
  auto: 'automatic: letters and digits',
  digits: 'digits only',
  lower: 'lowercase letters only',
  upper: 'capital letters only',
};
const MODE_HINTS = {
  auto: 'Write a character here',
  digits: 'Write a digit here',
  lower: 'Write a lowercase letter here',
  upper: 'Write a capital letter here',
};

function describe(label) {
  if (label === ' ') return 'space';
  if (/[A-Z]/.test(label)) return `capital ${label}`;
  if (/[a-z]/.test(label)) return `small ${label}`;
  return label;
}

export class App {
  constructor(root = document) {
    this.root = root;
    this.chars = [];           // the text line, one entry per character
    this.evidence = [];        // per character: {probs, fixed, mode, height} from recognition, null for a space
    this.reread = new Set();   // positions the word decoder just changed (flashed once)
    this.lastResult = null;    // {input, probs, shapeProbs, imageProbs, strokeProbs, height, sizeRatio, top, ms, mode} of the last character
    this.canPick = false;      // the last character came from recognition and can be swapped
    this.errors = [];
    this.queue = Promise.resolve();
    this.state = 'loading';

    this.el = {
      html: document.documentElement,
      pad: $('pad'),
      text: $('text'),
      textContent: $('text-content'),
      preview: $('preview'),
      guesses: $('guesses'),
      status: $('status-text'),
      error: $('error'),
      announce: $('announce'),
      toast: $('toast'),
      info: $('info'),
      width: $('stroke-width'),
      undo: $('btn-undo'),
      backspace: $('btn-backspace'),
      space: $('btn-space'),
      copy: $('btn-copy'),
      clear: $('btn-clear'),
      infoBtn: $('btn-info'),
      modes: Array.from(document.querySelectorAll('#modes input[name="mode"]')),
      hint: document.querySelector('#hint .hint-text'),
    };

    const params = new URLSearchParams(location.search);
    const idle = {};
    if (params.has('idle')) idle.mouse = idle.touch = idle.pen = Number(params.get('idle'));
    this.surface = new DrawingSurface(this.el.pad, {
      idleMs: idle,
      strokeWidth: Number(localStorage.getItem('hw.strokeWidth')) || Number(this.el.width.value),
    });
    this.el.width.value = String(this.surface.strokeWidth);
    this.recognizer = new Recognizer({
      modelUrl: params.get('model') || 'model/model.json',
      metadataUrl: params.get('metadata') || 'model/metadata.json',
      backends: params.get('backend') ? params.get('backend').split(',') : undefined,
      // ?strokes=off: the image model alone, even when metadata.json lists a stroke model
      strokes: params.get('strokes') !== 'off',
      // ?size=off: no size cue (each drawing read by its shape alone)
      sizeCue: params.get('size') !== 'off',
      // ?adapt=off: picks correct the text but teach the page nothing (adapt.js)
      adaptation: params.get('adapt') !== 'off',
    });
    // ?decoder=off: every character is its own top guess (no word-level decoding)
    this.decoderOn = params.get('decoder') !== 'off';
    // ?mode=digits|lower|upper|auto: the input mode to start in (default auto)
    this.mode = 'auto';
    if (params.has('mode')) {
      if (MODES.includes(params.get('mode'))) this.mode = params.get('mode');
      else console.warn(`unknown ?mode=${params.get('mode')}: expected one of ${MODES.join(', ')}`);
    }
    this._showMode();

    this._bind();
    this._render();
    this.ready = this._load();
    if (!params.has('nosw')) this._registerServiceWorker();
  }

  // ---- loading ------------------------------------------------------------------------------

  async _load() {
    try {
      await this.recognizer.load((msg) => { this.el.status.textContent = msg; });
      this._restorePicks();
      this._fillInfo();
      this._setState('ready');
    } catch (err) {
      this._showError(err);
      this._setState('error');
    }
    return this.state;
  }

  _setState(state) {
    this.state = state;
    this.el.html.dataset.state = state;
  }

  _showError(err) {
    const msg = err && err.message ? err.message : String(err);
    this.errors.push(msg);
    const box = this.el.error;
    box.replaceChildren();
    const title = document.createElement('strong');
    title.textContent = 'The recogniser could not be loaded.';
    const detail = document.createElement('div');
    const code = document.createElement('code');
    code.textContent = msg;
    detail.append(code);
    const help = document.createElement('p');
    help.textContent = 'The model is written to web/model/ by the Kedro deployment pipeline '
      + '(kedro run). Check that model.json, metadata.json and the weight files are served next '
      + 'to this page, then reload.';
    box.append(title, detail, help);
    box.hidden = false;
  }

  _fillInfo() {
    const r = this.recognizer;
    const m = r.metadata || {};
    const metrics = m.metrics || {};
    const set = (id, v) => { $(id).textContent = v; };
    set('info-accuracy', pct(metrics.accuracy));
    set('info-top3', pct(metrics.top3_accuracy));
    set('info-casefold', pct(metrics.case_folded_accuracy));
    set('info-data', [metrics.data, metrics.n_test ? `n = ${metrics.n_test}` : null].filter(Boolean).join(', ') || '–');
    // accuracy on UNIPEN pen trajectories of writers never trained on: closest to what a user feels
    const pen = metrics.pen;
    const seq = pen && pen.in_sequence && this.recognizer.sizeCue
      ? `; in a row, with the size cue, ${pct(pen.in_sequence.accuracy)}` : '';
    set('info-pen', pen ? `${pct(pen.accuracy)} (case-folded ${pct(pen.case_folded_accuracy)}, n = ${pen.n})${seq}` : '–');
    const size = typeof m.weights_bytes === 'number' ? m.weights_bytes : r.modelBytes;
    set('info-size', `${bytes(size)}${m.quantization ? ` (${m.quantization})` : ' (float32)'}`);
    set('info-version', m.model_version ? String(m.model_version).slice(0, 12) : '–');
    // the day (UTC) in the panel, the whole timestamp on hover
    set('info-created', m.created ? String(m.created).slice(0, 10) : '–');
    $('info-created').title = m.created ? String(m.created) : '';
    set('info-backend', r.backend || '–');
    set('info-time', r.warmMs != null ? `${r.warmMs.toFixed(1)} ms` : '–');
    set('info-strokes', this._describeStrokeModel());
    set('info-sizecue', this._describeSizeCue());
    this._showAdaptation();
  }

  _describeStrokeModel() {
    const r = this.recognizer;
    const cfg = r.metadata && r.metadata.stroke_model;
    if (r.strokeActive) {
      const size = cfg && typeof cfg.weights_bytes === 'number' ? cfg.weights_bytes : r.strokeModelBytes;
      return `on (pen path, ${r.strokePoints} points, weight ${r.strokeWeight}, ${bytes(size)})`;
    }
    if (cfg && !r.strokesEnabled) return 'off (?strokes=off): image model only';
    return 'none: image model only';
  }

  _describeSizeCue() {
    const r = this.recognizer;
    if (r.sizeCue) return `on, after ${r.sizeCue.least} characters in a line`;
    if (r.metadata && r.metadata.size_cue && !r.sizeCueEnabled) return 'off (?size=off)';
    return 'none';
  }

  _describeAdaptation() {
    const r = this.recognizer;
    if (r.adaptation) {
      const n = r.adaptation.size;
      return `on, ${n} pick${n === 1 ? '' : 's'}`;
    }
    if (r.metadata && r.metadata.adaptation && !r.adaptationEnabled) return 'off (?adapt=off)';
    return 'none';
  }

  _registerServiceWorker() {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.register('sw.js').catch((err) => {
      console.warn('service worker not registered:', err);
    });
  }

  // ---- events -------------------------------------------------------------------------------

  _bind() {
    const e = this.el;
    this.surface.addEventListener('character', (ev) => {
      this.queue = this.queue.then(() => this.onCharacter(ev.detail.strokes)).catch((err) => {
        console.error(err);
        this.errors.push(String(err && err.message ? err.message : err));
      });
    });
    this.surface.addEventListener('strokestart', () => e.html.classList.add('drawing'));
    this.surface.addEventListener('change', () => {
      e.html.classList.toggle('drawing', !this.surface.isEmpty);
      e.undo.disabled = this.surface.isEmpty;
    });
    e.undo.disabled = true;

    e.undo.addEventListener('click', () => this.undoStroke());
    e.backspace.addEventListener('click', () => this.backspace());
    e.space.addEventListener('click', () => this.space());
    e.copy.addEventListener('click', () => this.copy());
    e.clear.addEventListener('click', () => this.clearAll());
    e.infoBtn.addEventListener('click', () => this.toggleInfo());
    $('btn-forget-picks').addEventListener('click', () => this.forgetPicks());
    e.width.addEventListener('input', () => this.setStrokeWidth(e.width.value));
    for (const input of e.modes) input.addEventListener('change', () => { if (input.checked) this.setMode(input.value); });

    document.addEventListener('keydown', (ev) => this._onKey(ev));
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.surface.redraw());
  }

  _onKey(ev) {
    if (ev.altKey) return;
    const mod = ev.ctrlKey || ev.metaKey;
    // Space on a focused button or mode switch activates it, not the text line's space
    const onButton = ev.target instanceof HTMLButtonElement || this.el.modes.includes(ev.target);
    const onRange = ev.target === this.el.width;
    const k = ev.key;
    let handled = true;
    if (mod && (k === 'z' || k === 'Z')) this.undoStroke();
    else if (mod && (k === 'c' || k === 'C')) {
      if (String(window.getSelection() || '') !== '') return; // normal copy of a selection
      this.copy();
    } else if (mod) handled = false;
    else if (k === 'u' || k === 'U') this.undoStroke();
    else if (k === 'Backspace') this.backspace();
    else if (k === ' ' && !onButton) this.space();
    else if (k === 'Delete') this.clearAll();
    else if (k === 'Escape') { this.surface.clear(); this.toggleInfo(false); }
    else if (k === 'c' || k === 'C') this.copy();
    else if (k === 'i' || k === 'I') this.toggleInfo();
    else if (k === 'm' || k === 'M') this.cycleMode(ev.shiftKey ? -1 : 1);
    else if (k === '[' && !onRange) this.setStrokeWidth(this.surface.strokeWidth - 2);
    else if (k === ']' && !onRange) this.setStrokeWidth(this.surface.strokeWidth + 2);
    else if (k >= '1' && k <= '9') handled = this.pick(Number(k) - 1);
    else handled = false;
    if (handled) ev.preventDefault();
  }

  // ---- recognition --------------------------------------------------------------------------

  /** The path every finished character takes (pointer input after the idle timer, or replay). */
  async onCharacter(strokes) {
    const state = await this.ready;
    if (state !== 'ready') return null;
    const mode = this.mode; // the mode when the character was finished
    const result = this._restrict(await this.recognizer.recognize(strokes, 3, this._previous()), mode);
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
    this._drawPreview(result.input);
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

  /**
   * A recognition result restricted to an input mode (decoder.js restrict): `probs` masked to the
   * mode's group and renormalised, `top` re-ranked from them; the models' own `imageProbs` and
   * `strokeProbs` are kept. Auto leaves the result as it is. Adds `mode`.
   */
  _restrict(result, mode) {
    if (result === null) return null;
    if (mode === 'auto') return { ...result, mode };
    const probs = restrict(result.probs, this.recognizer.labels, mode);
    return { ...result, probs, top: topGuesses(probs, this.recognizer.labels, result.top.length), mode };
  }

  // ---- input mode ---------------------------------------------------------------------------

  /** Switch the input mode; characters recognised from now on are restricted to it. */
  setMode(mode) {
    if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}: expected one of ${MODES.join(', ')}`);
    if (mode === this.mode) return;
    this.mode = mode;
    this._showMode();
    this._announce(`Input mode: ${MODE_NAMES[mode]}.`);
  }

  /** The next (step 1) or previous (step -1) mode in MODES, wrapping around. */
  cycleMode(step = 1) {
    const i = MODES.indexOf(this.mode);
    this.setMode(MODES[(i + step + MODES.length) % MODES.length]);
  }

  _showMode() {
    for (const input of this.el.modes) input.checked = input.value === this.mode;
    this.el.html.dataset.mode = this.mode;
    if (this.el.hint) this.el.hint.textContent = MODE_HINTS[this.mode];
  }

  _drawPreview(input) {
    const c = this.el.preview;
    const size = Math.round(Math.sqrt(input.length));
    if (c.width !== size) { c.width = size; c.height = size; }
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(size, size);
    for (let i = 0; i < input.length; i++) {
      const v = Math.round(Math.max(0, Math.min(1, input[i])) * 255);
      img.data[4 * i] = v;
      img.data[4 * i + 1] = v;
      img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  _clearPreview() {
    const ctx = this.el.preview.getContext('2d');
    ctx.clearRect(0, 0, this.el.preview.width, this.el.preview.height);
  }

  // ---- text editing -------------------------------------------------------------------------

  /** Index in the last recognition's top guesses of the character now in the text (-1: none). */
  get lastChosen() {
    if (!this.lastResult || !this.chars.length) return -1;
    return this.lastResult.top.findIndex((g) => g.label === this.chars[this.chars.length - 1]);
  }

  /**
   * Re-decode the word being written (the characters since the last space) as a whole: one case
   * or digits for the word unless the ink insists (decoder.js). Earlier letters of the word may
   * change as later ones arrive; characters picked by hand stay as picked. Returns the word when
   * an earlier character changed (for the screen-reader announcement), else null.
   */
  _decodeWord() {
    if (!this.decoderOn || !this.recognizer.labels) return null;
    let start = this.chars.length;
    while (start > 0 && this.evidence[start - 1] !== null) start--;
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
    this._savePicks();
    this._showAdaptation();
  }

  /**
   * The picks learnt in earlier visits (localStorage, this browser only), for the same model:
   * another model sees drawings differently, so its picks are dropped.
   */
  _restorePicks() {
    const memory = this.recognizer.adaptation;
    if (!memory) return;
    try {
      const saved = JSON.parse(localStorage.getItem(PICKS_KEY) || 'null');
      if (saved && saved.model === this.recognizer.metadata.model_version) memory.restore(saved.picks);
      else if (saved) localStorage.removeItem(PICKS_KEY);
    } catch (err) {
      console.warn('stored picks not read:', err);
    }
  }

  _savePicks() {
    const memory = this.recognizer.adaptation;
    if (!memory) return;
    try {
      if (memory.size === 0) localStorage.removeItem(PICKS_KEY);
      else {
        localStorage.setItem(PICKS_KEY, JSON.stringify({
          model: this.recognizer.metadata.model_version, picks: memory.dump() }));
      }
    } catch (err) {
      console.warn('picks not stored:', err); // private mode, or storage full
    }
  }

  /** Forget what the page learnt from the user's picks (here and in storage). */
  forgetPicks() {
    const memory = this.recognizer.adaptation;
    if (!memory) return;
    memory.clear();
    this._savePicks();
    this._showAdaptation();
    this._announce('Forgot what the page learnt from your picks.');
  }

  _showAdaptation() {
    $('info-adapt-text').textContent = this._describeAdaptation();
    $('btn-forget-picks').hidden = !(this.recognizer.adaptation && this.recognizer.adaptation.size);
  }

  _endPick() {
    this.canPick = false;
  }

  backspace() {
    if (this.chars.length === 0) return;
    this.chars.pop();
    this.evidence.pop();
    this._decodeWord();
    this._endPick();
    this._render();
    this._announce('Deleted.');
  }

  space() {
    this.chars.push(' ');
    this.evidence.push(null);
    this._endPick();
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
    this._endPick();
    this._clearPreview();
    this._render();
    this._announce('Cleared.');
  }

  setStrokeWidth(px) {
    this.surface.setStrokeWidth(px);
    this.el.width.value = String(this.surface.strokeWidth);
    try { localStorage.setItem('hw.strokeWidth', String(this.surface.strokeWidth)); } catch { /* private mode */ }
  }

  toggleInfo(show) {
    const info = this.el.info;
    const open = show === undefined ? info.hidden : show;
    info.hidden = !open;
    this.el.infoBtn.setAttribute('aria-expanded', String(open));
  }

  get text() { return this.chars.join(''); }

  async copy() {
    const text = this.text;
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      const ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'sr-only';
      document.body.append(ta);
      ta.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      ta.remove();
    }
    this._toast(ok ? 'Copied' : 'Copy failed');
    this._announce(ok ? 'Text copied.' : 'Copy failed.');
    return ok;
  }

  _toast(msg) {
    const t = this.el.toast;
    t.textContent = msg;
    t.classList.add('show');
    clearTimeout(this._toastTimer);
    this._toastTimer = setTimeout(() => t.classList.remove('show'), 1400);
  }

  _announce(msg) {
    // Re-set the text so that repeated identical messages are still announced.
    const a = this.el.announce;
    a.textContent = '';
    requestAnimationFrame(() => { a.textContent = msg; });
  }

  _render() {
    const e = this.el;
    // the text before the last character; letters the word decoder just changed flash once
    const bodyLength = this.canPick ? this.chars.length - 1 : this.chars.length;
    const nodes = [];
    let run = '';
    for (let i = 0; i < bodyLength; i++) {
      if (!this.reread.has(i)) { run += this.chars[i]; continue; }
      if (run) nodes.push(document.createTextNode(run));
      run = '';
      const span = document.createElement('span');
      span.className = 'reread';
      span.textContent = this.chars[i];
      nodes.push(span);
    }
    if (run) nodes.push(document.createTextNode(run));
    this.reread.clear();
    e.textContent.replaceChildren(...nodes);
    if (this.canPick && this.chars.length) {
      const last = document.createElement('span');
      last.className = 'last';
      last.textContent = this.chars[this.chars.length - 1];
      e.textContent.append(last);
    }
    e.text.setAttribute('aria-label', `Recognised text: ${this.text || 'empty'}`);
    e.text.scrollLeft = e.text.scrollWidth;
    e.html.classList.toggle('has-text', this.chars.length > 0);
    e.backspace.disabled = this.chars.length === 0;
    e.copy.disabled = this.chars.length === 0;

    e.guesses.replaceChildren();
    if (this.canPick && this.lastResult) {
      this.lastResult.top.forEach((g, i) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'guess';
        b.dataset.index = String(i);
        b.dataset.label = g.label;
        b.setAttribute('aria-pressed', String(i === this.lastChosen));
        b.setAttribute('aria-label', `${describe(g.label)}, ${Math.round(g.p * 100)} percent${i === this.lastChosen ? ', chosen' : ''}`);
        b.title = `Use “${g.label}” (key ${i + 1})`;
        const ch = document.createElement('span');
        ch.className = 'char';
        ch.textContent = g.label;
        const p = document.createElement('span');
        p.className = 'p';
        p.textContent = g.p < 0.005 ? '<1%' : `${Math.round(g.p * 100)}%`;
        const bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = `${Math.max(0, Math.min(1, g.p)) * 100}%`; // CSSOM: allowed by the CSP
        b.append(ch, p, bar);
        b.addEventListener('click', () => this.pick(i));
        e.guesses.append(b);
      });
    }
  }

  // ---- test / benchmark hook ----------------------------------------------------------------

  /** Replay strokes through the same path as pointer input after pen-up. */
  async replay(strokes, pointerType = 'mouse') {
    this.surface.load(strokes, pointerType);
    const before = this.queue;
    this.surface.flush();
    if (this.queue === before) return null; // nothing was emitted (no strokes)
    return this.queue;
  }
}

function exposeHook(app) {
  const toPlain = (r) => r && {
    top: r.top.map((g) => ({ label: g.label, index: g.index, p: g.p })),
    input: Array.from(r.input),
    probs: Array.from(r.probs), // fused, moved by the size cue (if any), restricted to the mode
    imageProbs: Array.from(r.imageProbs),
    strokeProbs: r.strokeProbs ? Array.from(r.strokeProbs) : null,
    shapeProbs: Array.from(r.shapeProbs), // fused, before the size cue
    height: r.height,
    sizeRatio: Number.isFinite(r.sizeRatio) ? r.sizeRatio : null, // null: no size cue applied
    ms: r.ms,
    mode: r.mode, // the input mode it was recognised in; probs and top are restricted to it
  };
  window.handwriting = {
    app,
    get state() { return app.state; },
    ready: app.ready,
    get text() { return app.text; },
    get lastInput() { return app.lastResult ? Array.from(app.lastResult.input) : null; },
    get lastTop() { return app.lastResult ? app.lastResult.top.map((g) => ({ label: g.label, p: g.p })) : null; },
    get errors() { return app.errors.slice(); },
    get spec() { return app.recognizer.spec; },
    get labels() { return app.recognizer.labels; },
    get backend() { return app.recognizer.backend; },
    get warmMs() { return app.recognizer.warmMs; },
    /** Whether the stroke model is loaded and fused with the image model. */
    get strokeModel() { return app.recognizer.strokeActive; },
    /** Its fusion exponent (0 when not active) and samples per drawing (null when not active). */
    get strokeWeight() { return app.recognizer.strokeWeight; },
    get strokePoints() { return app.recognizer.strokePoints; },
    /** Whether the size cue (sizecue.js) is loaded. */
    get sizeCue() { return app.recognizer.sizeCue !== null; },
    /** How many corrections the page remembers (adapt.js); null when it does not learn. */
    get corrections() { return app.recognizer.adaptation ? app.recognizer.adaptation.size : null; },
    /** Pick guess i (0-based) of the last character, as a click or the keys 1-3 do. */
    pick(i) { return app.pick(i); },
    /** Forget the picks learnt (as the info panel's Forget button). */
    forgetPicks() { app.forgetPicks(); },
    /** The input mode ('auto', 'digits', 'lower', 'upper'): get, set, or setMode(m). */
    modes: MODES.slice(),
    get mode() { return app.mode; },
    set mode(m) { app.setMode(m); },
    setMode(m) { app.setMode(m); },
    /** Replay strokes as if drawn and the idle timer fired; resolves to the result or null. */
    async replay(strokes, pointerType = 'mouse') {
      const before = app.lastResult;
      await app.replay(strokes, pointerType);
      return app.lastResult !== before ? toPlain(app.lastResult) : null;
    },
    /** Recognise without touching the page (benchmarks), in the current input mode. */
    async recognize(strokes) {
      await app.ready;
      return toPlain(app._restrict(await app.recognizer.recognize(strokes), app.mode));
    },
  };
}

const app = new App();
exposeHook(app);
