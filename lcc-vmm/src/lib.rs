//! Virtual-machine management constraints for LCC: libvirt live migration, load
//! constraints and a datacentre simulator.
//!
//! Not built yet: this crate is the subject of issue 6 (`lcc-vmm`). It is an empty
//! library so that the workspace layout is in place; nothing here pretends to work.
