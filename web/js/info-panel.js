// The "About the model" panel (I): what the shipped model measured, its size and version, which
// of the page's cues are on, and how many picks it has learnt.

const $ = (id) => document.getElementById(id);

function pct(x, digits = 1) {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
}

function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function describeStrokeModel(r) {
  const cfg = r.metadata && r.metadata.stroke_model;
  if (r.strokeActive) {
    const size = cfg && typeof cfg.weights_bytes === 'number' ? cfg.weights_bytes : r.strokeModelBytes;
    return `on (pen path, ${r.strokePoints} points, weight ${r.strokeWeight}, ${bytes(size)})`;
  }
  if (cfg && !r.strokesEnabled) return 'off (?strokes=off): image model only';
  return 'none: image model only';
}

function describeSizeCue(r) {
  if (r.sizeCue) return `on, after ${r.sizeCue.least} characters in a line`;
  if (r.metadata && r.metadata.size_cue && !r.sizeCueEnabled) return 'off (?size=off)';
  return 'none';
}

function describeAdaptation(r) {
  if (r.adaptation) {
    const n = r.adaptation.size;
    return `on, ${n} pick${n === 1 ? '' : 's'}`;
  }
  if (r.metadata && r.metadata.adaptation && !r.adaptationEnabled) return 'off (?adapt=off)';
  return 'none';
}

/** Fill the panel from a loaded recognizer (recognizer.js). */
export function fillInfo(r) {
  const m = r.metadata || {};
  const metrics = m.metrics || {};
  const set = (id, v) => { $(id).textContent = v; };
  set('info-accuracy', pct(metrics.accuracy));
  set('info-top3', pct(metrics.top3_accuracy));
  set('info-casefold', pct(metrics.case_folded_accuracy));
  set('info-data', [metrics.data, metrics.n_test ? `n = ${metrics.n_test}` : null].filter(Boolean).join(', ') || '–');
  // accuracy on UNIPEN pen trajectories of writers never trained on: closest to what a user feels
  const pen = metrics.pen;
  const seq = pen && pen.in_sequence && r.sizeCue
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
  set('info-strokes', describeStrokeModel(r));
  set('info-sizecue', describeSizeCue(r));
  showAdaptation(r);
}

/** The "Learns from picks" line, and its Forget button while there is something to forget. */
export function showAdaptation(r) {
  $('info-adapt-text').textContent = describeAdaptation(r);
  $('btn-forget-picks').hidden = !(r.adaptation && r.adaptation.size);
}

let opener = null; // what had the focus when the panel opened

/** Open or close the panel (toggle when `show` is undefined). Closing it with the focus inside
 *  (Esc, I) gives the focus back to what opened it, which a hidden panel would drop to <body>. */
export function toggleInfo(panel, button, show) {
  const open = show === undefined ? panel.hidden : show;
  if (open && panel.hidden) {
    const active = document.activeElement;
    opener = active && active !== document.body && !panel.contains(active) ? active : button;
  }
  if (!open && panel.contains(document.activeElement)) (opener && opener.isConnected ? opener : button).focus();
  panel.hidden = !open;
  button.setAttribute('aria-expanded', String(open));
}
