/**
 * One GPUDevice plus what every kernel needs around it: a pipeline cache,
 * byte accounting of the buffers the engine owns, and small helpers to
 * upload, read back and dispatch. Hosts (page, worker, Node) acquire the
 * device and hand it here; nothing below knows which host it runs in.
 */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

export interface GpuInfo {
  description: string;
  /** The adapter's own words (GPUAdapterInfo), empty where the browser hides them. */
  vendor: string;
  architecture: string;
  /** A CPU standing in for a GPU (SwiftShader, lavapipe, WARP): kernels without workgroup tiles run faster there. */
  isCpu: boolean;
  features: string[];
  /** Lanes of a subgroup (GPUAdapterInfo.subgroupMinSize and subgroupMaxSize); 0 where the adapter does not say. */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  /** The shapes the experimental subgroup-matrix feature multiplies (GPUAdapterInfo.subgroupMatrixConfigs), [] without it. */
  subgroupMatrixConfigs: SubgroupMatrixConfig[];
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
}

/** One tile shape of the subgroup-matrix feature: left M x K times right K x N into a result M x N. */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

/** What GpuContext reads of GPUAdapterInfo (all optional: browsers hide some, older ones lack the rest). */
export interface AdapterDetails {
  vendor?: string;
  architecture?: string;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  subgroupMatrixConfigs?: readonly SubgroupMatrixConfig[];
}

const MAX_CACHED_UNIFORMS = 4096;
const MAX_CACHED_BIND_GROUPS = 8192;

export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

/**
 * One recorded dispatch: everything a compute pass needs to run it again. The encode* functions
 * of the engine return these, so a forward pass is recorded once and replayed every step.
 */
export interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  private readonly pipelines = new Map<string, Map<string, GPUComputePipeline>>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly owned = new Map<GPUBuffer, string>();
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly objectIds = new WeakMap<object, number>();
  private nextObjectId = 1;
  /** Evicted uniforms may still be referenced by recorded work; they are destroyed after the next read. */
  private retired: GPUBuffer[] = [];
  private unusedBinding: GPUBuffer | null = null;
  private lost: string | null = null;
  /** The first error no error scope caught; reads rethrow it, so a bad dispatch never passes as zeros. */
  private uncaptured: string | null = null;
  bytesAllocated = 0;
  /**
   * Use the kernels written for CPU adapters (one output block an invocation, no workgroup
   * memory or barriers) instead of the workgroup-tiled ones. Follows the adapter; tests set it
   * to check both families on any adapter.
   */
  directKernels: boolean;

  /**
   * The instance and adapter stay referenced for the device's lifetime: Dawn
   * in Node tears its instance down when the GPU object is collected, and a
   * device outliving it crashes the process.
   */
  readonly keepAlive: unknown[];

  constructor(
    device: GPUDevice,
    description: string,
    keepAlive: unknown[] = [],
    adapterInfo: AdapterDetails = {},
  ) {
    this.device = device;
    this.keepAlive = keepAlive;
    this.info = {
      description,
      vendor: adapterInfo.vendor ?? '',
      architecture: adapterInfo.architecture ?? '',
      isCpu: /swiftshader|llvmpipe|lavapipe|warp|software/i.test(description),
      features: [...device.features],
      subgroupMinSize: adapterInfo.subgroupMinSize ?? 0,
      subgroupMaxSize: adapterInfo.subgroupMaxSize ?? 0,
      // Copied field by field: the adapter's config objects keep their values in getters.
      subgroupMatrixConfigs: device.features.has('chromium-experimental-subgroup-matrix')
        ? (adapterInfo.subgroupMatrixConfigs ?? []).map((c) => ({
            componentType: c.componentType,
            resultComponentType: c.resultComponentType,
            M: c.M,
            N: c.N,
            K: c.K,
          }))
        : [],
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    };
    this.directKernels = this.info.isCpu;
    device.lost.then((info) => {
      this.lost = info.message || info.reason || 'device lost';
    });
    device.addEventListener('uncapturederror', (event) => {
      this.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  get isLost(): boolean {
    return this.lost !== null;
  }

  /** Allocates a storage buffer and counts its bytes; refuses sizes the adapter cannot bind. */
  createBuffer(label: string, size: number, usage: GPUBufferUsageFlags = 0): GPUBuffer {
    const bytes = Math.max(16, Math.ceil(size / 4) * 4);
    if (bytes > this.info.maxStorageBufferBindingSize || bytes > this.info.maxBufferSize) {
      throw new GpuError(
        `${label} needs one buffer of ${formatBytes(bytes)}, but this GPU binds at most ` +
          `${formatBytes(Math.min(this.info.maxStorageBufferBindingSize, this.info.maxBufferSize))} at once.`,
      );
    }
    const buffer = this.device.createBuffer({
      label,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | usage,
    });
    this.owned.set(buffer, label);
    this.bytesAllocated += bytes;
    return buffer;
  }

  /**
   * A 16-byte buffer bound where a kernel declares a binding that a call does not use (no bias,
   * symmetric zeros, the scales of an unquantized KV cache). Weights are packed before any session
   * exists, so the context owns it: made once, counted, freed by dispose.
   */
  get placeholder(): GPUBuffer {
    this.unusedBinding ??= this.createBuffer('unused binding', 16);
    return this.unusedBinding;
  }

  upload(label: string, data: ArrayBufferView): GPUBuffer {
    const buffer = this.createBuffer(label, data.byteLength);
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    const padded = data.byteLength % 4 === 0 ? data : padTo4(data);
    this.device.queue.writeBuffer(buffer, offset, padded.buffer, padded.byteOffset, padded.byteLength);
  }

  destroy(buffer: GPUBuffer): void {
    if (this.owned.delete(buffer)) this.bytesAllocated -= buffer.size;
    buffer.destroy();
  }

  /**
   * A uniform buffer holding `values`. Uniforms are never written after
   * creation, so equal contents share one buffer: a decode step reuses the
   * previous step's parameters instead of allocating a hundred small buffers.
   */
  uniform(values: ArrayLike<number>, types: string): GPUBuffer {
    const key = `${types}:${Array.from(values).join(',')}`;
    const cached = this.uniforms.get(key);
    if (cached) {
      this.uniforms.delete(key);
      this.uniforms.set(key, cached);
      return cached;
    }
    const data = packUniform(values, types);
    const buffer = this.device.createBuffer({
      size: data.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(buffer, 0, data);
    this.uniforms.set(key, buffer);
    if (this.uniforms.size > MAX_CACHED_UNIFORMS) {
      const oldest = this.uniforms.keys().next().value as string;
      this.retired.push(this.uniforms.get(oldest)!);
      this.uniforms.delete(oldest);
    }
    return buffer;
  }

  /**
   * The compute pipeline of an entry point, compiled once. Shader sources are module constants,
   * so the outer map's string keys hash once; a decode step looks up over a hundred pipelines.
   */
  pipeline(code: string, entryPoint: string, constants: Record<string, number> = {}): GPUComputePipeline {
    let byEntry = this.pipelines.get(code);
    if (!byEntry) {
      byEntry = new Map();
      this.pipelines.set(code, byEntry);
    }
    let key = entryPoint;
    for (const name in constants) key += `|${name}=${constants[name]}`;
    let pipeline = byEntry.get(key);
    if (!pipeline) {
      let module = this.modules.get(code);
      if (!module) {
        module = this.device.createShaderModule({ code });
        this.modules.set(code, module);
      }
      // The label names the kernel in GPU errors and in the decode profile (src/eval/decodeProfile.ts).
      pipeline = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
      byEntry.set(key, pipeline);
    }
    return pipeline;
  }

  /** Records one dispatch; bindings go to group 0 in binding order. */
  record(pipeline: GPUComputePipeline, bindings: Binding[], workgroups: [number, number?, number?]): Dispatch {
    const [x, y = 1, z = 1] = workgroups;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new GpuError(`a dispatch of ${x}x${y}x${z} workgroups exceeds this GPU's limit of ${max} per dimension`);
    }
    return { pipeline, bindGroup: this.bindGroup(pipeline, bindings), workgroups: [x, y, z] };
  }

  /**
   * Bind groups are cached by the identity of the pipeline and buffers: a forward pass binds
   * the same weights, scratch and (shared) uniforms every step, and creating a hundred bind
   * groups a token costs a decode step more than its kernels on a fast GPU.
   */
  private bindGroup(pipeline: GPUComputePipeline, bindings: Binding[]): GPUBindGroup {
    let key = `${this.idOf(pipeline)}`;
    for (const b of bindings) {
      key += 'buffer' in b ? `,${this.idOf(b.buffer)}@${b.offset ?? 0}+${b.size ?? ''}` : `,${this.idOf(b)}`;
    }
    let group = this.bindGroups.get(key);
    if (!group) {
      group = this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: bindings.map((b, i) => ({ binding: i, resource: 'buffer' in b ? b : { buffer: b } })),
      });
      this.bindGroups.set(key, group);
      if (this.bindGroups.size > MAX_CACHED_BIND_GROUPS) this.bindGroups.delete(this.bindGroups.keys().next().value as string);
    }
    return group;
  }

  private idOf(object: object): number {
    let id = this.objectIds.get(object);
    if (id === undefined) {
      id = this.nextObjectId++;
      this.objectIds.set(object, id);
    }
    return id;
  }

  /** Encodes recorded dispatches into one compute pass of `encoder`, in order. */
  encode(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[]): void {
    const pass = encoder.beginComputePass();
    let pipeline: GPUComputePipeline | null = null;
    for (const d of dispatches) {
      if (d.pipeline !== pipeline) {
        pipeline = d.pipeline;
        pass.setPipeline(pipeline);
      }
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
  }

  /** Runs recorded dispatches in one compute pass and submits it. */
  run(dispatches: readonly Dispatch[]): void {
    const encoder = this.device.createCommandEncoder();
    this.encode(encoder, dispatches);
    this.device.queue.submit([encoder.finish()]);
  }

  /** A buffer the host maps to read `size` bytes that work copies into it; counted, freed by destroy(). */
  createStaging(label: string, size: number): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.owned.set(buffer, label);
    this.bytesAllocated += size;
    return buffer;
  }

  /**
   * Runs `dispatches`, then copies the first `staging.size` bytes of `source` into the caller's
   * reused staging buffer and hands them to `read` while mapped: one submit and one small read,
   * nothing allocated.
   */
  async runAndRead<T>(dispatches: readonly Dispatch[], source: GPUBuffer, staging: GPUBuffer, read: (bytes: ArrayBuffer) => T): Promise<T> {
    this.throwIfBroken();
    const encoder = this.device.createCommandEncoder();
    this.encode(encoder, dispatches);
    encoder.copyBufferToBuffer(source, 0, staging, 0, staging.size);
    this.device.queue.submit([encoder.finish()]);
    return this.mapped(staging, read);
  }

  private async mapped<T>(staging: GPUBuffer, read: (bytes: ArrayBuffer) => T): Promise<T> {
    await staging.mapAsync(GPUMapMode.READ);
    this.throwIfBroken();
    try {
      return read(staging.getMappedRange());
    } finally {
      staging.unmap();
      for (const b of this.retired) b.destroy();
      this.retired = [];
    }
  }

  /** Throws the device's loss or its first uncaught error, if any: whatever ran since is not to be trusted. */
  throwIfBroken(): void {
    if (this.lost) throw new GpuError(`the GPU device was lost: ${this.lost}`);
    if (this.uncaptured) {
      const message = this.uncaptured;
      this.uncaptured = null;
      throw new GpuError(`GPU error: ${message}`);
    }
  }

  async read(buffer: GPUBuffer, size = buffer.size, offset = 0): Promise<ArrayBuffer> {
    this.throwIfBroken();
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    try {
      return await this.mapped(staging, (bytes) => bytes.slice(0));
    } finally {
      staging.destroy();
    }
  }

  async readF32(buffer: GPUBuffer, count?: number, offsetElements = 0): Promise<Float32Array> {
    const n = count ?? buffer.size / 4;
    return new Float32Array(await this.read(buffer, n * 4, offsetElements * 4));
  }

  async readU32(buffer: GPUBuffer, count?: number): Promise<Uint32Array> {
    const n = count ?? buffer.size / 4;
    return new Uint32Array(await this.read(buffer, n * 4));
  }

  /** Surfaces validation errors of the work submitted so far as exceptions. */
  async check<T>(label: string, work: () => T | Promise<T>): Promise<T> {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let result: T;
    try {
      result = await work();
    } finally {
      const oom = await this.device.popErrorScope();
      const validation = await this.device.popErrorScope();
      if (oom) throw new GpuError(`${label}: the GPU ran out of memory (${oom.message})`);
      if (validation) throw new GpuError(`${label}: ${validation.message}`);
    }
    return result;
  }

  dispose(): void {
    for (const buffer of this.owned.keys()) buffer.destroy();
    this.owned.clear();
    this.unusedBinding = null;
    for (const b of this.uniforms.values()) b.destroy();
    this.uniforms.clear();
    this.bindGroups.clear();
    this.bytesAllocated = 0;
  }
}

/** Packs a uniform struct whose fields are all 4 bytes: `types` holds one letter a field (u, i, f). */
export function packUniform(values: ArrayLike<number>, types: string): ArrayBuffer {
  if (values.length !== types.length) throw new Error('uniform: one type letter per value');
  const size = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  for (let i = 0; i < values.length; i++) {
    const t = types[i];
    if (t === 'u') view.setUint32(i * 4, values[i], true);
    else if (t === 'i') view.setInt32(i * 4, values[i], true);
    else view.setFloat32(i * 4, values[i], true);
  }
  return buffer;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function padTo4(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}
