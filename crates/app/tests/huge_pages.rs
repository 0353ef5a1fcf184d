//! Huge pages are off while a node loads and as they were found after it. The setting is the
//! process's, so this file holds one test and runs in a process of its own.

#![cfg(target_os = "linux")]

use rustix::thread::{disable_transparent_huge_pages, transparent_huge_pages_are_disabled};
use yinling_app::huge_pages::OffWhileLoading;

fn off() -> bool {
    transparent_huge_pages_are_disabled().unwrap_or_else(|e| panic!("PR_GET_THP_DISABLE: {e}"))
}

#[test]
fn huge_pages_are_off_during_the_load_and_as_found_after_it() {
    // On before the load (the usual case): off during it, on again after.
    disable_transparent_huge_pages(false).unwrap_or_else(|e| panic!("PR_SET_THP_DISABLE: {e}"));
    {
        let _loading = OffWhileLoading::begin();
        assert!(off(), "huge pages stay on during the load");
    }
    assert!(!off(), "huge pages were not turned back on after the load");

    // Off before the load (an operator's MIMALLOC_ALLOW_THP=0): off during it and after it.
    disable_transparent_huge_pages(true).unwrap_or_else(|e| panic!("PR_SET_THP_DISABLE: {e}"));
    {
        let _loading = OffWhileLoading::begin();
        assert!(off());
    }
    assert!(
        off(),
        "the load turned on huge pages an operator had turned off"
    );
}
