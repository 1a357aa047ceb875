//! Subcommands of the `kizuna` binary that have a module of their own (the binary's, not the
//! library's: they print and exit). The others are short enough to live in `main.rs`.

pub(crate) mod local;
