"""Web latency: warm TF.js prediction time per backend, and pen-up -> character in the text.

In headless Chromium, on the real page (``web/``, or ``--web-dir`` / ``--model-dir``):

1. For every TF.js backend the page could use (wasm, cpu: the page picks the first that starts,
   in that order), warm prediction time of one 28x28 input (real UNIPEN renderings),
   ``--runs`` predictions after ``--warmup``:
   - ``predict``: the page's own ``Recognizer.predict`` (tf.tidy + async ``data()``, what the page
     awaits for every character);
   - ``predict_sync``: ``tf.tidy(() => model.predict(x)).dataSync()``, timed one by one and, as
     ``predict_sync_block_mean``, ``--runs`` of them timed together (``performance.now()`` is
     coarsened to 0.1 ms in a page without cross-origin isolation, so single timings are
     quantised; the block mean is not, but it includes the occasional slow run);
   - ``predict_strokes`` / ``predict_strokes_sync``: the stroke model on one pen path (the
     page's ``Recognizer.predictStrokes``, and tidy + ``dataSync()``), when the page has one;
   - ``recognize``: ``Recognizer.recognize(strokes)``, what every character costs: preprocess.js,
     the image model, trajectory.js + the stroke model (if any), fusion, the size cue (5
     characters before it), top-3; and, as block means, the size cue's own arithmetic and the
     learning from picks (adapt.js) with its memory full.
   All backends are measured in one page load: after the page has loaded (by default it takes
   the first backend that starts, in the order wasm, cpu; ``?backend=`` picks one) this calls
   ``recognizer.prepareBackend(name)`` and ``tf.setBackend(name)`` from ``page.evaluate`` (the model's weights move to the new
   backend on first use) and updates ``recognizer.backend``.
2. A long line: what each character costs the page (``App.onCharacter``: recognition, the word
   decoder, the text line's update) at the start of a line and after ``--long-line`` characters
   without a space, each a real UNIPEN character through the page's own path; medians over
   ``--long-line-samples`` characters at each length, on the page's own backend. A word decoded
   from its start after every character made this grow with the line (``handwriting.page.decoder``
   ``WORD_WINDOW`` bounds it). ``--long-line-only`` measures this alone and writes
   web_latency_long_line.json and .md.
3. End to end: UNIPEN characters drawn with genuine mouse events (CDP ``Input.dispatchMouseEvent``,
   what Playwright's ``page.mouse`` sends) on the canvas; from the ``timeStamp`` of the last
   ``pointerup`` to the mutation of the text line (``#text-content``) that adds the character, and
   to the next animation frame after it; reported as measured and minus the page's idle delay
   (800 ms for a mouse). The idle timer's own firing time is recorded too, so the time spent
   after the timer (preprocess + predict + DOM) is separate.

    .venv/bin/python -m benchmarks.web_latency
    .venv/bin/python -m benchmarks.web_latency --runs 100 --e2e-samples 10 --backends wasm
    .venv/bin/python -m benchmarks.web_latency --long-line-only

Writes benchmarks/results/web_latency.json and web_latency.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import _browser as B
from benchmarks import unipen as U
from handwriting.page.preprocess import CanvasSpec, render_batch
from handwriting.unipen import is_clean

BACKENDS = ["wasm", "cpu"]  # the page's runtime has no webgl backend (web/scripts/build_tfjs.mjs)

SWITCH_JS = """
async (name) => {
  const r = window.handwriting.app.recognizer;
  const tf = r.tf;
  let ok = false, error = null;
  try { await r.prepareBackend(name); ok = await tf.setBackend(name); await tf.ready(); } catch (e) { error = String(e && e.message || e); }
  if (ok) r.backend = tf.getBackend();
  return {ok, error, backend: tf.getBackend()};
}
"""

MICRO_JS = """
async ([inputs, strokes, warmup, runs]) => {
  const r = window.handwriting.app.recognizer;
  const tf = r.tf;
  const s = r.spec.size;
  const xs = inputs.map((a) => new Float32Array(a));
  const now = () => performance.now();
  const stats = (t) => {
    const v = t.slice().sort((a, b) => a - b);
    const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
    return {n: v.length, median: q(0.5), p95: q(0.95), min: v[0], max: v[v.length - 1],
            mean: v.reduce((a, b) => a + b, 0) / v.length};
  };
  const out = {};
  // the page's own path: tidy + await data()
  for (let i = 0; i < warmup; i++) await r.predict(xs[i % xs.length]);
  let t = [];
  for (let i = 0; i < runs; i++) { const t0 = now(); await r.predict(xs[i % xs.length]); t.push(now() - t0); }
  out.predict = stats(t);
  // synchronous read back
  const sync2 = (x) => { const y = tf.tidy(() => r.model.predict(tf.tensor4d(x, [1, s, s, 1]))); const d = y.dataSync(); y.dispose(); return d; };
  for (let i = 0; i < warmup; i++) sync2(xs[i % xs.length]);
  t = [];
  for (let i = 0; i < runs; i++) { const t0 = now(); sync2(xs[i % xs.length]); t.push(now() - t0); }
  out.predict_sync = stats(t);
  // the same, timed as one block: a mean per prediction that the 0.1 ms clock does not quantise
  const block = now();
  for (let i = 0; i < runs; i++) sync2(xs[i % xs.length]);
  out.predict_sync_block_mean = (now() - block) / runs;
  // the stroke model alone (when the page has one): one pen path of `points` x 5 features
  if (r.strokeActive) {
    const path = new Float32Array(r.strokePoints * 5).map((_, i) => Math.sin(i));
    for (let i = 0; i < warmup; i++) await r.predictStrokes(path);
    t = [];
    for (let i = 0; i < runs; i++) { const t0 = now(); await r.predictStrokes(path); t.push(now() - t0); }
    out.predict_strokes = stats(t);
    // synchronous read back, as predict_sync for the image model
    const syncS = () => { const y = tf.tidy(() => r.strokeModel.predict(tf.tensor(path, r.strokeInputShape))); const d = y.dataSync(); y.dispose(); return d; };
    for (let i = 0; i < warmup; i++) syncS();
    t = [];
    for (let i = 0; i < runs; i++) { const t0 = now(); syncS(); t.push(now() - t0); }
    out.predict_strokes_sync = stats(t);
  }
  // preprocess + both models + fusion + size cue + top-3, as for every character after the
  // first few of a line (5 characters before it, so the size cue has its reference)
  const before = ['a', 'b', 'c', 'd', 'e'].map((label, k) => ({ height: 80 + 10 * k, label }));
  for (let i = 0; i < Math.min(warmup, 10); i++) await r.recognize(strokes[i % strokes.length], 3, before);
  t = [];
  for (let i = 0; i < runs; i++) { const t0 = now(); await r.recognize(strokes[i % strokes.length], 3, before); t.push(now() - t0); }
  out.recognize = stats(t);
  // the size cue's own arithmetic (reference, bin, 62 log-likelihoods, renormalise), timed as a
  // block: one call is far below the page's 0.1 ms timer resolution
  if (r.sizeCue) {
    const probs = new Float32Array(r.labels.length).fill(1 / r.labels.length);
    const reps = 20 * runs;
    const block = now();
    for (let i = 0; i < reps; i++) r.sizeCue.apply(probs, r.sizeCue.ratio(90 + (i % 7), before));
    out.size_cue_block_mean = (now() - block) / reps;
  }
  // learning from picks with its memory full (capacity corrections of seeded random shapes):
  // the most a character's reading can cost it, also timed as a block
  if (r.adaptation) {
    const n = r.labels.length;
    const full = new r.adaptation.constructor(
      { tau: r.adaptation.tau, beta: r.adaptation.beta, capacity: r.adaptation.capacity }, n);
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const shape = () => { const p = Float32Array.from({ length: n }, () => rand() ** 4); const z = p.reduce((a, b) => a + b); return p.map((v) => v / z); };
    for (let k = 0; k < full.capacity; k++) full.remember(k, shape(), k % n);
    const probs = shape();
    const reps = 2 * runs;
    const block = now();
    for (let i = 0; i < reps; i++) full.apply(probs, probs);
    out.adaptation_block_mean = (now() - block) / reps;
    out.adaptation_entries = full.size;
  }
  out.tensors = tf.memory().numTensors;
  out.probs = [];
  for (const x of xs) out.probs.push(Array.from(await r.predict(x)));
  return out;
}
"""

LONG_LINE_JS = """
async ([strokes, length, samples]) => {
  const app = window.handwriting.app;
  const now = () => performance.now();
  const times = async (n) => {
    const t = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await app.onCharacter(strokes[app.chars.length % strokes.length]);
      t.push(now() - t0);
    }
    return t.sort((a, b) => a - b);
  };
  app.clearAll();
  await times(samples); // warm-up: the first characters of a page are slower
  app.clearAll();
  const start = await times(samples);
  while (app.chars.length < length) await app.onCharacter(strokes[app.chars.length % strokes.length]);
  const long = await times(samples);
  const chars = app.chars.length;
  app.clearAll();
  return { start, long, chars };
}
"""

E2E_LISTEN_JS = """
() => {
  const canvas = document.getElementById('pad');
  const text = document.getElementById('text-content');
  window.__e2e = {up: null, fired: null, events: []};
  window.addEventListener('pointerup', (e) => { window.__e2e.up = e.timeStamp; }, true);
  window.handwriting.app.surface.addEventListener('character', () => { window.__e2e.fired = performance.now(); });
  let last = text.textContent;
  new MutationObserver(() => {
    const t = performance.now();
    const cur = text.textContent;
    if (cur.length > last.length && window.__e2e.up !== null) {
      const ev = {up: window.__e2e.up, fired: window.__e2e.fired, dom: t, text: cur};
      requestAnimationFrame(() => { ev.frame = performance.now(); window.__e2e.events.push(ev); });
      window.__e2e.up = null;
    }
    last = cur;
  }).observe(text, {childList: true, subtree: true, characterData: true});
}
"""


def _stats(v) -> dict:
    v = np.asarray(v, float)
    return {"n": int(len(v)), "median": float(np.median(v)), "p95": float(np.percentile(v, 95)),
            "min": float(v.min()), "max": float(v.max()), "mean": float(v.mean())}


async def _long_line(page, strokes: list, length: int, samples: int) -> dict:
    got = await page.evaluate(LONG_LINE_JS, [strokes, length, samples])
    res = {"length": length, "samples": samples, "at_start_ms": _stats(got["start"]),
           f"after_{length}_ms": _stats(got["long"]), "line_length_at_end": got["chars"]}
    print(f"long line: {res['at_start_ms']['median']:.2f} ms a character at the start, "
          f"{res[f'after_{length}_ms']['median']:.2f} ms after {length} characters")
    return res


async def _run(url: str, args, inputs: list, strokes: list) -> dict:
    out: dict = {"backends": {}, "e2e": {}}
    async with B.chromium_async() as browser:
        page = await B.open_app_async(browser, url)
        out["browser"] = {"chromium": f"Chromium {browser.version}"}
        out["page"] = await page.evaluate("""() => {
          const r = window.handwriting.app.recognizer, tf = r.tf;
          let gl = null;
          try {
            const c = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
            const d = c && c.getExtension('WEBGL_debug_renderer_info');
            gl = c ? (d ? c.getParameter(d.UNMASKED_RENDERER_WEBGL) : c.getParameter(c.RENDERER)) : null;
          } catch (e) { gl = String(e); }
          return {default_backend: r.backend, backend_errors: r.backendErrors, warm_ms_at_load: r.warmMs,
                  load_ms: r.loadMs, tfjs: tf.version && tf.version.tfjs, webgl_renderer: gl,
                  hardware_concurrency: navigator.hardwareConcurrency, user_agent: navigator.userAgent,
                  idle_ms: window.handwriting.app.surface.idleMs, registered: Object.keys(tf.engine().registryFactory)};
        }""")
        print(f"page: {out['page']['default_backend']} by default, WebGL renderer {out['page']['webgl_renderer']}")
        if args.long_line:
            out["long_line"] = {"backend": out["page"]["default_backend"],
                                **await _long_line(page, strokes, args.long_line,
                                                   args.long_line_samples)}
        if args.long_line_only:
            out["errors"] = await page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
            return out
        await page.evaluate(E2E_LISTEN_JS)
        await B.define_predicate_async(page, "e2e_done", "() => window.__e2e.events.length >= window.__benchArg")
        mouse = await B.Mouse.for_page(page)
        n_events = 0
        ref_probs, ref_name = None, None
        for name in args.backends:
            sw = await page.evaluate(SWITCH_JS, name)
            if not sw["ok"]:
                out["backends"][name] = {"available": False, "error": sw["error"] or "setBackend returned false"}
                print(f"{name}: not available ({sw})")
                continue
            flags = await page.evaluate("""() => { const tf = window.handwriting.app.recognizer.tf;
              const f = {}; for (const k of ['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT', 'WEBGL_VERSION']) {
                try { f[k] = tf.env().get(k); } catch (e) { /* not this backend */ } } return f; }""")
            micro = await page.evaluate(MICRO_JS, [inputs, strokes, args.warmup, args.runs])
            probs = np.asarray(micro.pop("probs"))
            res = {"available": True, "active": sw["backend"], "flags": flags, **micro}
            if ref_probs is None:
                ref_probs, ref_name = probs, name
            res["vs_first_backend"] = {"backend": ref_name, "inputs": int(len(probs)),
                                       "top1_agreement": float((probs.argmax(1) == ref_probs.argmax(1)).mean()),
                                       "probs_max_abs_diff": float(np.abs(probs - ref_probs).max())}
            print(f"{name}: predict median {micro['predict']['median']:.2f} ms p95 {micro['predict']['p95']:.2f}; "
                  f"sync {micro['predict_sync']['median']:.2f}; recognize {micro['recognize']['median']:.2f}")
            # end to end with genuine mouse events
            ev = []
            for k in range(args.e2e_samples):
                await mouse.draw(strokes[k % len(strokes)])
                n_events += 1
                await B.wait_async(page, "e2e_done", 30_000, arg=n_events)
                ev.append((await page.evaluate("window.__e2e.events"))[-1])
                if n_events % 20 == 0:
                    await page.evaluate("window.handwriting.app.clearAll()")
                    await asyncio.sleep(0.05)
            idle = out["page"]["idle_ms"]["mouse"]
            if ev:
                up_dom = [e["dom"] - e["up"] for e in ev]
                up_frame = [e["frame"] - e["up"] for e in ev]
                res["e2e"] = {
                    "n": len(ev), "idle_ms": idle,
                    "pointerup_to_text_ms": _stats(up_dom),
                    "pointerup_to_text_minus_idle_ms": _stats([x - idle for x in up_dom]),
                    "pointerup_to_next_frame_minus_idle_ms": _stats([x - idle for x in up_frame]),
                    "timer_fired_after_pointerup_ms": _stats([e["fired"] - e["up"] for e in ev]),
                    "timer_to_text_ms": _stats([e["dom"] - e["fired"] for e in ev]),
                }
                print(f"  e2e pen-up -> text median {np.median(up_dom):.1f} ms "
                      f"({np.median(up_dom) - idle:.1f} ms after the {idle} ms idle delay)")
            out["backends"][name] = res
        out["errors"] = await page.evaluate("window.handwriting.errors.concat(window.__pageErrors)")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backends", nargs="+", default=BACKENDS)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--e2e-samples", type=int, default=30, help="characters drawn per backend")
    ap.add_argument("--inputs", type=int, default=50, help="distinct UNIPEN characters used as inputs")
    ap.add_argument("--seed", type=int, default=U.DEFAULT_SEED)
    ap.add_argument("--web-dir", type=Path, default=B.WEB)
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=B.RESULTS)
    ap.add_argument("--long-line", type=int, default=1500,
                    help="characters without a space before the long line's timings (0: skip)")
    ap.add_argument("--long-line-samples", type=int, default=60)
    ap.add_argument("--long-line-only", action="store_true",
                    help="only the long line: writes web_latency_long_line.json and .md")
    args = ap.parse_args(argv)
    if args.long_line_only and args.long_line <= 0:
        ap.error("--long-line-only needs --long-line > 0")

    t0 = time.perf_counter()
    model_dir = args.model_dir or (args.web_dir / "model")
    info = B.model_info(model_dir)
    spec = info["canvas_spec"] or {}
    rows = U.load_unipen()
    clean = [is_clean(r) for r in rows]
    chosen = U.stratified_sample([r["label"] for r in rows], 1, args.seed, eligible=clean)
    rng = np.random.default_rng(args.seed)
    chosen = sorted(rng.permutation(chosen)[:args.inputs].tolist())
    strokes = [U.normalise_to_box(rows[i]["strokes"]) for i in chosen]
    del rows
    images, valid = render_batch(strokes, CanvasSpec.from_dict(spec), return_valid=True)
    strokes = [s for s, v in zip(strokes, valid) if v]
    inputs = [im.ravel().tolist() for im, v in zip(images, valid) if v]
    with B.site(args.web_dir, args.model_dir) as (url, _):
        out = asyncio.run(_run(url, args, inputs, strokes))
    result = {
        "benchmark": "web_latency", "model": info, **out,
        "machine": {"cpu_cores": os.cpu_count(), "platform": platform.platform(),
                    "load_average_at_end": list(os.getloadavg()), "note":
                    "2 CPU cores; software WebGL (SwiftShader)"},
        "settings": {"warmup": args.warmup, "runs": args.runs, "e2e_samples": args.e2e_samples,
                     "inputs": len(inputs), "seed": args.seed},
        "wall_s": time.perf_counter() - t0,
        "command": shlex.join([".venv/bin/python", "-m", "benchmarks.web_latency", *argv]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "web_latency_long_line" if args.long_line_only else "web_latency"
    text = long_line_markdown(result) if args.long_line_only else markdown(result)
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / f"{name}.md").write_text(text + "\n")
    print(f"wrote {args.out / (name + '.md')} in {result['wall_s']:.0f} s")
    return 0


def _long_line_lines(r: dict) -> list[str]:
    line = r.get("long_line")
    if not line:
        return []
    n = line["length"]
    f = lambda s: f"{s['median']:.2f} / {s['p95']:.2f}"  # noqa: E731
    return ["## A long line without spaces", "",
            f"What each character costs the page (`App.onCharacter`: recognition, word decoder, "
            f"text line), {line['samples']} real UNIPEN characters at each length, on "
            f"{line['backend']}. Milliseconds, median / p95.", "",
            f"| at the start of a line | after {n:,} characters without a space |", "|---|---|",
            f"| {f(line['at_start_ms'])} | {f(line[f'after_{n}_ms'])} |"]


def long_line_markdown(r: dict) -> str:
    m, p = r["model"], r["page"]
    return "\n".join(
        ["# Web latency: a long line", "",
         f"Headless {r['browser']['chromium']} (TF.js {p['tfjs']}); {r['machine']['cpu_cores']} CPU "
         f"cores, 1-minute load average at the end {r['machine']['load_average_at_end'][0]:.1f}. "
         f"Model `{m['model_version']}`.", ""]
        + _long_line_lines(r)
        + ["", f"Page errors: {r['errors'] or 'none'}. Wall time {r['wall_s']:.0f} s. "
           f"Re-run: `{r['command']}`"])


def markdown(r: dict) -> str:
    m, p = r["model"], r["page"]
    L = ["# Web latency: TF.js backends and pen-up to text", "",
         f"Headless {r['browser']['chromium']} (TF.js {p['tfjs']}), `--disable-gpu`: WebGL is software "
         f"(`{p['webgl_renderer']}`); {r['machine']['cpu_cores']} CPU cores (navigator.hardwareConcurrency "
         f"{p['hardware_concurrency']}); 1-minute load average at the end "
         f"{r['machine']['load_average_at_end'][0]:.1f} (above ~1, other work shared the cores and "
         "the times are pessimistic). "
         f"Model `{m['model_version']}` ({m['quantization'] or 'float32'}, weights {m['weights_bytes']} B "
         f"= {m['weights_bytes'] / 1024:.0f} KiB). The page chose `{p['default_backend']}` "
         f"(load {p['load_ms']:.0f} ms, its own warm estimate {p['warm_ms_at_load']:.1f} ms).", "",
         "## Warm prediction, one 28x28 input", "",
         f"{r['settings']['runs']} runs after {r['settings']['warmup']} warm-up, cycling over "
         f"{r['settings']['inputs']} real UNIPEN renderings. Milliseconds, median / p95.", "",
         "| backend | `Recognizer.predict` (tidy + await data()) | tidy + dataSync() | tidy + dataSync(), mean of a timed block | stroke model: `predictStrokes` / tidy + dataSync() | `recognize(strokes)` (preprocess + both models + fusion + size cue + top-3) | live tensors after |",
         "|---|---|---|---|---|---|---|"]
    for name, b in r["backends"].items():
        if not b.get("available"):
            L.append(f"| {name} | not available: {b.get('error')} | | | | | |")
            continue
        f = lambda s: f"{s['median']:.2f} / {s['p95']:.2f}"  # noqa: E731
        L.append(f"| {name} | {f(b['predict'])} | {f(b['predict_sync'])} | "
                 f"{b['predict_sync_block_mean']:.2f} | "
                 + (f"{f(b['predict_strokes'])} / {f(b['predict_strokes_sync'])} | "
                    if b.get("predict_strokes") else "no stroke model | ")
                 + f"{f(b['recognize'])} | {b['tensors']} |")
    cue = [f"{n} {b['size_cue_block_mean'] * 1000:.1f} µs" for n, b in r["backends"].items()
           if b.get("size_cue_block_mean") is not None]
    if cue:
        L += ["", "The size cue's own arithmetic in `recognize` (reference of 5 earlier characters, "
              "bin, every class's log-likelihood, renormalising; mean of a timed block of calls): "
              + ", ".join(cue) + "."]
    learn = [f"{n} {b['adaptation_block_mean'] * 1000:.0f} µs" for n, b in r["backends"].items()
             if b.get("adaptation_block_mean") is not None]
    if learn:
        entries = next(b["adaptation_entries"] for b in r["backends"].values()
                       if b.get("adaptation_block_mean") is not None)
        L += ["", f"Learning from picks with its memory full ({entries} corrections remembered; "
              "an empty memory costs a copy): " + ", ".join(learn) + " per character."]
    agree = [f"{n}: top-1 agreement {b['vs_first_backend']['top1_agreement']:.0%}, max |dp| "
             f"{b['vs_first_backend']['probs_max_abs_diff']:.1e}" for n, b in r["backends"].items()
             if b.get("available") and n != b["vs_first_backend"]["backend"]]
    first = next((b["vs_first_backend"] for b in r["backends"].values() if b.get("available")), None)
    if first and agree:
        L += ["", f"Same predictions on every backend: on the {first['inputs']} inputs, vs {first['backend']}: "
              + "; ".join(agree) + "."]
    wasm = r["backends"].get("wasm") or {}
    if wasm.get("flags"):
        L += ["", f"wasm: SIMD {wasm['flags'].get('WASM_HAS_SIMD_SUPPORT')}, threads "
              f"{wasm['flags'].get('WASM_HAS_MULTITHREAD_SUPPORT')} (the page turns threads off: no "
              "cross-origin isolation on static hosts). `performance.now()` is coarsened to 0.1 ms "
              "in a page that is not cross-origin isolated, so sub-millisecond medians are quantised."]
    L += ["", "## Pen-up to character in the text (genuine mouse events)", "",
          f"Per backend, {r['settings']['e2e_samples']} UNIPEN characters drawn with CDP mouse events; "
          "from the last `pointerup`'s `timeStamp` to the mutation of `#text-content` that adds the "
          "character (and to the next animation frame after it). Milliseconds, median / p95.", "",
          "| backend | idle delay | pen-up → text (measured) | minus idle delay | minus idle, to next frame | idle timer fired after | timer → text |",
          "|---|---|---|---|---|---|---|"]
    for name, b in r["backends"].items():
        e = b.get("e2e")
        if not e:
            continue
        f = lambda s: f"{s['median']:.1f} / {s['p95']:.1f}"  # noqa: E731
        L.append(f"| {name} | {e['idle_ms']} | {f(e['pointerup_to_text_ms'])} | {f(e['pointerup_to_text_minus_idle_ms'])} | "
                 f"{f(e['pointerup_to_next_frame_minus_idle_ms'])} | {f(e['timer_fired_after_pointerup_ms'])} | {f(e['timer_to_text_ms'])} |")
    if r.get("long_line"):
        L += [""] + _long_line_lines(r)
    L += ["", "## Notes", "",
          "- All backends are measured in one page load: the page takes the first backend that "
          "starts (wasm -> cpu, or the one `?backend=` names); here it is switched after "
          "load with `tf.setBackend(name)` from `page.evaluate` (and `recognizer.backend` updated).",
          "- Idle delays: " + json.dumps(p["idle_ms"]) + " ms (pointer type from the event). The "
          "time after the delay is what the model and the page add.",
          f"- Backend load errors: {p['backend_errors'] or 'none'}; page errors: {r['errors'] or 'none'}.",
          f"- Wall time {r['wall_s']:.0f} s. Re-run: `{r['command']}`"]
    return "\n".join(L)


if __name__ == "__main__":
    raise SystemExit(main())
