// window.handwriting: the page as the tests and benchmarks drive it (tests/web, benchmarks/).
// replay() takes the same path as pointer input after pen-up, and writeLine() writes through the
// pointer events themselves, so what they measure is what a user gets. web/README.md lists the
// members.

import { MODES, restrictResult } from './modes.js';

/** A recognition result as plain data (typed arrays to arrays), for page.evaluate. */
function toPlain(r) {
  return r && {
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
}

/** Pen down, moves and up on `canvas` for each stroke (points in CSS px from its top left corner),
 *  all in one go: no pause between the strokes. Returns when the last pen lifted
 *  (performance.now()). */
function drawStrokes(canvas, strokes, pointerType) {
  const r = canvas.getBoundingClientRect();
  const event = (type, [x, y], buttons) => new PointerEvent(type, {
    pointerId: 1, pointerType, isPrimary: true, button: type === 'pointermove' ? -1 : 0, buttons,
    clientX: r.left + x, clientY: r.top + y, bubbles: true, cancelable: true,
  });
  for (const stroke of strokes) {
    if (!stroke.length) continue;
    canvas.dispatchEvent(event('pointerdown', stroke[0], 1));
    for (const p of stroke.slice(1)) canvas.dispatchEvent(event('pointermove', p, 1));
    canvas.dispatchEvent(event('pointerup', stroke[stroke.length - 1], 0));
  }
  return performance.now();
}

/** The reading shown in words mode as plain data, null without one. */
function readingOf(app) {
  return app.reading && { ...app.reading, alternatives: app.reading.alternatives.slice() };
}

/** Expose `app` (app.js) as window.handwriting. */
export function exposeHook(app) {
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
    /** Whether a words model is loaded (the page can read words and lines). */
    get words() { return app.recognizer.wordsActive; },
    /** What is written: 'words' (read as a line) or 'characters' (one at a time); get or set. */
    get inputKind() { return app.inputKind; },
    set inputKind(kind) { app.setInputKind(kind); },
    /** Words mode: what the ink reads now ({text, alternatives, ms}), null without ink. */
    get reading() { return readingOf(app); },
    /**
     * Words mode: write `strokes` (CSS px on the drawing area) with pointer events, without a
     * pause between them, after any ink already there; resolves when the reading is on the page,
     * to {text, alternatives, ms} (ms: from the last pen lift to the reading shown).
     */
    async writeLine(strokes, pointerType = 'mouse') {
      await app.ready;
      if (app.inputKind !== 'words') throw new Error('writeLine needs words mode (inputKind = "words")');
      drawStrokes(app.el.pad, strokes, pointerType);
      await app.lineReader.settled();
      return readingOf(app) || { text: '', alternatives: [], ms: null };
    },
    /** Words mode: add the reading to the text and clear the ink (the Add button); resolves to
     *  the text added. */
    commitLine() { return app.commitLine(); },
    /** Recognise without touching the page (benchmarks), in the current input mode. */
    async recognize(strokes) {
      await app.ready;
      return toPlain(restrictResult(await app.recognizer.recognize(strokes), app.recognizer.labels, app.mode));
    },
  };
}
