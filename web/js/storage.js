// What the page keeps in this browser (localStorage) between visits: the on-screen stroke width,
// whether single-key shortcuts are on, and the picks it learnt from (adapt.js). Nothing leaves the
// browser.

const PICKS_KEY = 'hw.picks'; // {model, picks}: the model version and adapt.js's dump()
const STROKE_WIDTH_KEY = 'hw.strokeWidth';
const SINGLE_KEYS_KEY = 'hw.singleKeyShortcuts'; // 'off' once turned off; anything else is on

/** The stroke width stored on an earlier visit, as stored: NaN when none was (or storage is off);
 *  it can be any number or text, so the caller clamps it (controls.js clampedStrokeWidth). */
export function storedStrokeWidth() {
  try {
    const stored = localStorage.getItem(STROKE_WIDTH_KEY);
    return stored === null || stored.trim() === '' ? NaN : Number(stored);
  } catch {
    return NaN; // storage disabled
  }
}

export function storeStrokeWidth(px) {
  try { localStorage.setItem(STROKE_WIDTH_KEY, String(px)); } catch { /* private mode */ }
}

/** Whether single-key shortcuts are on: yes unless they were turned off on an earlier visit. */
export function storedSingleKeyShortcuts() {
  try {
    return localStorage.getItem(SINGLE_KEYS_KEY) !== 'off';
  } catch {
    return true; // storage disabled
  }
}

export function storeSingleKeyShortcuts(on) {
  try { localStorage.setItem(SINGLE_KEYS_KEY, on ? 'on' : 'off'); } catch { /* private mode */ }
}

/**
 * Put the picks stored on earlier visits back into `memory` (adapt.js) when they were learnt
 * with the same model: another model sees drawings differently, so its picks are dropped.
 */
export function restorePicks(memory, modelVersion) {
  try {
    const saved = JSON.parse(localStorage.getItem(PICKS_KEY) || 'null');
    if (saved && saved.model === modelVersion) memory.restore(saved.picks);
    else if (saved) localStorage.removeItem(PICKS_KEY);
  } catch (err) {
    console.warn('stored picks not read:', err);
  }
}

/** Store what `memory` holds now (nothing stored while it is empty). */
export function storePicks(memory, modelVersion) {
  try {
    if (memory.size === 0) localStorage.removeItem(PICKS_KEY);
    else localStorage.setItem(PICKS_KEY, JSON.stringify({ model: modelVersion, picks: memory.dump() }));
  } catch (err) {
    console.warn('picks not stored:', err); // private mode, or storage full
  }
}
