// Fast WaveNet inner loop (Paine et al. 2016, cached queues), AssemblyScript with 128-bit SIMD.
// Built to kernel.wasm by `npx tsx models/vocoder/wasm/build.ts`; the JS side
// (../fast-generator.ts) lays out every buffer in linear memory and passes byte offsets.
// Matrices are row-major [out][in] so each output is one contiguous dot product;
// every dimension is a multiple of 4 (checked by the config).

// Layout (byte offsets, set by setup()).
let L: i32 = 0; let R: i32 = 0; let S: i32 = 0; let H: i32 = 0; let Q: i32 = 0;
let pDil: usize = 0;    // i32[L] dilations
let pPos: usize = 0;    // i32[L] ring write positions
let pRing: usize = 0;   // i32[L] byte offsets of ring buffers (dilation * R floats each)
let pLayer: usize = 0;  // per-layer weight blocks, stride layerStride bytes
let layerStride: usize = 0;
let pEmbed: usize = 0;  // [Q][R]
let pSkipBias: usize = 0; // [S] sum of the skip biases
let pW1: usize = 0; let pB1: usize = 0; // [H][S], [H]
let pW2: usize = 0; let pB2: usize = 0; // [Q][H], [Q]
let pCond: usize = 0;   // [L][2R] conditioning + conv bias of the current frame
let pX: usize = 0;      // [2R] scratch: past ; current
let pZ: usize = 0;      // [2R]
let pG: usize = 0;      // [R]
let pHcur: usize = 0;   // [R]
let pSkip: usize = 0;   // [S]
let pA: usize = 0;      // [H]
let pLogits: usize = 0; // [Q] logits, then probabilities
let rng: u64 = 0x9e3779b97f4a7c15;
// 'lpc' excitation mode (see ../config.ts), set by setupLpc().
let pEmbedP: usize = 0; // [Q][R] embedding of the prediction's code
let pEmbedE: usize = 0; // [Q][R] embedding of the previous residual's code
let order: i32 = 0;
let pCoef: usize = 0;   // f32[order] the current frame's predictor
let pHist: usize = 0;   // f32[order] x(t-1), x(t-2), ... of the pre-emphasised output
let pMu: usize = 0;     // f32[Q] mu-law decoding table
let lastX: i32 = 0;     // code of x(t-1)
let lastE: i32 = 0;     // code of e(t-1)
let muScale: f64 = 0;   // 1 / ln(1 + mu), as src/audio/mulaw.ts multiplies by it
// Long-term prediction (set by setupLtp()): the residual one pitch period back as a fourth input.
let pEmbedL: usize = 0; // [Q][R] embedding of e(t-P)'s code; 0 = no long-term input
let pExcRing: usize = 0; // i32[512] the last 512 residual codes
let excPos: i32 = 0;    // ring slot of the next residual
let period: i32 = 0;    // P of the current frame; 0 = unvoiced
// Pulses (set by setupPulses()): a learnt vector added to the input every P samples of voiced frames.
let pPulse: usize = 0;  // [R]; 0 = no pulse input
let sincePulse: i32 = 0; // samples since the last pulse
let wasVoiced: bool = false;

export function heapBase(): usize { return __heap_base; }

export function setup(l: i32, r: i32, s: i32, h: i32, q: i32, dil: usize, pos: usize, ring: usize,
  layer: usize, stride: usize, embed: usize, skipBias: usize, w1: usize, b1: usize, w2: usize, b2: usize,
  cond: usize, scratch: usize): void {
  L = l; R = r; S = s; H = h; Q = q; pDil = dil; pPos = pos; pRing = ring; pLayer = layer; layerStride = stride;
  pEmbed = embed; pSkipBias = skipBias; pW1 = w1; pB1 = b1; pW2 = w2; pB2 = b2; pCond = cond;
  pX = scratch; pZ = pX + (<usize>(2 * R) << 2); pG = pZ + (<usize>(2 * R) << 2); pHcur = pG + (<usize>R << 2);
  pSkip = pHcur + (<usize>R << 2); pA = pSkip + (<usize>S << 2); pLogits = pA + (<usize>H << 2);
}

export function logitsPtr(): usize { return pLogits; }
export function scratchBytes(r: i32, s: i32, h: i32, q: i32): i32 { return (2 * r + 2 * r + r + r + s + h + q) * 4; }
export function seed(s: u64): void { rng = s == 0 ? 0x9e3779b97f4a7c15 : s; }

@inline function hsum(v: v128): f32 {
  const a = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const b = f32x4.add(a, v128.shuffle<f32>(a, a, 1, 0, 3, 2));
  return f32x4.extract_lane(b, 0);
}

// y[j] (op)= bias? + W[j] . x ; rows % 4 == 0, cols % 4 == 0. add: accumulate into y instead of overwrite.
@inline function matvec(w: usize, x: usize, y: usize, rows: i32, cols: i32, add: bool): void {
  const rowBytes = <usize>cols << 2;
  for (let j = 0; j < rows; j += 4) {
    const w0 = w + <usize>j * rowBytes; const w1 = w0 + rowBytes; const w2 = w1 + rowBytes; const w3 = w2 + rowBytes;
    let a0 = f32x4.splat(0); let a1 = f32x4.splat(0); let a2 = f32x4.splat(0); let a3 = f32x4.splat(0);
    for (let i: usize = 0; i < rowBytes; i += 16) {
      const xv = v128.load(x + i);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(w0 + i), xv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(w1 + i), xv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(w2 + i), xv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(w3 + i), xv));
    }
    // transpose-reduce the four accumulators into one vector of four row sums
    const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), v128.shuffle<f32>(a0, a1, 2, 3, 6, 7));
    const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 1, 4, 5), v128.shuffle<f32>(a2, a3, 2, 3, 6, 7));
    let sums = f32x4.add(v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), v128.shuffle<f32>(t0, t1, 1, 3, 5, 7));
    const yp = y + (<usize>j << 2);
    if (add) sums = f32x4.add(sums, v128.load(yp));
    v128.store(yp, sums);
  }
}

// Small copies as inline vector moves: memory.copy is an out-of-line call in V8, and the
// stack makes dozens of them per sample. bytes % 16 == 0.
@inline function copy(dst: usize, src: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(dst + i, v128.load(src + i));
}

// y[j] += W[j] . [a; b] with W rows of 2n floats: the dilated conv over h(t-d) and h(t) without
// first copying them side by side.
@inline function matvec2(w: usize, a: usize, b: usize, y: usize, rows: i32, n: i32): void {
  const halfBytes = <usize>n << 2;
  const rowBytes = halfBytes << 1;
  for (let j = 0; j < rows; j += 4) {
    const w0 = w + <usize>j * rowBytes; const w1 = w0 + rowBytes; const w2 = w1 + rowBytes; const w3 = w2 + rowBytes;
    let a0 = f32x4.splat(0); let a1 = f32x4.splat(0); let a2 = f32x4.splat(0); let a3 = f32x4.splat(0);
    for (let i: usize = 0; i < halfBytes; i += 16) {
      const xv = v128.load(a + i);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(w0 + i), xv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(w1 + i), xv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(w2 + i), xv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(w3 + i), xv));
    }
    for (let i: usize = 0; i < halfBytes; i += 16) {
      const xv = v128.load(b + i);
      const o = halfBytes + i;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(w0 + o), xv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(w1 + o), xv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(w2 + o), xv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(w3 + o), xv));
    }
    const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), v128.shuffle<f32>(a0, a1, 2, 3, 6, 7));
    const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 1, 4, 5), v128.shuffle<f32>(a2, a3, 2, 3, 6, 7));
    const sums = f32x4.add(v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), v128.shuffle<f32>(t0, t1, 1, 3, 5, 7));
    const yp = y + (<usize>j << 2);
    v128.store(yp, f32x4.add(sums, v128.load(yp)));
  }
}

// exp for 4 lanes: 2^n * p(f), |f| <= 0.5, degree-6 polynomial (relative error ~2e-7 in f32).
@inline function exp4(x: v128): v128 {
  const cx = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(87.0));
  const t = f32x4.mul(cx, f32x4.splat(1.4426950408889634));
  const n = f32x4.nearest(t);
  const f = f32x4.mul(f32x4.sub(t, n), f32x4.splat(0.6931471805599453));
  // e^f Taylor to degree 7 on |f| <= 0.347
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

@inline function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

// One sample: the network's logits for the next code given the previous code.
export function forward(prev: i32): void {
  copy(pHcur, pEmbed + <usize>prev * (<usize>R << 2), <usize>R << 2);
  stack();
}

// 'lpc' mode: the logits of the next residual given x(t-1), p(t) and e(t-1) codes.
export function forward3(x: i32, p: i32, e: i32): void {
  sumEmbeddings(x, p, e);
  stack();
}

// Long-term prediction: the same with e(t-P)'s code l as a fourth input, and with pulses the
// pulse mark of this sample (always false without them).
export function forward5(x: i32, p: i32, e: i32, l: i32, pulse: bool): void {
  sumEmbeddings(x, p, e);
  addLtp(l);
  if (pulse) addPulse();
  stack();
}

@inline function sumEmbeddings(x: i32, p: i32, e: i32): void {
  const rb = <usize>R << 2;
  const a = pEmbed + <usize>x * rb; const b = pEmbedP + <usize>p * rb; const c = pEmbedE + <usize>e * rb;
  for (let i: usize = 0; i < rb; i += 16) v128.store(pHcur + i, f32x4.add(f32x4.add(v128.load(a + i), v128.load(b + i)), v128.load(c + i)));
}

@inline function addLtp(l: i32): void {
  const rb = <usize>R << 2;
  const a = pEmbedL + <usize>l * rb;
  for (let i: usize = 0; i < rb; i += 16) v128.store(pHcur + i, f32x4.add(v128.load(pHcur + i), v128.load(a + i)));
}

// The layers and the head over the input embedding in pHcur.
function stack(): void {
  const rb = <usize>R << 2;
  copy(pSkip, pSkipBias, <usize>S << 2);
  for (let l = 0; l < L; l++) {
    const d = load<i32>(pDil + (<usize>l << 2));
    const pos = load<i32>(pPos + (<usize>l << 2));
    const slot = <usize>load<i32>(pRing + (<usize>l << 2)) + <usize>pos * rb;
    const blk = pLayer + <usize>l * layerStride;
    copy(pZ, pCond + <usize>l * (rb << 1), rb << 1);
    matvec2(blk, slot, pHcur, pZ, 2 * R, R);   // Wd [h(t - d); h(t)]
    copy(slot, pHcur, rb);                     // queue h(t) for t + d
    store<i32>(pPos + (<usize>l << 2), pos + 1 == d ? 0 : pos + 1);
    const wd = blk;                                   // [2R][2R]
    const wr = wd + (<usize>(4 * R * R) << 2);        // [R][R]
    const br = wr + (<usize>(R * R) << 2);            // [R]
    const ws = br + rb;                               // [S][R]
    const two = f32x4.splat(2.0); const one = f32x4.splat(1.0);
    for (let i: usize = 0; i < rb; i += 16) {
      const a = v128.load(pZ + i);
      const b = v128.load(pZ + rb + i);
      const th = f32x4.sub(f32x4.mul(two, sigmoid4(f32x4.mul(two, a))), one);
      v128.store(pG + i, f32x4.mul(th, sigmoid4(b)));
    }
    if (l < L - 1) {
      // residual: h += br + Wr g
      for (let i: usize = 0; i < rb; i += 16) v128.store(pHcur + i, f32x4.add(v128.load(pHcur + i), v128.load(br + i)));
      matvec(wr, pG, pHcur, R, R, true);
    }
    matvec(ws, pG, pSkip, S, R, true);
  }
  const zero = f32x4.splat(0);
  for (let i: usize = 0; i < (<usize>S << 2); i += 16) v128.store(pSkip + i, f32x4.max(v128.load(pSkip + i), zero));
  copy(pA, pB1, <usize>H << 2);
  matvec(pW1, pSkip, pA, H, S, true);
  for (let i: usize = 0; i < (<usize>H << 2); i += 16) v128.store(pA + i, f32x4.max(v128.load(pA + i), zero));
  copy(pLogits, pB2, <usize>Q << 2);
  matvec(pW2, pA, pLogits, Q, H, true);
}

// exp((logit - max) / temperature) in place; returns their sum.
function expInPlace(temperature: f32): f32 {
  const qb = <usize>Q << 2;
  let m: f32 = -Infinity;
  for (let i: usize = 0; i < qb; i += 4) m = max(m, load<f32>(pLogits + i));
  const inv = f32x4.splat(1.0 / temperature); const mv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  for (let i: usize = 0; i < qb; i += 16) {
    const e = exp4(f32x4.mul(f32x4.sub(v128.load(pLogits + i), mv), inv));
    v128.store(pLogits + i, e); acc = f32x4.add(acc, e);
  }
  return hsum(acc);
}

// Turns the logits in place into probabilities at the given temperature (> 0).
export function softmax(temperature: f32): void {
  const norm = f32x4.splat(1.0 / expInPlace(temperature));
  for (let i: usize = 0; i < (<usize>Q << 2); i += 16) v128.store(pLogits + i, f32x4.mul(v128.load(pLogits + i), norm));
}

function uniform(): f64 {
  // xorshift64*: fast, seedable, plenty for picking one of 256 codes
  let x = rng; x ^= x >> 12; x ^= x << 25; x ^= x >> 27; rng = x;
  return <f64>((x * 0x2545F4914F6CDD1D) >> 11) * (1.0 / 9007199254740992.0);
}

function argmaxLogits(): i32 {
  let best = 0; let bv = load<f32>(pLogits);
  for (let i = 1; i < Q; i++) { const v = load<f32>(pLogits + (<usize>i << 2)); if (v > bv) { bv = v; best = i; } }
  return best;
}

// LPCNet's floor: probabilities below it are dropped (and the rest lowered by it) before drawing.
let floorP: f32 = 0;
export function setFloor(f: f32): void { floorP = f; }

// Draws a code from the logits: argmax at temperature 0, else a sample.
@inline function pick(temperature: f32): i32 {
  if (temperature <= 0) return argmaxLogits();
  const sum = expInPlace(temperature);
  if (floorP > 0) {
    // weights max(0, w - floor * sum); the largest weight is at least sum / Q > floor * sum when floor < 1 / Q
    const cut = floorP * sum;
    let total: f32 = 0;
    for (let i = 0; i < Q; i++) {
      const w = max<f32>(0, load<f32>(pLogits + (<usize>i << 2)) - cut);
      store<f32>(pLogits + (<usize>i << 2), w); total += w;
    }
    let u = <f32>uniform() * total; let c: f32 = 0;
    for (let i = 0; i < Q; i++) { const w = load<f32>(pLogits + (<usize>i << 2)); c += w; if (w > 0 && u < c) return i; }
    return argmaxLogits();
  }
  // inverse CDF on the unnormalised weights: u scaled by their sum
  let u = <f32>uniform() * sum; let c: f32 = 0;
  for (let i = 0; i < Q; i++) { c += load<f32>(pLogits + (<usize>i << 2)); if (u < c) return i; }
  return Q - 1;
}

// Generates n codes into out (i32[n]), starting from prev; temperature 0 means argmax. Returns the last code.
export function generate(prev: i32, n: i32, temperature: f32, out: usize): i32 {
  for (let k = 0; k < n; k++) {
    forward(prev);
    const code = pick(temperature);
    store<i32>(out + (<usize>k << 2), code);
    prev = code;
  }
  return prev;
}

export function setupLpc(embedP: usize, embedE: usize, ord: i32, coef: usize, hist: usize, mu: usize): void {
  pEmbedP = embedP; pEmbedE = embedE; order = ord; pCoef = coef; pHist = hist; pMu = mu;
  muScale = 1.0 / Math.log1p(<f64>(Q - 1));
}

export function setupLtp(embedL: usize, ring: usize): void {
  pEmbedL = embedL; pExcRing = ring;
}

export function setupPulses(pulse: usize): void { pPulse = pulse; }

// Whether a pulse falls on this sample: at once on entering a voiced stretch, then every P samples.
@inline function nextPulse(): bool {
  let fire = false;
  if (period > 0) {
    if (!wasVoiced || sincePulse >= period) { fire = true; sincePulse = 0; }
    sincePulse++;
  }
  wasVoiced = period > 0;
  return fire;
}

@inline function addPulse(): void {
  const rb = <usize>R << 2;
  for (let i: usize = 0; i < rb; i += 16) v128.store(pHcur + i, f32x4.add(v128.load(pHcur + i), v128.load(pPulse + i)));
}

// The current frame's pitch period in samples (0 = unvoiced); below 512.
export function setPeriod(p: i32): void { period = p; }

// Empties the predictor's history; the previous codes become those of silence.
export function resetLpc(silence: i32): void {
  for (let j = 0; j < order; j++) store<f32>(pHist + (<usize>j << 2), 0);
  lastX = silence; lastE = silence;
  if (pExcRing) for (let j = 0; j < 512; j++) store<i32>(pExcRing + (<usize>j << 2), silence);
  excPos = 0; period = 0; sincePulse = 0; wasVoiced = false;
}

// mu-law code of x, as src/audio/mulaw.ts computes it.
function muEncode(x: f64): i32 {
  const mu = <f64>(Q - 1);
  const v = x > 1 ? 1.0 : x < -1 ? -1.0 : x;
  const y = (v < 0 ? -1.0 : v > 0 ? 1.0 : 0.0) * Math.log1p(mu * Math.abs(v)) * muScale;
  return <i32>Math.floor(((y + 1) / 2) * mu + 0.5);
}

// The linear prediction p(t) from the history.
@inline function predict(): f64 {
  let s: f64 = 0;
  for (let j = 0; j < order; j++) s += <f64>load<f32>(pCoef + (<usize>j << 2)) * <f64>load<f32>(pHist + (<usize>j << 2));
  return s;
}

// 'lpc' mode: generates n pre-emphasised samples into out (f32[n]) under the current
// conditioning and predictor: x(t) = p(t) + mu-law value of the drawn residual code.
export function generateLpc(n: i32, temperature: f32, out: usize): void {
  for (let k = 0; k < n; k++) {
    const p = predict();
    if (pEmbedL) {
      // unvoiced frames see silence one "period" back, as in training
      const l = period > 0 ? load<i32>(pExcRing + (<usize>((excPos - period) & 511) << 2)) : Q >> 1;
      forward5(lastX, muEncode(p), lastE, l, pPulse != 0 && nextPulse());
    } else forward3(lastX, muEncode(p), lastE);
    const code = pick(temperature);
    if (pEmbedL) { store<i32>(pExcRing + (<usize>excPos << 2), code); excPos = (excPos + 1) & 511; }
    let x = p + <f64>load<f32>(pMu + (<usize>code << 2));
    x = x > 1 ? 1.0 : x < -1 ? -1.0 : x;
    for (let j = order - 1; j > 0; j--) store<f32>(pHist + (<usize>j << 2), load<f32>(pHist + (<usize>(j - 1) << 2)));
    store<f32>(pHist, <f32>x);
    lastX = muEncode(<f64><f32>x); lastE = code;
    store<f32>(out + (<usize>k << 2), <f32>x);
  }
}

// The prediction the next generateLpc step will use (for tests).
export function currentPrediction(): f64 { return predict(); }
