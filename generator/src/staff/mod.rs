//! The staff's yearly cycle (DESIGN.md §8): the 年度更新 workbook and 原稿確認.
//!
//! [`export`] writes a town's local information as an Excel workbook; [`import`] reads it back
//! (as Excel or LibreOffice Calc saved it, via [`read`] and [`rows`]), validates it with `kizuna
//! check`'s rules, shows the change and writes the YAML in one step ([`yaml`] keeps untouched
//! bytes; [`split`] splits an item changed for the new year at the fiscal year). [`signoff`] lists the manuscripts a town sends with the hash of each exact text and
//! keeps the sign-off of 原稿確認 per municipality; [`review_sheet`] reads that sheet back.
//! [`town`] loads one town for these commands; [`workbook`] is the layout both sides share; [`timing`] and [`normalize`] turn what staff write
//! into content values; [`atomic`] writes all files of a step or none.

pub mod atomic;
pub mod export;
pub mod import;
pub mod normalize;
pub mod read;
pub mod review_sheet;
pub mod rows;
pub mod signoff;
pub mod split;
pub mod timing;
pub mod town;
pub mod workbook;
pub mod yaml;
