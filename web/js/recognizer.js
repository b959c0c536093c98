// Loads TensorFlow.js (the page's own build in vendor/, runtime.js), the model's metadata and the
// LayersModel, picks a backend (wasm, else cpu) and recognises strokes through preprocess.js.
//
// Loading runs as short tasks in idle time (nextIdle between its steps), so the page draws and
// answers input while the runtime and the models load; reading waits for them.
//
// The model folder is read through its manifest (manifest.js): model/manifest.json is fetched
// once, revalidated, and every file it names (metadata.json, the topologies, the weights) is then
// fetched by its content address and its SHA-256 checked before use. One manifest is one model
// version, so a host that publishes a new model during the load cannot give the page a mix; a
// damaged or missing file is a LoadError naming it. Both LayersModels are built from those
// checked bytes in memory (no second fetch).
//
// When metadata.json has a `stroke_model` ({path, points, weight, ...}), a second LayersModel
// (model/<path>, a 1-D CNN) reads the pen path itself (trajectory.js) and its probabilities are
// multiplied with the image model's (fusion.js). The option `strokes: false` (the page's
// ?strokes=off) leaves it unloaded: the image model alone.
//
// When metadata.json has a `size_cue`, the fused probabilities are then moved by how tall the
// drawing is against the text line's earlier characters (sizecue.js); `sizeCue: false` (the
// page's ?size=off) ignores it.
//
// When metadata.json has an `adaptation`, they are last moved by what the user's own corrections
// say about drawings of this shape (adapt.js; the app tells `adaptation` each pick);
// `adaptation: false` (the page's ?adapt=off) ignores it.
//
// When metadata.json has a `words_model` ({path, lexicon, step, decoder, ...}), a third
// LayersModel (model/<path>, a 1-D CNN with CTC outputs) and the lexicon (model/<lexicon>, read by
// lexicon.js) are loaded the same way, and readLine() reads a whole word or line of ink
// (wordreader.js). `words: false` (the page's ?words=off) leaves them unloaded: characters only.

import { normalizeSpec, preprocess } from './preprocess.js';
import { DEFAULT_POINTS, FEATURES, trajectoryFeatures } from './trajectory.js';
import { DEFAULT_WEIGHT, fuse } from './fusion.js';
import { SizeCue, inkHeight } from './sizecue.js';
import { Adaptation } from './adapt.js';
import { MANIFEST, filePath, parseManifest, verifyFile } from './manifest.js';
import { parseLexiconInSteps } from './lexicon.js';
import { FEATURES as PENLINE_FEATURES } from './penline.js';
import { BLANK } from './textdecoder.js';
import { readLine } from './wordreader.js';
import { warmLayerByLayer } from './warmup.js';
import { CPU_BACKEND, RUNTIME, SHARED } from './runtime.js';

const WORDS_OUTPUTS = BLANK + 1; // the printable ASCII characters and the CTC blank
const WORDS_WARM_POINTS = 16;    // the words model's warm-up line: a few frames are enough

export class LoadError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'LoadError';
    if (cause) this.cause = cause;
  }
}

/** An ES module of vendor/ (runtime.js names them), failing as a LoadError naming it. */
async function importVendor(folder, file) {
  try {
    return await import(new URL(folder + file, document.baseURI).href);
  } catch (err) {
    throw new LoadError(`could not load ${folder}${file} (${err.message})`, err);
  }
}

/** Resolves when the browser is idle (at the latest after `timeout` ms), so that each loading
 *  step is a task of its own between the user's input and the page's frames. */
export function nextIdle(timeout = 100) {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout });
    else setTimeout(resolve, 0);
  });
}

/** A fetch that fails as a LoadError naming `what`. */
async function fetchOk(url, what, cache) {
  let res;
  try {
    res = await fetch(url, { cache });
  } catch (err) {
    throw new LoadError(`could not fetch ${what} (${err.message})`, err);
  }
  if (!res.ok) throw new LoadError(`${what}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

function parseJSON(bytes, what) {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new LoadError(`${what} is not valid JSON`, err);
  }
}

const now = () => performance.now();

/** Bytes of a LayersModel's weights, from its topology's weightsManifest. */
function weightBytes(topology) {
  return (topology.weightsManifest || [])
    .flatMap((g) => g.weights || [])
    .reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4), 0);
}

/** metadata.json's stroke_model entry, checked and completed; null when there is none. */
function strokeConfig(meta, metadataUrl = 'metadata.json') {
  const c = meta.stroke_model;
  if (c === undefined || c === null) return null;
  if (typeof c !== 'object' || Array.isArray(c)) throw new LoadError(`${metadataUrl}: stroke_model must be an object`);
  const path = c.path === undefined ? 'stroke_model.json' : c.path;
  if (typeof path !== 'string' || path === '') throw new LoadError(`${metadataUrl}: stroke_model.path must be a file name`);
  const points = c.points === undefined ? DEFAULT_POINTS : c.points;
  if (!Number.isInteger(points) || points < 2) throw new LoadError(`${metadataUrl}: stroke_model.points must be an integer >= 2, got ${JSON.stringify(points)}`);
  const weight = c.weight === undefined ? DEFAULT_WEIGHT : c.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new LoadError(`${metadataUrl}: stroke_model.weight must be a number >= 0, got ${JSON.stringify(weight)}`);
  }
  return { path, points, weight };
}

/** metadata.json's words_model entry, checked; null when there is none. */
function wordsConfig(meta, metadataUrl = 'metadata.json') {
  const c = meta.words_model;
  if (c === undefined || c === null) return null;
  if (typeof c !== 'object' || Array.isArray(c)) throw new LoadError(`${metadataUrl}: words_model must be an object`);
  for (const key of ['path', 'lexicon']) {
    if (typeof c[key] !== 'string' || c[key] === '') throw new LoadError(`${metadataUrl}: words_model.${key} must be a file name`);
  }
  return c;
}

/** The k likeliest classes, likeliest first (ties: the lower class index first). */
export function topGuesses(probs, labels, k = 3) {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
  return order.slice(0, k).map((i) => ({ label: labels[i], index: i, p: probs[i] }));
}

export class Recognizer {
  /**
   * @param {object} [o]
   * @param {string} [o.modelUrl]     the model folder (its manifest.json names the files)
   * @param {boolean} [o.revalidate]  true: fetch the model's files past the browser's HTTP cache
   *   (a retry after a damaged copy)
   * @param {string} [o.vendorUrl]    folder with the runtime (runtime.js) and the .wasm binaries
   * @param {string[]} [o.backends]   preference order: 'wasm', 'cpu'
   * @param {boolean} [o.strokes]     false: never load the stroke model (image model only)
   * @param {boolean} [o.sizeCue]     false: ignore metadata.json's size_cue (sizecue.js)
   * @param {boolean} [o.adaptation]  false: ignore metadata.json's adaptation (adapt.js)
   * @param {boolean} [o.words]       false: never load the words model (characters only)
   */
  constructor(o = {}) {
    this.modelUrl = o.modelUrl || 'model/';
    if (!this.modelUrl.endsWith('/')) this.modelUrl += '/';
    this.metadataUrl = 'metadata.json'; // a logical name in the manifest (error messages)
    this.fileCache = o.revalidate ? 'reload' : 'default';
    this.manifest = null;
    this.version = null;       // the manifest's model version
    this.vendorUrl = o.vendorUrl || 'vendor/';
    this.backends = o.backends || ['wasm', 'cpu'];
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
    this.strokesEnabled = o.strokes !== false;
    this.strokeModel = null;   // the stroke LayersModel when active
    this.strokeModelUrl = null;
    this.strokeInputShape = null; // [1, points, 5] or [1, points, 1, 5] (see _loadStrokeModel)
    this.strokePoints = null;
    this.strokeModelBytes = null;
    this._strokeWeight = DEFAULT_WEIGHT;
    this.sizeCueEnabled = o.sizeCue !== false;
    this.sizeCue = null;       // a SizeCue when metadata.json has one and it is enabled
    this.adaptationEnabled = o.adaptation !== false;
    this.adaptation = null;    // an Adaptation (the user's corrections) when metadata.json has one
    this.wordsEnabled = o.words !== false;
    this.wordsModel = null;    // the words LayersModel when loaded
    this.wordsSettings = null; // metadata.json's words_model entry (step, decoder settings, ...)
    this.lexicon = null;       // its Lexicon (lexicon.js)
    this.wordsModelBytes = null;
  }

  /** Whether whole words and lines can be read (a words model is loaded). */
  get wordsActive() { return this.wordsModel !== null; }

  /** Whether recognition reads the pen path too (a stroke model is loaded and enabled). */
  get strokeActive() { return this.strokeModel !== null; }

  /** The stroke model's fusion exponent (metadata stroke_model.weight); 0 when not active. */
  get strokeWeight() { return this.strokeActive ? this._strokeWeight : 0; }

  /** Load everything; rejects with a LoadError that says what failed. */
  async load(onStatus = () => {}) {
    const t0 = now();
    onStatus('Loading TensorFlow.js…');
    await nextIdle();
    // the chunk the runtime imports, evaluated in a task of its own: both evaluated in one task
    // was the longest task of the load
    await importVendor(this.vendorUrl, SHARED);
    await nextIdle();
    const tf = await importVendor(this.vendorUrl, RUNTIME); // a module: evaluated once per page
    this.tf = tf;
    tf.enableProdMode();

    await nextIdle();
    onStatus('Loading model metadata…');
    const manifestUrl = new URL(this.modelUrl + MANIFEST, document.baseURI).href;
    const res = await fetchOk(manifestUrl, this.modelUrl + MANIFEST, 'no-cache');
    try {
      this.manifest = parseManifest(await res.text());
    } catch (err) {
      throw new LoadError(`${this.modelUrl}${err.message}`, err);
    }
    this.version = this.manifest.version;
    const meta = parseJSON(await this._file('metadata.json'), this.metadataUrl);
    if (meta.model_version !== undefined && meta.model_version !== this.version) {
      throw new LoadError(`metadata.json is model ${meta.model_version} but ${MANIFEST} is version ${this.version}`);
    }
    if (!Array.isArray(meta.labels) || meta.labels.length === 0) {
      throw new LoadError(`${this.metadataUrl} has no labels list`);
    }
    this.metadata = meta;
    this.labels = meta.labels.map(String);
    this.spec = normalizeSpec(meta.canvas_spec || {});
    const strokeCfg = this.strokesEnabled ? strokeConfig(meta, this.metadataUrl) : null;
    const wordsCfg = this.wordsEnabled ? wordsConfig(meta, this.metadataUrl) : null;
    if (this.sizeCueEnabled && meta.size_cue) {
      try {
        this.sizeCue = new SizeCue(meta.size_cue, this.labels);
      } catch (err) {
        throw new LoadError(`${this.metadataUrl}: ${err.message}`);
      }
    }
    if (this.adaptationEnabled && meta.adaptation && meta.adaptation.enabled !== false) {
      try {
        this.adaptation = new Adaptation(meta.adaptation, this.labels.length);
      } catch (err) {
        throw new LoadError(`${this.metadataUrl}: ${err.message}`);
      }
    }

    onStatus('Starting the compute backend…');
    for (const name of this.backends) {
      try {
        await this.prepareBackend(name);
        await nextIdle();
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
    await nextIdle();
    const { model, topology } = await this._layersModel('model.json', 'the model');
    this.model = model;
    this.modelBytes = weightBytes(topology);
    const outShape = this.model.outputs[0].shape;
    const inShape = this.model.inputs[0].shape;
    if (outShape[outShape.length - 1] !== this.labels.length) {
      throw new LoadError(`the model has ${outShape[outShape.length - 1]} outputs but metadata lists ${this.labels.length} labels`);
    }
    if (inShape[1] !== this.spec.size || inShape[2] !== this.spec.size) {
      throw new LoadError(`the model takes ${inShape[1]}x${inShape[2]} images but canvas_spec.size is ${this.spec.size}`);
    }

    if (strokeCfg) {
      onStatus('Loading stroke model…');
      await nextIdle();
      await this._loadStrokeModel(strokeCfg);
    }
    if (wordsCfg) {
      onStatus('Loading words model…');
      await nextIdle();
      await this._loadWordsModel(wordsCfg);
    }

    onStatus('Warming up…');
    const blank = new Float32Array(this.spec.size * this.spec.size);
    const still = this.strokeActive ? new Float32Array(this.strokePoints * FEATURES) : null;
    // each model's first run sets its kernels up: layer by layer, a task each (warmup.js); each
    // timed run is a task of its own too (awaiting one predict after another would chain them
    // into one long task)
    await this._warm(this.model, blank, [1, this.spec.size, this.spec.size, 1]);
    if (still) await this._warm(this.strokeModel, still, this.strokeInputShape);
    // the timed runs: one recognition each (both models when the stroke model is on); warmMs is
    // their mean, idle waits excluded
    const runs = 3;
    let spent = 0;
    for (let i = 0; i < runs; i++) {
      await nextIdle();
      let t1 = now();
      await this.predict(blank);
      spent += now() - t1;
      if (still) {
        await nextIdle();
        t1 = now();
        await this.predictStrokes(still);
        spent += now() - t1;
      }
    }
    this.warmMs = spent / runs;
    if (this.wordsActive) {
      // one short line through every layer (the first run sets the kernels up), not timed: a
      // longer one would hold the page for as long as a long reading does
      await this._warm(this.wordsModel, new Float32Array(WORDS_WARM_POINTS * PENLINE_FEATURES),
        [1, WORDS_WARM_POINTS, PENLINE_FEATURES]);
    }
    this.loadMs = now() - t0;
    return this;
  }

  /** A model's first run, on `values` of `shape`: one layer per idle-time task (warmup.js),
   *  then once whole (the path recognition takes), in a task of its own. */
  async _warm(model, values, shape) {
    const x = this.tf.tensor(values, shape);
    try {
      await warmLayerByLayer(this.tf, model, x, nextIdle);
    } finally {
      x.dispose();
    }
    await nextIdle();
    await this._run(model, values, shape);
  }

  /** Make backend `name` ready for tf.setBackend (the latency benchmark switches backends so). */
  async prepareBackend(name) {
    if (name === 'wasm') {
      // Threads need cross-origin isolation, which static hosts do not give: stay single
      // threaded (only the non-threaded .wasm files are vendored). The backend fetches the one
      // binary this browser runs: the SIMD build where WebAssembly SIMD validates.
      this.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      this.tf.setWasmPaths(new URL(this.vendorUrl, document.baseURI).href);
    } else if (name === 'cpu') {
      await importVendor(this.vendorUrl, CPU_BACKEND); // registers the cpu backend
    }
  }

  /** Logical file `name` of the manifest: fetched by its content address and checked. */
  async _file(name) {
    let path;
    try {
      path = filePath(this.manifest, name);
    } catch (err) {
      throw new LoadError(`${this.modelUrl}${err.message}`, err);
    }
    const res = await fetchOk(new URL(this.modelUrl + path, document.baseURI).href,
      `${name} (${this.modelUrl}${path})`, this.fileCache);
    const bytes = new Uint8Array(await res.arrayBuffer());
    try {
      return await verifyFile(this.manifest, name, bytes);
    } catch (err) {
      throw new LoadError(err.message, err);
    }
  }

  /** A LayersModel from topology file `name` and the weight files it names, all checked, built in
   *  memory; `what` names it in errors. */
  async _layersModel(name, what) {
    const topology = parseJSON(await this._file(name), name);
    const groups = topology.weightsManifest || [];
    const parts = await Promise.all(groups.flatMap((g) => g.paths || []).map((p) => this._file(p)));
    const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      weightData.set(p, offset);
      offset += p.length;
    }
    try {
      const model = await this.tf.loadLayersModel(this.tf.io.fromMemory({
        modelTopology: topology.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights || []),
        weightData: weightData.buffer,
        format: topology.format,
        generatedBy: topology.generatedBy,
        convertedBy: topology.convertedBy,
      }));
      return { model, topology };
    } catch (err) {
      throw new LoadError(`could not load ${what} from ${name} (${err.message})`, err);
    }
  }

  async _loadStrokeModel({ path, points, weight }) {
    const { model, topology } = await this._layersModel(path, 'the stroke model');
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    const fail = (msg) => {
      model.dispose();
      throw new LoadError(`the stroke model ${path} ${msg}`);
    };
    // [null, points, 5], or [null, points, 1, 5]: the same network built with 2-D layers, which
    // TF.js runs as fused ops (the pipeline exports it so)
    const asImage = inShape.length === 4 && inShape[2] === 1;
    if (!(inShape.length === 3 || asImage) || inShape[1] !== points || inShape[inShape.length - 1] !== FEATURES) {
      fail(`takes input ${JSON.stringify(inShape)} but metadata stroke_model.points is ${points} `
        + `(expected [null, ${points}, ${FEATURES}] or [null, ${points}, 1, ${FEATURES}])`);
    }
    if (outShape.length !== 2 || outShape[1] !== this.labels.length) {
      fail(`has ${outShape[outShape.length - 1]} outputs but metadata lists ${this.labels.length} labels`);
    }
    this.strokeModel = model;
    this.strokeInputShape = asImage ? [1, points, 1, FEATURES] : [1, points, FEATURES];
    this.strokeModelUrl = path;
    this.strokePoints = points;
    this._strokeWeight = weight;
    this.strokeModelBytes = weightBytes(topology);
  }

  async _loadWordsModel(cfg) {
    const { model, topology } = await this._layersModel(cfg.path, 'the words model');
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    if (inShape.length !== 3 || inShape[2] !== PENLINE_FEATURES || outShape.length !== 3
        || outShape[2] !== WORDS_OUTPUTS) {
      model.dispose();
      throw new LoadError(`the words model ${cfg.path} takes ${JSON.stringify(inShape)} and gives `
        + `${JSON.stringify(outShape)} (expected [null, null, ${PENLINE_FEATURES}] and `
        + `[null, null, ${WORDS_OUTPUTS}])`);
    }
    let lexicon;
    try {
      const text = new TextDecoder().decode(await this._file(cfg.lexicon));
      lexicon = await parseLexiconInSteps(text, nextIdle); // a 50,000-word trie: many short tasks
    } catch (err) {
      model.dispose();
      throw err instanceof LoadError ? err : new LoadError(`${cfg.lexicon}: ${err.message}`, err);
    }
    this.wordsModel = model;
    this.wordsSettings = cfg;
    this.lexicon = lexicon;
    this.wordsModelBytes = weightBytes(topology);
  }

  /** A model's output for one input of the given shape, read back (Float32Array). */
  async _run(model, values, shape) {
    const tf = this.tf;
    const out = tf.tidy(() => model.predict(tf.tensor(values, shape)));
    try {
      return await out.data();
    } finally {
      out.dispose();
    }
  }

  /** Probabilities (Float32Array, one per label) for one preprocessed input. */
  async predict(input) {
    const s = this.spec.size;
    return this._run(this.model, input, [1, s, s, 1]);
  }

  /** The stroke model's probabilities (Float32Array) for trajectory features (points * 5). */
  async predictStrokes(features) {
    if (!this.strokeModel) throw new Error('no stroke model is active');
    return this._run(this.strokeModel, features, this.strokeInputShape);
  }

  /** The words model's per-frame probabilities (Float32Array, frames * 96, flat) for one pen line
   *  (penline.js: `points` * 4 features). */
  async predictWords(features, points = features.length / PENLINE_FEATURES) {
    if (!this.wordsModel) throw new Error('no words model is loaded');
    return this._run(this.wordsModel, features, [1, points, PENLINE_FEATURES]);
  }

  /**
   * Read a word or a line of ink as text (wordreader.js).
   * @param {Array} strokes  the ink, in any units (the pen line is scaled to the writing's height)
   * @returns {Promise<{text: string, score: number, alternatives: Array<{word: string,
   *   score: number}>, frames: number, ms: number}>}  `alternatives`: distinct readings of the last
   *   word, best first; `ms`: the time the reading took
   */
  async readLine(strokes) {
    if (!this.wordsModel) throw new Error('no words model is loaded');
    const t0 = now();
    const reading = await readLine(strokes, (f, points) => this.predictWords(f, points),
      this.lexicon, this.wordsSettings);
    return { ...reading, ms: now() - t0 };
  }

  /**
   * Recognise strokes.
   * @param {Array} strokes  the drawing
   * @param {number} [k]     how many top guesses
   * @param {Array<{height: number, label: string}>} [previous]  the text line's earlier
   *   characters (oldest first), for the size cue
   * @returns {Promise<null|{input: Float32Array, probs: Float32Array, shapeProbs: Float32Array,
   *   imageProbs: Float32Array, strokeProbs: Float32Array|null, height: number, sizeRatio: number,
   *   top: Array<{label: string, index: number, p: number}>, ms: number}>}
   *   null when there is nothing to recognise (empty, or a single dot). `shapeProbs` are the fused
   *   probabilities (fusion.js), equal to `imageProbs` when `strokeProbs` is null (no stroke
   *   model); `probs` are those after the size cue (sizecue.js; equal to `shapeProbs` without a
   *   size cue or a reference: `sizeRatio` NaN) and the user's corrections (adapt.js; no change
   *   while none is remembered).
   */
  async recognize(strokes, k = 3, previous = []) {
    if (!this.model) throw new Error('Recognizer.load() has not finished');
    const input = preprocess(strokes, this.spec);
    if (input === null) return null;
    const t0 = now();
    const imageProbs = await this.predict(input);
    let strokeProbs = null;
    if (this.strokeModel) {
      const features = trajectoryFeatures(strokes, this.strokePoints);
      if (features !== null) strokeProbs = await this.predictStrokes(features);
    }
    const shapeProbs = fuse(imageProbs, strokeProbs, this.strokeWeight);
    const height = inkHeight(strokes);
    const sizeRatio = this.sizeCue ? this.sizeCue.ratio(height, previous) : NaN;
    const sized = this.sizeCue ? this.sizeCue.apply(shapeProbs, sizeRatio) : shapeProbs;
    const probs = this.adaptation ? this.adaptation.apply(sized, shapeProbs) : sized;
    const ms = now() - t0;
    const top = topGuesses(probs, this.labels, k);
    return { input, probs, shapeProbs, imageProbs, strokeProbs, height, sizeRatio, top, ms };
  }
}
