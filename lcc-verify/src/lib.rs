//! The LCC model checker (deadlock, role reachability, orphan messages).
//!
//! Not built yet: this crate is the subject of issue 4 (`lcc-verify`). It is an empty
//! library so that the workspace layout is in place; nothing here pretends to work.
