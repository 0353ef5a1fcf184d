//! The node's allocator: mimalloc, asked the way the standard library asks the system's.
//!
//! Every Rust allocation comes with an alignment, and the `mimalloc` crate passes each one to
//! mimalloc's aligned entry (`mi_malloc_aligned`). mimalloc 3 serves an aligned request from
//! its size class only when that class's current page happens to have a free block ready;
//! otherwise it asks for the size plus the alignment less one, unless the class's size is a
//! power of two (`alloc-aligned.c`). A request of exactly a class's size (24, 40, 48, …, 224,
//! 448 bytes) then takes a block of the class above, and a class only such requests ask for
//! never gets a page of its own. A province's state is tens of millions of small values,
//! each with an alignment of eight, so that slack is paid on a large share of them.
//!
//! mimalloc's blocks are whole words from a page aligned to more than a word, so a plain
//! request (`mi_malloc`) already comes back aligned to eight bytes: for an alignment up to
//! eight that is no larger than the size, this allocator asks the plain entries, as the
//! standard library's system allocator does with `malloc`; anything else still goes to the
//! aligned ones. Freeing is the same call either way.

#![no_std]
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every block of mimalloc's plain entries has: its block sizes are whole
/// words (eight bytes on the 64-bit targets this service runs on).
pub const PLAIN_ALIGNMENT: usize = core::mem::size_of::<usize>();

/// mimalloc, asked through its plain entries for what they align already (see the crate's
/// documentation).
pub struct Allocator;

/// Whether a request of `size` bytes aligned to `align` is served aligned by the plain
/// entries: a block of at least `align` bytes (so never one smaller than a word for an
/// alignment of a word) with an alignment no larger than a word.
#[inline]
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGNMENT && align <= size
}

// SAFETY: every pointer handed out comes from mimalloc, aligned as its layout asks (the plain
// entries for alignments their blocks already have, the aligned entries otherwise), and is
// given back to mimalloc's `mi_free` or `mi_realloc*`, which take a block from any entry.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(layout.align(), new_size) {
            mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}
