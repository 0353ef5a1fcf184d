//! The allocator hands out what a value's layout asks, in the block mimalloc's plain entry
//! would give it: aligned, whole, keeping its bytes through a resize, and never a class
//! above its size.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use yinling_alloc::Allocator;

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// The sizes every test walks: each one up to a few KiB, then steps into mimalloc's large
/// classes.
fn sizes() -> impl Iterator<Item = usize> {
    (1..=4096).chain((4097..=300_000).step_by(4093))
}

#[test]
fn every_block_is_aligned_as_its_layout_asks_and_holds_its_bytes() {
    for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
        for size in sizes() {
            let layout = Layout::from_size_align(size, align).expect("a layout");
            // SAFETY: the layout is not empty; the block is written within its size and given
            // back with the same layout.
            unsafe {
                let p = ALLOCATOR.alloc(layout);
                assert!(!p.is_null(), "{size} bytes aligned to {align}");
                assert_eq!(p as usize % align, 0, "{size} bytes aligned to {align}");
                p.write_bytes(0xA5, size);
                assert_eq!(*p.add(size - 1), 0xA5);
                ALLOCATOR.dealloc(p, layout);
            }
        }
    }
}

#[test]
fn a_zeroed_block_reads_zero_after_a_dirty_one_was_freed() {
    for align in [1, 8, 16, 64] {
        for size in (1..=1024).step_by(7) {
            let layout = Layout::from_size_align(size, align).expect("a layout");
            // SAFETY: as above; the zeroed block is read within its size.
            unsafe {
                let dirty = ALLOCATOR.alloc(layout);
                dirty.write_bytes(0xFF, size);
                ALLOCATOR.dealloc(dirty, layout);
                let p = ALLOCATOR.alloc_zeroed(layout);
                assert_eq!(p as usize % align, 0);
                assert!(std::slice::from_raw_parts(p, size).iter().all(|b| *b == 0));
                ALLOCATOR.dealloc(p, layout);
            }
        }
    }
}

#[test]
fn a_resized_block_keeps_its_bytes_and_its_alignment() {
    for align in [1, 8, 16, 64] {
        for (from, to) in [
            (8, 448),
            (448, 8),
            (24, 4096),
            (4096, 24),
            (200, 200_000),
            (1, 9),
        ] {
            let layout = Layout::from_size_align(from, align).expect("a layout");
            // SAFETY: the block is written and read within its sizes, resized with the layout
            // it was made with and given back with the layout of its new size.
            unsafe {
                let p = ALLOCATOR.alloc(layout);
                for i in 0..from {
                    *p.add(i) = (i % 251) as u8;
                }
                let q = ALLOCATOR.realloc(p, layout, to);
                assert!(!q.is_null());
                assert_eq!(
                    q as usize % align,
                    0,
                    "{from} → {to} bytes aligned to {align}"
                );
                for i in 0..from.min(to) {
                    assert_eq!(*q.add(i), (i % 251) as u8, "{from} → {to}, byte {i}");
                }
                ALLOCATOR.dealloc(q, Layout::from_size_align(to, align).expect("a layout"));
            }
        }
    }
}

/// The point of the crate: a value of exactly a size class's bytes (a volunteer's 448, an
/// activity's 224, a 24-byte box) gets a block of that class, however many are made, where
/// the aligned entry hands out the class above once its class's page is full.
#[test]
fn a_value_of_a_class_size_gets_a_block_of_that_class_however_many_there_are() {
    for size in [
        24, 40, 48, 56, 80, 96, 112, 160, 192, 224, 320, 384, 448, 640,
    ] {
        let layout = Layout::from_size_align(size, 8).expect("a layout");
        let mut held = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            // SAFETY: a non-empty layout; every block is given back below with it.
            let p = unsafe { ALLOCATOR.alloc(layout) };
            assert!(!p.is_null());
            held.push(p);
        }
        // SAFETY: a pure function of the size.
        let class = unsafe { libmimalloc_sys::mi_good_size(size) };
        let larger = held
            .iter()
            // SAFETY: each pointer is a live block of this allocator.
            .filter(|p| unsafe { libmimalloc_sys::mi_usable_size(p.cast::<c_void>()) } > class)
            .count();
        assert_eq!(
            larger, 0,
            "{larger} of 20,000 blocks of {size} bytes came from a class above its {class}"
        );
        for p in held {
            // SAFETY: made above with this layout, given back once.
            unsafe { ALLOCATOR.dealloc(p, layout) };
        }
    }
}
