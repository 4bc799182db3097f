// What the kernels that read x at int32 indices (index_select.wgsl, gather.wgsl) share: the index
// check. An index on the GPU cannot be checked before the kernels run: one outside [0, size) is
// written as NaN and reported in `status`, which the runtime reads with the next readback and turns
// into an error (as labels.wgsl does for class labels).
// status[0]: set to 1 by the first element found with a bad index; [1] its position, [2] the index, [3] the size.
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>, 4>;

// Whether `index` (at position `at` of the index tensor) is in [0, size); the first found that is not goes to status.
fn indexInRange(at: u32, index: i32, size: u32) -> bool {
  if (index >= 0 && u32(index) < size) { return true; }
  if (atomicExchange(&status[0], 1u) == 0u) {
    atomicStore(&status[1], at);
    atomicStore(&status[2], bitcast<u32>(index));
    atomicStore(&status[3], size);
  }
  return false;
}

// The bits of a quiet NaN: what an element read at a bad index becomes (elements move as u32, so int32 tensors copy bit for bit).
const NAN_BITS: u32 = 0x7fc00000u;
