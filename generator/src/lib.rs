//! # kizuna-generator
//!
//! Renders Kizuna's content (`content/`, YAML) with its theme (`site-theme/`, Tera 2) into the
//! static back-issue archive, each municipality's `schedule.json` and the mail parts the sender
//! assembles (DESIGN.md §4–§5).
//!
//! A build is a pipeline of plain values, one module per step:
//! [`content`] (load) → [`validate`] → [`resolve`] → [`render`] → [`output`] (write), driven by
//! [`build`], which also adds each municipality's [`search`] indexes (Pagefind and the finder's).
//! [`render`] has one module per output: archive pages, feeds and sitemap, mail payloads,
//! `schedule.json` (a pure projection of the resolved edition, [`render::schedule`]) and the review;
//! [`pages`] renders the subscription pages.
//! [`staff`] is the staff's yearly cycle (年度更新 workbook, 原稿確認 sign-off); [`check`] measures
//! coverage, [`repeats`] finds a topic told twice in a short time, [`style`] applies the house style,
//! [`survey`] loads and checks reader surveys, [`preview`] shows what a family receives, [`serve`] is the local
//! preview server. Every message to people comes from the [`catalogue`] (Japanese by default).

pub mod build;
pub mod cache;
pub mod catalogue;
pub mod check;
pub mod content;
pub mod diagnostics;
pub mod limits;
pub mod markdown;
pub mod output;
pub mod pages;
pub mod placeholders;
pub mod preview;
pub mod qr;
pub mod render;
pub mod repeats;
pub mod resolve;
pub mod search;
pub mod search_text;
pub mod serve;
pub mod staff;
pub mod style;
pub mod survey;
pub mod survey_settings;
pub mod synonyms;
pub mod theme;
pub mod validate;
pub mod yomi;
