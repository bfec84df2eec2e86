//! A small global allocator for the standalone `.wasm`: about 300 bytes of code where std's
//! dlmalloc takes 7 KB.
//!
//! Blocks come in power-of-two sizes from 16 bytes up, each aligned to its own size, so a
//! block of a size class suits every request of that class whatever its alignment. A freed
//! block goes on its class's free list and the next request of that class takes it back, so
//! a page that calls the module again and again reuses the same blocks instead of growing
//! the heap. New blocks are cut from the end of the heap, which grows by whole 64 KiB pages.
//! Free blocks are never merged: fine for this module's few short strings, not for a general
//! app, which is why it lives in the standalone shell only (a Rust app keeps its own allocator).
//!
//! wasm32 without threads runs one call at a time, so the state is a plain cell; the module
//! is only built in when `atomics` is off.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;
/// The smallest block, and so the alignment of every block: enough for any Rust type here.
const MIN_BLOCK: usize = 16;
const CLASSES: usize = usize::BITS as usize;

extern "C" {
    /// Where the linker ends the stack and the static data: the heap starts here.
    static __heap_base: u8;
}

struct Heap {
    /// `free[k]`: the first free block of size `2^k`; each free block holds the next one.
    free: [*mut u8; CLASSES],
    /// The first byte never handed out.
    next: usize,
    /// The end of the memory the heap may use.
    end: usize,
}

/// The allocator; see the module documentation.
pub struct TinyAlloc(UnsafeCell<Heap>);

// SAFETY: wasm32 without the `atomics` feature has a single thread.
unsafe impl Sync for TinyAlloc {}

#[global_allocator]
static ALLOCATOR: TinyAlloc = TinyAlloc(UnsafeCell::new(Heap {
    free: [null_mut(); CLASSES],
    next: 0,
    end: 0,
}));

/// The size class of a layout: `k` for blocks of `2^k` bytes, or `None` past the address space.
fn class(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(MIN_BLOCK);
    // A power of two below 2^32 has at most 31 trailing zeros: the mask changes nothing but
    // tells the compiler `free[k]` is in bounds (no bounds-check panic, and none of the
    // panic's message and formatting data, in the `.wasm`).
    Some(size.checked_next_power_of_two()?.trailing_zeros() as usize & (CLASSES - 1))
}

impl Heap {
    /// A block of `2^k` bytes: a freed one, else a new one from the end of the heap.
    unsafe fn take(&mut self, k: usize) -> *mut u8 {
        let block = self.free[k];
        if !block.is_null() {
            self.free[k] = *block.cast::<*mut u8>();
            return block;
        }
        if self.end == 0 {
            self.next = (core::ptr::addr_of!(__heap_base) as usize).next_multiple_of(MIN_BLOCK);
            self.end = memory_size(0) * PAGE;
        }
        let size = 1 << k;
        loop {
            let Some(start) = self.next.checked_next_multiple_of(size) else {
                return null_mut();
            };
            let Some(stop) = start.checked_add(size).filter(|&s| s <= self.end) else {
                // Grow by what is missing; a failed grow is an allocation failure.
                let missing = start.saturating_add(size) - self.end;
                let pages = missing.div_ceil(PAGE);
                let old = memory_grow(0, pages);
                if old == usize::MAX {
                    return null_mut();
                }
                if old * PAGE != self.end {
                    // Someone else grew the memory: start again after their pages.
                    self.next = old * PAGE;
                }
                // (At the full 4 GiB the end is one byte short: it does not fit a usize.)
                self.end = (old + pages).saturating_mul(PAGE);
                continue;
            };
            // The gap before an aligned block stays unused: up to the block's size less 16
            // bytes (a 4 KiB block after a 16-byte one leaves 4 080). Freed blocks are reused,
            // so the heap stops growing once each size class has its blocks; handing the gap
            // out would cost code.
            self.next = stop;
            return start as *mut u8;
        }
    }

    /// Puts a block of `2^k` bytes on its free list.
    unsafe fn give(&mut self, block: *mut u8, k: usize) {
        *block.cast::<*mut u8>() = self.free[k];
        self.free[k] = block;
    }
}

unsafe impl GlobalAlloc for TinyAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class(layout) {
            Some(k) => (*self.0.get()).take(k),
            None => null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(k) = class(layout) {
            (*self.0.get()).give(ptr, k);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class(layout);
        let new = Layout::from_size_align(new_size, layout.align())
            .ok()
            .and_then(class);
        // Still fits its block: nothing to move.
        if old.is_some() && old == new {
            return ptr;
        }
        let Some(k) = new else {
            return null_mut();
        };
        let heap = &mut *self.0.get();
        let moved = heap.take(k);
        if !moved.is_null() {
            core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        moved
    }
}
