// What the page shows: the text line (and the words being read), the guesses for the last
// character or the readings of the last word, the model's input,
// the load error, and the messages for sighted users (toast) and screen readers (announce).

const $ = (id) => document.getElementById(id);

/** The page's elements, by what they do. */
export function findElements() {
  return {
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
    forgetPicks: $('btn-forget-picks'),
    shortcuts: $('shortcuts'),
    modes: Array.from(document.querySelectorAll('#modes input[name="mode"]')),
    modesGroup: $('modes'),
    words: $('btn-words'),
    commit: $('btn-commit'),
    hint: document.querySelector('#hint .hint-text'),
  };
}

/** A label as a screen reader should say it. */
export function describe(label) {
  if (label === ' ') return 'space';
  if (/[A-Z]/.test(label)) return `capital ${label}`;
  if (/[a-z]/.test(label)) return `small ${label}`;
  return label;
}

/**
 * The text line: the characters before the last one (those at the positions in `reread`, which
 * the word decoder just changed, flash once), then the last one set apart while it can still be
 * swapped for another guess (`canPick`), then the words being read (`pending`, words mode: not yet
 * part of the text); and the buttons that need text.
 */
export function renderTextLine(el, chars, reread, canPick, pending = '') {
  const bodyLength = canPick ? chars.length - 1 : chars.length;
  const nodes = [];
  let run = '';
  for (let i = 0; i < bodyLength; i++) {
    if (!reread.has(i)) { run += chars[i]; continue; }
    if (run) nodes.push(document.createTextNode(run));
    run = '';
    const span = document.createElement('span');
    span.className = 'reread';
    span.textContent = chars[i];
    nodes.push(span);
  }
  if (run) nodes.push(document.createTextNode(run));
  el.textContent.replaceChildren(...nodes);
  if (canPick && chars.length) {
    const last = document.createElement('span');
    last.className = 'last';
    last.textContent = chars[chars.length - 1];
    el.textContent.append(last);
  }
  if (pending) {
    const reading = document.createElement('span');
    reading.className = 'pending';
    reading.textContent = chars.length && chars[chars.length - 1] !== ' ' ? ` ${pending}` : pending;
    el.textContent.append(reading);
  }
  const text = chars.join('');
  el.text.setAttribute('aria-label', `Recognised text: ${text || 'empty'}${pending ? `; being read: ${pending}` : ''}`);
  el.text.scrollLeft = el.text.scrollWidth;
  el.html.classList.toggle('has-text', chars.length > 0);
  el.backspace.disabled = chars.length === 0;
  el.copy.disabled = chars.length === 0;
}

/**
 * One button per guess (`top`, likeliest first; none when null), the one now in the text
 * (`chosen`, its index) pressed; clicking guess i calls `onPick(i)`.
 */
export function renderGuesses(container, top, chosen, onPick) {
  container.replaceChildren();
  if (!top) return;
  top.forEach((g, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'guess';
    b.dataset.index = String(i);
    b.dataset.label = g.label;
    b.setAttribute('aria-pressed', String(i === chosen));
    const shown = g.p < 0.005 ? '<1%' : `${Math.round(g.p * 100)}%`;
    // the name starts with what the button shows (a speech user says what they see), then the
    // case, which a screen reader does not say by itself
    const spoken = describe(g.label);
    b.setAttribute('aria-label', `${g.label} ${shown}${spoken !== g.label ? `, ${spoken}` : ''}`);
    b.title = `Use “${g.label}” (key ${i + 1})`;
    const ch = document.createElement('span');
    ch.className = 'char';
    ch.textContent = g.label;
    const p = document.createElement('span');
    p.className = 'p';
    p.textContent = shown;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.max(0, Math.min(1, g.p)) * 100}%`; // CSSOM: allowed by the CSP
    b.append(ch, ' ', p, bar); // the space is not laid out (flex), but makes the text "T 100%"
    b.addEventListener('click', () => onPick(i));
    container.append(b);
  });
}

/**
 * One button per reading of the last word (`words`, best first), named by the word it shows, the
 * one now in the text (`chosen`, its index) pressed; clicking reading i calls `onPick(i)`.
 */
export function renderAlternatives(container, words, chosen, onPick) {
  container.replaceChildren();
  words.forEach((word, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'guess word';
    b.dataset.index = String(i);
    b.setAttribute('aria-pressed', String(i === chosen));
    b.title = `Use “${word}” (key ${i + 1})`;
    b.textContent = word;
    b.addEventListener('click', () => onPick(i));
    container.append(b);
  });
}

/** The model's square input (values in [0, 1], row-major) as a grey image on `canvas`. */
export function drawPreview(canvas, input) {
  const size = Math.round(Math.sqrt(input.length));
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext('2d');
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

export function clearPreview(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

/** Why the recogniser could not be loaded, what to check, and a Retry button (`onRetry`). */
export function showLoadError(box, msg, onRetry) {
  box.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = 'The recogniser could not be loaded.';
  const detail = document.createElement('div');
  const code = document.createElement('code');
  code.textContent = msg;
  detail.append(code);
  const help = document.createElement('p');
  help.textContent = 'The model is written to web/model/ by the Kedro deployment pipeline '
    + '(kedro run). Check that manifest.json and the files/ folder are served next to this page '
    + 'as they were written, then retry.';
  box.append(title, detail, help);
  if (onRetry) {
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.id = 'btn-retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', onRetry);
    box.append(retry);
  }
  box.hidden = false;
}

let toastTimer;

/** A short message that fades by itself. */
export function toast(el, msg) {
  el.textContent = msg;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 1400);
}

/** A message for screen readers (the live region `el`). */
export function announce(el, msg) {
  // Re-set the text so that repeated identical messages are still announced.
  el.textContent = '';
  requestAnimationFrame(() => { el.textContent = msg; });
}

/** Copy `text` to the clipboard (a hidden textarea where the Clipboard API is refused). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'sr-only';
    document.body.append(ta);
    ta.select();
    let ok;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}
