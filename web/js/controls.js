// The toolbar, the input-mode switch and the keyboard shortcuts, each calling one App action.

/** Wire the page's controls to `app` (app.js). */
export function bindControls(app) {
  const e = app.el;
  e.undo.addEventListener('click', () => app.undoStroke());
  e.backspace.addEventListener('click', () => app.backspace());
  e.space.addEventListener('click', () => app.space());
  e.copy.addEventListener('click', () => app.copy());
  e.clear.addEventListener('click', () => app.clearAll());
  e.infoBtn.addEventListener('click', () => app.toggleInfo());
  e.forgetPicks.addEventListener('click', () => app.forgetPicks());
  e.width.addEventListener('input', () => app.setStrokeWidth(e.width.value));
  for (const input of e.modes) input.addEventListener('change', () => { if (input.checked) app.setMode(input.value); });
  e.commit.addEventListener('click', () => app.commitLine());
  e.words.addEventListener('click', () => app.toggleInputKind());

  document.addEventListener('keydown', (ev) => onKey(app, ev));
  // the ink colour follows the colour scheme
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => app.surface.redraw());
}

/**
 * `px` as a stroke width the slider `input` can show: rounded to a whole pixel and clamped to the
 * slider's range; the slider's default when `px` is not a finite number (a stored 1e9, -50,
 * Infinity or "abc" must not draw a line the slider cannot show or undo).
 */
export function clampedStrokeWidth(input, px) {
  const width = typeof px === 'number' ? px : Number(String(px).trim() || NaN);
  if (!Number.isFinite(width)) return Number(input.defaultValue);
  return Math.min(Number(input.max), Math.max(Number(input.min), Math.round(width)));
}

function onKey(app, ev) {
  if (ev.altKey) return;
  const mod = ev.ctrlKey || ev.metaKey;
  // Space on a focused button or mode switch activates it, not the text line's space
  const onButton = ev.target instanceof HTMLButtonElement || app.el.modes.includes(ev.target);
  const onRange = ev.target === app.el.width;
  const k = ev.key;
  let handled = true;
  if (mod && (k === 'z' || k === 'Z')) app.undoStroke();
  else if (mod && (k === 'c' || k === 'C')) {
    if (String(window.getSelection() || '') !== '') return; // normal copy of a selection
    app.copy();
  } else if (mod) handled = false;
  else if (k === 'u' || k === 'U') app.undoStroke();
  else if (k === 'Backspace') app.backspace();
  else if (k === ' ' && !onButton) app.space();
  else if (k === 'Delete') app.clearAll();
  else if (k === 'Escape') { app.surface.clear(); app.toggleInfo(false); }
  else if (k === 'c' || k === 'C') app.copy();
  else if (k === 'i' || k === 'I') app.toggleInfo();
  else if (k === 'm' || k === 'M') app.cycleMode(ev.shiftKey ? -1 : 1);
  else if (k === 'w' || k === 'W') handled = app.toggleInputKind();
  else if (k === 'Enter' && !onButton && app.inputKind === 'words') app.commitLine();
  else if (k === '[' && !onRange) app.setStrokeWidth(app.surface.strokeWidth - 2);
  else if (k === ']' && !onRange) app.setStrokeWidth(app.surface.strokeWidth + 2);
  else if (k >= '1' && k <= '9') handled = app.pick(Number(k) - 1);
  else handled = false;
  if (handled) ev.preventDefault();
}
