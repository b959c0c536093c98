// The toolbar, the input-mode switch and the keyboard shortcuts, each calling one App action.

import { storedSingleKeyShortcuts, storeSingleKeyShortcuts } from './storage.js';

/** Wire the page's controls to `app` (app.js). */
export function bindControls(app) {
  const e = app.el;
  // Single-key shortcuts (a key that types a character: letters, digits, [ ], Space) can be
  // turned off, so that speech input or a stray key press does not act (WCAG 2.1.4).
  const keys = { singleKey: storedSingleKeyShortcuts() };
  showSingleKeyShortcuts(e.shortcuts, keys.singleKey);
  e.shortcuts.addEventListener('change', () => {
    keys.singleKey = e.shortcuts.checked;
    storeSingleKeyShortcuts(keys.singleKey);
    showSingleKeyShortcuts(e.shortcuts, keys.singleKey);
  });
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

  document.addEventListener('keydown', (ev) => onKey(app, ev, keys.singleKey));
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

/** A key that types a character (letter, digit, punctuation, Space), for aria-keyshortcuts. */
const typesCharacter = (key) => key.length === 1 || key === 'Space';

/** Show whether single-key shortcuts are on: the checkbox, and the keys each control announces
 *  (aria-keyshortcuts) without the single ones while they are off. */
function showSingleKeyShortcuts(checkbox, on) {
  checkbox.checked = on;
  for (const el of document.querySelectorAll('[aria-keyshortcuts], [data-keyshortcuts]')) {
    if (!el.dataset.keyshortcuts) el.dataset.keyshortcuts = el.getAttribute('aria-keyshortcuts');
    const shown = el.dataset.keyshortcuts.split(' ').filter((k) => on || !typesCharacter(k));
    if (shown.length) el.setAttribute('aria-keyshortcuts', shown.join(' '));
    else el.removeAttribute('aria-keyshortcuts');
  }
}

function onKey(app, ev, singleKeyShortcuts) {
  if (ev.altKey) return;
  const mod = ev.ctrlKey || ev.metaKey;
  if (!mod && !singleKeyShortcuts && ev.key.length === 1) return; // a character key (' ' too)
  // Space or Enter on a focused button, mode switch, slider or checkbox is that control's own
  // (a press, a toggle), not the text line's space or the Add button
  const onControl = ev.target instanceof HTMLButtonElement || ev.target instanceof HTMLInputElement;
  const onRange = ev.target === app.el.width;
  const infoOpen = !app.el.info.hidden;
  const k = ev.key;
  let handled = true;
  if (mod && (k === 'z' || k === 'Z')) app.undoStroke();
  else if (mod && (k === 'c' || k === 'C')) {
    if (String(window.getSelection() || '') !== '') return; // normal copy of a selection
    app.copy();
  } else if (mod) handled = false;
  else if (k === 'u' || k === 'U') app.undoStroke();
  else if (k === 'Backspace') app.backspace();
  else if (k === ' ' && !onControl) app.space();
  else if (k === 'Delete') app.clearAll();
  else if (k === 'Escape' && infoOpen) app.toggleInfo(false); // the panel first, the ink kept
  else if (k === 'Escape') app.surface.clear();
  else if (k === 'c' || k === 'C') app.copy();
  else if (k === 'i' || k === 'I') app.toggleInfo();
  else if (k === 'm' || k === 'M') app.cycleMode(ev.shiftKey ? -1 : 1);
  else if (k === 'w' || k === 'W') handled = app.toggleInputKind();
  else if (k === 'Enter' && !onControl && app.inputKind === 'words') app.commitLine();
  else if (k === '[' && !onRange) app.setStrokeWidth(app.surface.strokeWidth - 2);
  else if (k === ']' && !onRange) app.setStrokeWidth(app.surface.strokeWidth + 2);
  else if (k >= '1' && k <= '9') handled = app.pick(Number(k) - 1);
  else handled = false;
  if (handled) ev.preventDefault();
}
