//! The domain: plain values and pure rules, no I/O — the stored vocabulary ([`model`]), e-mail
//! addresses and due/birth dates as the sign-up and the import check them, signed links and keyed
//! hashes, the day's planning, and reader-survey invitations and their tokens ([`survey`]).

pub mod address;
pub mod anchor_date;
pub mod counters;
pub mod links;
pub mod model;
pub mod plan;
pub mod survey;
