//! The generator's integration tests as one test binary, one module per subject.
//!
//! Every test binary links the whole crate (Pagefind, calamine, vibrato …): one binary links once
//! instead of once per file, and cargo runs all these tests in parallel instead of binary after
//! binary (docs/benchmarks.md has the wall times). A new test file belongs here as a module.

// The helpers stay where test files outside this binary (if any are added) find them too.
#[path = "../staff_support/mod.rs"]
mod staff_support;
#[path = "../support/mod.rs"]
mod support;

mod addon_rule;
mod build;
mod check_ja;
mod cli;
mod editorial_checks;
mod hostile;
mod js_vectors;
mod line;
mod local_origin;
mod office;
mod search_layout;
mod serve_errors;
mod shared_files;
mod staff;
mod staff_year;
mod subscribe_pages;
mod surveys;
mod surveys_towns;
mod yearly_births;
