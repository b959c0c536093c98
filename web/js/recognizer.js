// Loads TensorFlow.js (vendored UMD bundles), the model's metadata and the LayersModel, picks a
// backend (wasm -> webgl -> cpu) and recognises strokes through preprocess.js.

import { normalizeSpec, preprocess } from './preprocess.js';

export class LoadError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'LoadError';
    if (cause) this.cause = cause;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.async = false;
    el.onload = () => resolve();
    el.onerror = () => reject(new LoadError(`could not load ${src}`));
    document.head.appendChild(el);
  });
}

async function fetchJSON(url) {
  let res;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch (err) {
    throw new LoadError(`could not fetch ${url} (${err.message})`, err);
  }
  if (!res.ok) throw new LoadError(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  try {
    return await res.json();
  } catch (err) {
    throw new LoadError(`${url} is not valid JSON`, err);
  }
}

const now = () => performance.now();

export class Recognizer {
  /**
   * @param {object} [o]
   * @param {string} [o.modelUrl]     TF.js LayersModel (model.json)
   * @param {string} [o.metadataUrl]  labels, canvas_spec, metrics, ...
   * @param {string} [o.vendorUrl]    folder with tf.min.js, tf-backend-wasm.min.js, *.wasm
   * @param {string[]} [o.backends]   preference order
   */
  constructor(o = {}) {
    this.modelUrl = o.modelUrl || 'model/model.json';
    this.metadataUrl = o.metadataUrl || 'model/metadata.json';
    this.vendorUrl = o.vendorUrl || 'vendor/';
    this.backends = o.backends || ['wasm', 'webgl', 'cpu'];
    this.tf = null;
    this.model = null;
    this.metadata = null;
    this.labels = null;
    this.spec = null;
    this.backend = null;
    this.backendErrors = {};
    this.warmMs = null;
    this.loadMs = null;
    this.modelBytes = null;
  }

  /** Load everything; rejects with a LoadError that says what failed. */
  async load(onStatus = () => {}) {
    const t0 = now();
    onStatus('Loading TensorFlow.js…');
    // The bundled regenerator runtime assigns the global `regeneratorRuntime`; if it does not
    // exist (strict mode) it falls back to Function(...), which the CSP (rightly) forbids.
    if (!('regeneratorRuntime' in globalThis)) globalThis.regeneratorRuntime = undefined;
    await loadScript(this.vendorUrl + 'tf.min.js');
    const tf = window.tf;
    if (!tf || typeof tf.loadLayersModel !== 'function') throw new LoadError('TensorFlow.js did not initialise');
    this.tf = tf;
    tf.enableProdMode();
    let wasmScript = true;
    try {
      await loadScript(this.vendorUrl + 'tf-backend-wasm.min.js');
    } catch (err) {
      wasmScript = false;
      this.backendErrors.wasm = err.message;
    }

    onStatus('Loading model metadata…');
    const meta = await fetchJSON(this.metadataUrl);
    if (!Array.isArray(meta.labels) || meta.labels.length === 0) {
      throw new LoadError(`${this.metadataUrl} has no labels list`);
    }
    this.metadata = meta;
    this.labels = meta.labels.map(String);
    this.spec = normalizeSpec(meta.canvas_spec || {});

    onStatus('Starting the compute backend…');
    for (const name of this.backends) {
      if (name === 'wasm' && !wasmScript) continue;
      try {
        if (name === 'wasm') {
          // Threads need cross-origin isolation, which static hosts do not give: stay single
          // threaded (and only the non-threaded .wasm files are vendored).
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          tf.wasm.setWasmPaths(new URL(this.vendorUrl, document.baseURI).href);
        }
        const ok = await tf.setBackend(name);
        if (ok) {
          await tf.ready();
          this.backend = tf.getBackend();
          break;
        }
        this.backendErrors[name] = 'not available';
      } catch (err) {
        this.backendErrors[name] = String(err && err.message ? err.message : err);
      }
    }
    if (!this.backend) throw new LoadError(`no TensorFlow.js backend could start (${JSON.stringify(this.backendErrors)})`);

    onStatus('Loading model…');
    // Probe model.json first so that a missing model gives a clear message.
    const topology = await fetchJSON(this.modelUrl);
    this.modelBytes = (topology.weightsManifest || [])
      .flatMap((g) => g.weights || [])
      .reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4), 0);
    try {
      this.model = await tf.loadLayersModel(this.modelUrl);
    } catch (err) {
      throw new LoadError(`could not load the model from ${this.modelUrl} (${err.message})`, err);
    }
    const outShape = this.model.outputs[0].shape;
    const inShape = this.model.inputs[0].shape;
    if (outShape[outShape.length - 1] !== this.labels.length) {
      throw new LoadError(`the model has ${outShape[outShape.length - 1]} outputs but metadata lists ${this.labels.length} labels`);
    }
    if (inShape[1] !== this.spec.size || inShape[2] !== this.spec.size) {
      throw new LoadError(`the model takes ${inShape[1]}x${inShape[2]} images but canvas_spec.size is ${this.spec.size}`);
    }

    onStatus('Warming up…');
    await this.predict(new Float32Array(this.spec.size * this.spec.size)); // compiles kernels
    const t1 = now();
    const runs = 3;
    for (let i = 0; i < runs; i++) await this.predict(new Float32Array(this.spec.size * this.spec.size));
    this.warmMs = (now() - t1) / runs;
    this.loadMs = now() - t0;
    return this;
  }

  /** Probabilities (Float32Array, one per label) for one preprocessed input. */
  async predict(input) {
    const tf = this.tf;
    const s = this.spec.size;
    const out = tf.tidy(() => this.model.predict(tf.tensor4d(input, [1, s, s, 1])));
    try {
      return await out.data();
    } finally {
      out.dispose();
    }
  }

  /**
   * Recognise strokes.
   * @returns {Promise<null|{input: Float32Array, probs: Float32Array, top: Array<{label: string, index: number, p: number}>, ms: number}>}
   *   null when there is nothing to recognise (empty, or a single dot).
   */
  async recognize(strokes, k = 3) {
    if (!this.model) throw new Error('Recognizer.load() has not finished');
    const input = preprocess(strokes, this.spec);
    if (input === null) return null;
    const t0 = now();
    const probs = await this.predict(input);
    const ms = now() - t0;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    const top = order.slice(0, k).map((i) => ({ label: this.labels[i], index: i, p: probs[i] }));
    return { input, probs, top, ms };
  }
}
