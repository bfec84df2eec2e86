//! The shipped `.wasm`'s global allocator: an arena that each call into the module gives
//! back whole when it returns.
//!
//! Nothing the module allocates outlives the call that allocated it: the results are handed
//! to the loader before the call returns, and what the page's session must remember between
//! calls is handed to the loader as text too (`state.rs`). So blocks are cut one after the
//! other from the end of the arena and never freed one by one; [`mark`] at the start of a
//! call and [`release`] at its end give the whole call's memory back, and the next call
//! starts where this one did. A call that the page re-enters (a `history.replaceState`
//! wrapper calling the module, say) takes its own mark above the outer call's blocks and
//! gives back only its own.
//!
//! Why not a free-list allocator: with nothing freed one by one, `dealloc` does nothing, and
//! the compiler drops every `String`'s and `Vec`'s drop code and the size classes with it.
//! With the session's text form that this needs, the `.wasm` is 753 B and the script tag
//! 276 B smaller than with the size-class allocator this replaced (bench/SIZE_STEPS.md).
//!
//! The cost: the blocks a call grew out of stay taken until the call returns (a `String`
//! grown by doubling leaves its smaller copies behind, unless it is the last block, which
//! grows in place), so a call's peak memory is a few times what it holds at once. The arena grows by whole 64 KiB pages and keeps them: a page with
//! a 1.5 MB query grows the memory once, and later calls reuse it.
//!
//! wasm32 without threads runs one call at a time, so the state is a plain cell (the
//! build refuses `atomics`).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::cell::Cell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;

extern "C" {
    /// Where the linker ends the stack and the static data: the arena starts here.
    static __heap_base: u8;
}

/// The arena; see the module documentation.
pub struct Arena {
    /// The first byte never handed out since the last [`release`] (0 before the first call).
    next: Cell<usize>,
}

// SAFETY: wasm32 without the `atomics` feature has a single thread.
unsafe impl Sync for Arena {}

#[global_allocator]
static ARENA: Arena = Arena { next: Cell::new(0) };

/// Where the arena's next block goes: a call's mark, for [`release`] when it returns.
pub fn mark() -> usize {
    let next = ARENA.next.get();
    if next == 0 {
        // Only the symbol's address is taken: no read, so no `unsafe`.
        core::ptr::addr_of!(__heap_base) as usize
    } else {
        next
    }
}

/// Gives back every block handed out since `mark` was taken.
pub fn release(mark: usize) {
    ARENA.next.set(mark);
}

impl Arena {
    /// `size` bytes from `start` on, the memory grown to hold them; null when it cannot grow.
    fn take(&self, start: usize, size: usize) -> *mut u8 {
        let Some(stop) = start.checked_add(size) else {
            return null_mut();
        };
        let end = memory_size(0) * PAGE;
        if stop > end && memory_grow(0, (stop - end).div_ceil(PAGE)) == usize::MAX {
            return null_mut();
        }
        self.next.set(stop);
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match mark().checked_next_multiple_of(layout.align()) {
            Some(start) => self.take(start, layout.size()),
            None => null_mut(),
        }
    }

    /// Nothing: the block is given back with its call's whole memory (see [`release`]).
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The last block handed out grows (or shrinks) where it is: a string built by
        // pushes leaves no smaller copies behind.
        if ptr as usize + layout.size() == self.next.get() {
            return self.take(ptr as usize, new_size);
        }
        let moved = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !moved.is_null() {
            core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
        }
        moved
    }
}
