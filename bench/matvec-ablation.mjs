// Ablation of the w4g128 matrix-vector kernel on the device: the shipped kernel (shaders/matvec_q.wgsl)
// against straight-line variants, to find which structure reaches the bandwidth. Not part of the product.
// Usage on the device machine: source .device/setup.sh; node bench/matvec-ablation.mjs [label filter]
// (SMALL=1 runs a 512x1024 case, for checking on SwiftShader that every variant's y equals the baseline's).
import { create, globals } from 'webgpu';
import { readFileSync } from 'node:fs';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const device = await adapter.requestDevice({ requiredFeatures: ['subgroups'].filter((f) => adapter.features.has(f)), requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } });
device.addEventListener?.('uncapturederror', (e) => console.error('GPU error', e.error?.message));
const sh = (f) => readFileSync(new URL(`../shaders/${f}`, import.meta.url), 'utf8');

function buf(bytes, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC) {
  return device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage });
}
function fillRandom(b, bytes, seed, kind) {
  const a = new Uint32Array(Math.ceil(bytes / 4));
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    if (kind === 'scale') a[i] = (0x2000 + (s & 0x3ff)) | ((0x2000 + ((s >>> 12) & 0x3ff)) << 16);
    else if (kind === 'x') a[i] = new Uint32Array(new Float32Array([(s / 2 ** 32) * 2 - 1]).buffer)[0];
    else a[i] = s;
  }
  device.queue.writeBuffer(b, 0, a);
}

const shapes = process.env.SMALL ? [[512, 1024]] : [[14336, 4096], [4096, 14336]];
const COPIES = process.env.SMALL ? 2 : 9;

async function timeIt(pipeline, groupsFor, n, k, label, threads) {
  const wBytes = (n * k) / 2, sBytes = (n * k / 128) * 2, zBytes = n * k / 128;
  const x = buf(k * 4); fillRandom(x, k * 4, 7, 'x');
  const y = buf(n * 4);
  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(params, 0, new Uint32Array([n, k, 0, 0]));
  const bgs = [];
  for (let c = 0; c < COPIES; c++) {
    const w = buf(wBytes); fillRandom(w, wBytes, 11 + c);
    const s = buf(sBytes); fillRandom(s, sBytes, 21 + c, 'scale');
    const z = buf(zBytes); fillRandom(z, zBytes, 31 + c);
    bgs.push({ bg: groupsFor(params, x, w, s, z, y), bufs: [w, s, z] });
  }
  const run = async (reps) => {
    let best = Infinity;
    for (let t = 0; t < 3; t++) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      for (let i = 0; i < reps; i++) { pass.setBindGroup(0, bgs[i % COPIES].bg); pass.dispatchWorkgroups(...pipeline.__wg); }
      pass.end();
      const cmd = enc.finish();
      const t0 = performance.now();
      device.queue.submit([cmd]);
      await device.queue.onSubmittedWorkDone();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  await run(10);
  const a = await run(200), b = await run(400);
  const us = ((b - a) / 200) * 1000;
  // readback a few outputs for a cross-variant sanity check
  const rb = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(y, 0, rb, 0, 16); device.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ); const out = [...new Float32Array(rb.getMappedRange())].map((v) => v.toFixed(3)); rb.unmap();
  for (const c of bgs) c.bufs.forEach((b) => b.destroy());
  x.destroy(); y.destroy(); params.destroy(); rb.destroy();
  const gbs = (wBytes + sBytes + zBytes) / (us * 1e3);
  console.log(JSON.stringify({ label, n, k, threads, us: +us.toFixed(2), gb_per_s: +gbs.toFixed(0), y: out }));
}

function baseline(n, k, threads) {
  const code = `${sh('reduce_subgroup.wgsl')}\n${sh('matvec_q.wgsl')}\n${sh('f16.wgsl')}`;
  const module = device.createShaderModule({ code });
  const p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'matvec_q', constants: { BITS: 4, GROUP: 128, SYMMETRIC: 0, THREADS: threads, ROWS: 4 } } });
  p.__wg = [Math.ceil(n / 4), 1, 1];
  return [p, (params, x, w, s, z, y) => device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [params, x, w, s, z, x, y].map((b, i) => ({ binding: i, resource: { buffer: b } })) })];
}

// round 2 (the winner, wreg Q1 T64, stays as round 3's reference): straight-line code, vec4 accumulators (4 rows a quad), no arrays, no dynamic indexing
function unrolled(n, k, o) {
  const { Q, T, mode } = o;
  const R = 4 * Q;
  const quads = [...Array(Q).keys()];
  const rowsOf = (qd) => [0, 1, 2, 3].map((i) => `min(row0 + ${qd * 4 + i}u, p.n - 1u)`);
  const scaleExpr = (row) => o.sel
    ? `sel_half(scales[(${row} * gpr + g) >> 1u], ((${row} * gpr + g) & 1u) != 0u)`
    : `f16_value((scales[(${row} * gpr + g) >> 1u] >> (((${row} * gpr + g) & 1u) * 16u)) & 0xffffu)`;
  const zeroExpr = (row) => `f32((zeros[(${row} * gpr + g) >> 2u] >> (((${row} * gpr + g) & 3u) * 8u)) & 0xffu)`;
  let body = '';
  if (mode === 'xreg') {
    body += [...Array(8).keys()].map((i) => `    let x${i} = x[xo + ${i}u];`).join('\n') + '\n';
    body += `    let xsum = dot(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)), vec4<f32>(1.0));\n`;
    body += [...Array(8).keys()].map((i) => `    let p${i} = x${i} * PRE;`).join('\n') + '\n';
    for (const qd of quads) {
      const rows = rowsOf(qd);
      rows.forEach((r, i) => { body += `    let r${qd}_${i} = ${r};\n    let q${qd}_${i} = w[r${qd}_${i} * units + u];\n`; });
      body += `    let d${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => `dotu(q${qd}_${i}, p0, p1, p2, p3, p4, p5, p6, p7)`).join(', ')});\n`;
      body += `    let s${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => scaleExpr(`r${qd}_${i}`)).join(', ')});\n`;
      body += `    let z${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => zeroExpr(`r${qd}_${i}`)).join(', ')});\n`;
      body += `    acc${qd} += s${qd} * (d${qd} - z${qd} * xsum);\n`;
    }
  } else {
    for (const qd of quads) {
      rowsOf(qd).forEach((r, i) => { body += `    let r${qd}_${i} = ${r};\n    let q${qd}_${i} = w[r${qd}_${i} * units + u];\n`; });
      body += `    var d${qd} = vec4<f32>(0.0);\n`;
    }
    body += `    var xs4 = vec4<f32>(0.0);\n`;
    const comp = ['x', 'y', 'z', 'w'];
    for (let j = 0; j < 4; j++) {
      body += `    {\n      let xa = x[xo + ${2 * j}u];\n      let xb = x[xo + ${2 * j + 1}u];\n      xs4 += xa + xb;\n      let pa = xa * PRE;\n      let pb = xb * PRE;\n`;
      for (const qd of quads) body += `      d${qd} += vec4<f32>(${[0, 1, 2, 3].map((i) => `dw(q${qd}_${i}.${comp[j]}, pa, pb)`).join(', ')});\n`;
      body += `    }\n`;
    }
    body += `    let xsum = dot(xs4, vec4<f32>(1.0));\n`;
    for (const qd of quads) {
      body += `    let s${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => scaleExpr(`r${qd}_${i}`)).join(', ')});\n`;
      body += `    let z${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => zeroExpr(`r${qd}_${i}`)).join(', ')});\n`;
      body += `    acc${qd} += s${qd} * (d${qd} - z${qd} * xsum);\n`;
    }
  }
  const code = `enable subgroups;
const THREADS = ${T}u;
const MAGIC = 0x4b000000u;
const MV = 8388608.0;
const PRE = vec4<f32>(1.0, 0.0625, 0.00390625, 0.000244140625);
const M = vec4<u32>(0xfu, 0xf0u, 0xf00u, 0xf000u);
struct P { n: u32, k: u32, b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
var<workgroup> partial: array<vec4<f32>, ${Q * 32}>;
${sh('f16.wgsl')}
fn sel_half(word: u32, hi: bool) -> f32 {
  let v = unpack2x16float(word);
  return select(v.x, v.y, hi);
}
fn dw(word: u32, xa: vec4<f32>, xb: vec4<f32>) -> f32 {
  let lo = bitcast<vec4<f32>>((vec4<u32>(word) & M) | vec4<u32>(MAGIC)) - vec4<f32>(MV);
  let hi = bitcast<vec4<f32>>((vec4<u32>(word >> 16u) & M) | vec4<u32>(MAGIC)) - vec4<f32>(MV);
  return dot(lo, xa) + dot(hi, xb);
}
fn dotu(q: vec4<u32>, p0: vec4<f32>, p1: vec4<f32>, p2: vec4<f32>, p3: vec4<f32>, p4: vec4<f32>, p5: vec4<f32>, p6: vec4<f32>, p7: vec4<f32>) -> f32 {
  return (dw(q.x, p0, p1) + dw(q.y, p2, p3)) + (dw(q.z, p4, p5) + dw(q.w, p6, p7));
}
@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sl: u32, @builtin(subgroup_size) ss: u32) {
  let row0 = wid.x * ${R}u;
  let units = p.k / 32u;
  let gpr = p.k / 128u;
${quads.map((qd) => `  var acc${qd} = vec4<f32>(0.0);`).join('\n')}
  for (var u = lid; u < units; u += THREADS) {
    let xo = u * 8u;
    let g = u / 4u;
${body}  }
${quads.map((qd) => `  let t${qd} = subgroupAdd(acc${qd});\n  if (sl == 0u) { partial[${qd * 32}u + lid / ss] = t${qd}; }`).join('\n')}
  workgroupBarrier();
  if (lid < ${R}u) {
    let qd = lid / 4u;
    var s = vec4<f32>(0.0);
    for (var i = 0u; i < THREADS / ss; i++) { s += partial[qd * 32u + i]; }
    let v = select(select(s.x, s.y, (lid & 3u) == 1u), select(s.z, s.w, (lid & 3u) == 3u), (lid & 3u) >= 2u);
    if (row0 + lid < p.n) { y[row0 + lid] = v; }
  }
}`;
  const module = device.createShaderModule({ code });
  const pl = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  pl.__wg = [Math.ceil(n / R), 1, 1];
  return [pl, (params, x, w, s, z, y) => device.createBindGroup({ layout: pl.getBindGroupLayout(0), entries: [params, x, w, s, z, y].map((b, i) => ({ binding: i, resource: { buffer: b } })) })];
}

// round 3: a subgroup owns whole rows (no workgroup memory, no barrier): W subgroups of 32 lanes a
// workgroup, each with Q quads of 4 rows, its lanes striding the rows' 16-byte units; `empty` is the
// floor a dispatch of that many workgroups costs between barriers.
function subgroupRows(n, k, { W, Q, empty = false }) {
  const R = 4 * Q;
  const quads = [...Array(Q).keys()];
  const comp = ['x', 'y', 'z', 'w'];
  let body = '';
  for (const qd of quads) {
    [0, 1, 2, 3].forEach((i) => { body += `    let q${qd}_${i} = w[r${qd}.${comp[i]} * units + u];\n`; });
    body += `    var d${qd} = vec4<f32>(0.0);\n`;
  }
  body += `    var xs4 = vec4<f32>(0.0);\n`;
  for (let j = 0; j < 4; j++) {
    body += `    {\n      let xa = x[xo + ${2 * j}u];\n      let xb = x[xo + ${2 * j + 1}u];\n      xs4 += xa + xb;\n      let pa = xa * PRE;\n      let pb = xb * PRE;\n`;
    for (const qd of quads) body += `      d${qd} += vec4<f32>(${[0, 1, 2, 3].map((i) => `dw(q${qd}_${i}.${comp[j]}, pa, pb)`).join(', ')});\n`;
    body += `    }\n`;
  }
  body += `    let xsum = dot(xs4, vec4<f32>(1.0));\n`;
  for (const qd of quads) {
    body += `    let s${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => `f16_value((scales[(r${qd}.${comp[i]} * gpr + g) >> 1u] >> (((r${qd}.${comp[i]} * gpr + g) & 1u) * 16u)) & 0xffffu)`).join(', ')});\n`;
    body += `    let z${qd} = vec4<f32>(${[0, 1, 2, 3].map((i) => `f32((zeros[(r${qd}.${comp[i]} * gpr + g) >> 2u] >> (((r${qd}.${comp[i]} * gpr + g) & 3u) * 8u)) & 0xffu)`).join(', ')});\n`;
    body += `    acc${qd} += s${qd} * (d${qd} - z${qd} * xsum);\n`;
  }
  const loop = empty ? `  if (p.b == 7u) { acc0 += x[0] + vec4<f32>(f32(w[0].x + scales[0] + zeros[0])); }\n` : `  for (var u = sl; u < units; u += 32u) {\n    let xo = u * 8u;\n    let g = u / 4u;\n${body}  }\n`;
  const code = `enable subgroups;
const MAGIC = 0x4b000000u;
const MV = 8388608.0;
const PRE = vec4<f32>(1.0, 0.0625, 0.00390625, 0.000244140625);
const M = vec4<u32>(0xfu, 0xf0u, 0xf00u, 0xf000u);
struct P { n: u32, k: u32, b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
${sh('f16.wgsl')}
fn dw(word: u32, xa: vec4<f32>, xb: vec4<f32>) -> f32 {
  let lo = bitcast<vec4<f32>>((vec4<u32>(word) & M) | vec4<u32>(MAGIC)) - vec4<f32>(MV);
  let hi = bitcast<vec4<f32>>((vec4<u32>(word >> 16u) & M) | vec4<u32>(MAGIC)) - vec4<f32>(MV);
  return dot(lo, xa) + dot(hi, xb);
}
@compute @workgroup_size(${32 * W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sl: u32) {
  let row0 = (wid.x * ${W}u + lid / 32u) * ${R}u;
  let units = p.k / 32u;
  let gpr = p.k / 128u;
${quads.map((qd) => `  let r${qd} = min(vec4<u32>(row0 + ${qd * 4}u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.n - 1u));\n  var acc${qd} = vec4<f32>(0.0);`).join('\n')}
${loop}${quads.map((qd) => `  let t${qd} = subgroupAdd(acc${qd});`).join('\n')}
  if (sl < ${R}u && row0 + sl < p.n) {
${quads.map((qd) => `    if (sl / 4u == ${qd}u) { let l = sl & 3u; y[row0 + sl] = select(select(t${qd}.x, t${qd}.y, l == 1u), select(t${qd}.z, t${qd}.w, l == 3u), l >= 2u); }`).join('\n')}
  }
}`;
  const module = device.createShaderModule({ code });
  const pl = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  pl.__wg = [Math.ceil(n / (R * W)), 1, 1];
  return [pl, (params, x, w, s, z, y) => device.createBindGroup({ layout: pl.getBindGroupLayout(0), entries: [params, x, w, s, z, y].map((b, i) => ({ binding: i, resource: { buffer: b } })) })];
}

const only = process.argv[2];
const variants = [
  ['wreg Q1 T64', (n, k) => unrolled(n, k, { Q: 1, T: 64, mode: 'wreg' }), 64],
  ...[1, 2, 4, 8].flatMap((W) => [1, 2].map((Q) => [`sg W${W} Q${Q}`, (n, k) => subgroupRows(n, k, { W, Q }), 32 * W])),
  ['empty W2 Q1', (n, k) => subgroupRows(n, k, { W: 2, Q: 1, empty: true }), 64],
  ['empty W8 Q2', (n, k) => subgroupRows(n, k, { W: 8, Q: 2, empty: true }), 256],
];
for (const [n, k] of shapes) {
  if (!only) { const [p, g] = baseline(n, k, 64); await timeIt(p, g, n, k, 'baseline', 64); }
  for (const [label, make, threads] of variants) {
    if (only && !label.includes(only)) continue;
    try { const [p, g] = make(n, k); await timeIt(p, g, n, k, label, threads); } catch (e) { console.log(label, 'failed', e.message); }
  }
}
process.exit(0);
