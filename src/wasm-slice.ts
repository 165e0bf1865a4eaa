/**
 * Slice, Unpack (tf.unstack) and SplitV (tf.split) kernels for the WASM backend that read
 * their input in place.
 *
 * Why: tfjs-backend-wasm 4.22's Slice begins with `backend.readSync(x)`, which copies the
 * whole input out of the WASM heap (HEAPU8.slice) before taking the part it needs, and
 * Unpack and SplitV call that Slice once per output. Unstacking a [T, ...] tensor into its
 * T steps therefore copies it T times: measured here, 25 slices of a 10 MB tensor took
 * ~150 ms against ~2 ms for a transpose of the same tensor, and recurrent loops unstack
 * their inputs every training step. These kernels view the input in the heap instead
 * (after the output is allocated, since allocating may grow the heap and detach views).
 * Same results for every dtype the backend stores; strings go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
}

interface SliceArgs {
  inputs: { x: tf.TensorInfo };
  attrs: { begin: number | number[]; size?: number | number[] };
  backend: WasmBackend;
}

/** Copies x[begin : begin + size] into a new tensor, reading x where it lies in the heap. */
export function sliceInPlace(x: tf.TensorInfo, begin: number[], size: number[], backend: WasmBackend): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const count = tf.util.sizeFromShape(size);
  if (count === 0) return out;
  const xVals = backend.typedArrayFromHeap(x);
  const outVals = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    outVals.set(xVals.subarray(offset, offset + count));
    return out;
  }
  // copy runs along the last axis; an odometer walks the leading axes
  const rank = x.shape.length;
  const run = size[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < count; o += run) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    outVals.set(xVals.subarray(offset, offset + run), o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Registers the three kernels for 'wasm' (idempotent; the originals handle strings). */
export function registerWasmSliceKernels(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original || (original.kernelFunc as { inPlace?: boolean }).inPlace) return;
  const originalSlice = original.kernelFunc;

  const slice = ((args: SliceArgs) => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return originalSlice(args as unknown as Parameters<tf.KernelFunc>[0]);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs.begin, args.attrs.size);
    return sliceInPlace(x, begin, size, args.backend);
  }) as tf.KernelFunc & { inPlace?: boolean };
  slice.inPlace = true;

  const originalUnpack = tf.getKernel('Unpack', 'wasm')!.kernelFunc;
  const unpack = ((args: { inputs: { value: tf.TensorInfo }; attrs: { axis: number }; backend: WasmBackend }) => {
    const { value } = args.inputs;
    if (value.dtype === 'string') return originalUnpack(args as unknown as Parameters<tf.KernelFunc>[0]);
    const rank = value.shape.length;
    const axis = args.attrs.axis < 0 ? args.attrs.axis + rank : args.attrs.axis;
    const outShape = value.shape.filter((_, d) => d !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const { dataId, dtype } = sliceInPlace(value, begin, size, args.backend);
      return { dataId, dtype, shape: outShape };
    });
  }) as unknown as tf.KernelFunc;

  const originalSplit = tf.getKernel('SplitV', 'wasm')!.kernelFunc;
  const splitV = ((args: { inputs: { x: tf.TensorInfo }; attrs: { numOrSizeSplits: number | number[]; axis: number | number[] }; backend: WasmBackend }) => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return originalSplit(args as unknown as Parameters<tf.KernelFunc>[0]);
    const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, args.attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const out = sliceInPlace(x, begin, size, args.backend);
      begin[axis] += s;
      return out;
    });
  }) as unknown as tf.KernelFunc;

  for (const [kernelName, kernelFunc] of [
    ['Slice', slice],
    ['Unpack', unpack],
    ['SplitV', splitV],
  ] as const) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
