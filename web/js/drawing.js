// The drawing surface: a full-window canvas that records pointer trajectories (strokes).
//
// Why Pointer Events and not a drawing library such as fabric.js: we need the raw trajectories
// (recognition is geometric, see preprocess.js), not editable vector objects, selection handles or
// an object model; Pointer Events give one code path for mouse, touch and pen, pointer capture,
// pointerType (for the idle delay) and getCoalescedEvents() (all the high-rate samples the
// browser merged into one event), in ~250 lines with no dependency, no extra download and nothing
// that fights `touch-action: none`.
//
// Events (this is an EventTarget):
//   'character'   detail {strokes, pointerType}  the idle timer fired after pen-up (or flush())
//   'change'      detail {strokes}               a stroke was added / undone / cleared
//   'strokestart' detail {pointerType}           a new stroke began (cancels a pending timer)

export const DEFAULT_IDLE_MS = Object.freeze({ mouse: 800, touch: 400, pen: 400 });

export class DrawingSurface extends EventTarget {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} [options]
   * @param {{mouse:number, touch:number, pen:number}} [options.idleMs] delay after pen-up
   * @param {number} [options.strokeWidth] on-screen width in CSS px (display only)
   */
  constructor(canvas, options = {}) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.idleMs = { ...DEFAULT_IDLE_MS, ...(options.idleMs || {}) };
    this.strokeWidth = options.strokeWidth ?? 10;
    /** @type {Array<Array<[number, number]>>} strokes in CSS px relative to the canvas */
    this.strokes = [];
    this.activePointer = null;
    this.activeType = 'mouse';
    this.lastType = 'mouse';
    this.timer = null;
    // false: a pause finishes nothing, the ink stays until flush() or clear() (words mode)
    this.pauseFinishes = true;
    this.dpr = 1;
    this.rect = { left: 0, top: 0, width: 0, height: 0 };

    canvas.style.touchAction = 'none';
    this._onDown = this._onDown.bind(this);
    this._onMove = this._onMove.bind(this);
    this._onUp = this._onUp.bind(this);
    canvas.addEventListener('pointerdown', this._onDown);
    canvas.addEventListener('pointermove', this._onMove);
    canvas.addEventListener('pointerup', this._onUp);
    canvas.addEventListener('pointercancel', this._onUp);
    canvas.addEventListener('lostpointercapture', (e) => {
      if (e.pointerId === this.activePointer) this._onUp(e);
    });
    // No context menu / selection / double-tap zoom while drawing.
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());

    // 'device-pixel-content-box' also reports devicePixelRatio changes (zoom, another screen).
    this._resizeObserver = new ResizeObserver(() => this.resize());
    try {
      this._resizeObserver.observe(canvas, { box: 'device-pixel-content-box' });
    } catch {
      this._resizeObserver.observe(canvas);
    }
    window.addEventListener('resize', () => this.resize());
    this._watchDpr();
    this.resize();
  }

  /** Re-size the backing store to CSS size x devicePixelRatio and re-render the strokes. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    this.rect = { left: r.left, top: r.top, width: r.width, height: r.height };
    if (this.canvas.width !== w || this.canvas.height !== h || this.dpr !== dpr) {
      this.dpr = dpr;
      this.canvas.width = w; // clears the canvas
      this.canvas.height = h;
      // a redraw only when there is ink: clearing the fresh backing store (which allocates it)
      // was most of the page's first resize
      if (this.strokes.length) this.redraw();
    }
  }

  _watchDpr() {
    // A media query that matches only the current DPR fires 'change' when the window moves to
    // another screen or the page is zoomed; then watch the new value.
    const mq = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    mq.addEventListener('change', () => { this.resize(); this._watchDpr(); }, { once: true });
  }

  setStrokeWidth(px) {
    this.strokeWidth = Math.max(1, Math.min(64, Number(px) || 10));
    this.redraw();
  }

  get isEmpty() { return this.strokes.length === 0; }
  get pending() { return this.timer !== null; }

  _point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  _onDown(e) {
    if (this.activePointer !== null) return; // one pointer draws; a second finger is ignored
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    this._cancelTimer();
    this.activePointer = e.pointerId;
    this.activeType = e.pointerType || 'mouse';
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* synthetic pointer */ }
    this.strokes.push([this._point(e)]);
    this.dispatchEvent(new CustomEvent('strokestart', { detail: { pointerType: this.activeType } }));
    this._drawStroke(this.strokes[this.strokes.length - 1]);
  }

  _onMove(e) {
    if (e.pointerId !== this.activePointer) return;
    e.preventDefault();
    const stroke = this.strokes[this.strokes.length - 1];
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    const from = stroke.length - 1;
    for (const ce of events.length ? events : [e]) {
      const p = this._point(ce);
      const last = stroke[stroke.length - 1];
      if (p[0] !== last[0] || p[1] !== last[1]) stroke.push(p);
    }
    this._drawStroke(stroke, from);
  }

  _onUp(e) {
    if (e.pointerId !== this.activePointer) return;
    const stroke = this.strokes[this.strokes.length - 1];
    if (e.type === 'pointerup') {
      const p = this._point(e);
      const last = stroke[stroke.length - 1];
      if (p[0] !== last[0] || p[1] !== last[1]) { stroke.push(p); this._drawStroke(stroke, stroke.length - 2); }
    }
    this.activePointer = null;
    this.lastType = this.activeType;
    this.dispatchEvent(new CustomEvent('change', { detail: { strokes: this.strokes } }));
    this._startTimer();
  }

  _startTimer() {
    this._cancelTimer();
    if (this.strokes.length === 0 || !this.pauseFinishes) return;
    const ms = this.idleMs[this.lastType] ?? this.idleMs.mouse;
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, ms);
  }

  _cancelTimer() {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
  }

  /** Emit 'character' with the current strokes now (as the idle timer does) and clear. */
  flush() {
    this._cancelTimer();
    if (this.activePointer !== null) return;
    const strokes = this.strokes.map((s) => s.map((p) => [p[0], p[1]]));
    const pointerType = this.lastType;
    this.strokes = [];
    this.redraw();
    this.dispatchEvent(new CustomEvent('change', { detail: { strokes: this.strokes } }));
    if (strokes.length) this.dispatchEvent(new CustomEvent('character', { detail: { strokes, pointerType } }));
  }

  /** Replace the strokes (e.g. for replaying recorded input) without emitting anything. */
  load(strokes, pointerType = 'mouse') {
    this._cancelTimer();
    this.strokes = (strokes || [])
      .filter((s) => s && s.length > 0)
      .map((s) => Array.from(s, (p) => [Number(p[0]), Number(p[1])]));
    this.lastType = pointerType;
    this.redraw();
  }

  /** Remove the last stroke; the idle timer restarts (or stops, when nothing is left). */
  undo() {
    if (this.activePointer !== null || this.strokes.length === 0) return false;
    this.strokes.pop();
    this.redraw();
    this.dispatchEvent(new CustomEvent('change', { detail: { strokes: this.strokes } }));
    this._startTimer();
    return true;
  }

  /** Drop all strokes and any pending timer. */
  clear() {
    this._cancelTimer();
    this.strokes = [];
    this.redraw();
    this.dispatchEvent(new CustomEvent('change', { detail: { strokes: this.strokes } }));
  }

  _style() {
    const ctx = this.ctx;
    const ink = getComputedStyle(this.canvas).getPropertyValue('--ink').trim() || '#111';
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.strokeStyle = ink;
    ctx.fillStyle = ink;
    ctx.lineWidth = this.strokeWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
  }

  redraw() {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    for (const s of this.strokes) this._drawStroke(s);
  }

  _drawStroke(stroke, from = 0) {
    if (!stroke || stroke.length === 0) return;
    const ctx = this.ctx;
    this._style();
    if (stroke.length === 1) {
      ctx.beginPath();
      ctx.arc(stroke[0][0], stroke[0][1], this.strokeWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    const start = Math.max(0, from);
    ctx.moveTo(stroke[start][0], stroke[start][1]);
    for (let i = start + 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0], stroke[i][1]);
    ctx.stroke();
  }
}
